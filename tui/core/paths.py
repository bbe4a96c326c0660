"""Where the bundled sample data lives, installed or in a checkout (core's own helper:
the core never imports the UI side; the resources module builds on this)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

APP_NAME = "alvh-tui"
CONFIG_ENV = "ALVH_TUI_CONFIG_DIR"
CACHE_ENV = "ALVH_TUI_CACHE_DIR"
DEFAULT_HISTORY_NAME = "vx_history_2006_2025.csv"  # the bundled daily history (scripts/build_history.py)


def bundled(name: str) -> Path:
    # In a wheel, hatch force-includes the top-level folders into the package;
    # in a checkout (or an editable install) they sit beside the package. (The package's
    # folder from __file__, not importlib.resources: that costs 3 ms of start-up to import,
    # and a wheel installs as files.)
    package = Path(__file__).resolve().parent.parent
    inside = package / name
    if inside.is_dir():
        return inside
    return package.parent / name


def sample_data_dir() -> Path:
    return bundled("sample_data")


def config_dir() -> Path:
    """The user's config folder (settings, themes, their own event file):
    ``$ALVH_TUI_CONFIG_DIR`` if set, else platformdirs' user config dir."""
    override = os.environ.get(CONFIG_ENV)
    return Path(override) if override else _platform_config_dir()


@lru_cache(maxsize=1)
def _platform_config_dir() -> Path:
    # Looked up once: the event calendar asks on every reprice.
    from platformdirs import user_config_path

    return user_config_path(APP_NAME)


def default_history_path() -> Path:
    return sample_data_dir() / DEFAULT_HISTORY_NAME


def cache_dir() -> Path:
    """Where derived data is kept between runs (the entry signals read off the history):
    ``$ALVH_TUI_CACHE_DIR`` if set, else platformdirs' user cache dir. Deleting it is safe."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME)
