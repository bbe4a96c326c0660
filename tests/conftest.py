"""Shared pytest fixtures.

``shared_data``: the folder of real public market data (see its SOURCES.md). It sits
beside the repository as ``<repo root>/../shared/data``; set ``ALVH_SHARED_DATA`` to point
elsewhere. Tests that use it are skipped cleanly when the folder is absent, so the suite
runs anywhere (the data are never copied into the repository).

Every app under test gets its own config and state folders (never the user's).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    override = os.environ.get("ALVH_SHARED_DATA")
    if override:
        return Path(override).expanduser()
    return REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared market data not found at {path} (set ALVH_SHARED_DATA)")
    return path


@pytest.fixture(autouse=True)
def isolated_config(tmp_path_factory, monkeypatch) -> Path:
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("ALVH_TUI_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own cache folder (the entry signals), never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("ALVH_TUI_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def isolated_state(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own state folder (recovery journals), never the user's."""
    folder = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("ALVH_TUI_STATE_DIR", str(folder))
    return folder


@pytest.fixture
def make_app(isolated_config):
    """make_app(path=None, **kwargs) with the isolated config folder."""
    from tui.app import make_app as factory

    def build(path: Path | None = None, **kwargs):
        kwargs.setdefault("config_folder", isolated_config)
        return factory(path, **kwargs)

    return build


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: two workers per core (at most 8). Most of the suite's wall time is waiting,
    not computing: Pilot waits for the app to go idle after every key (at least 40 ms), the
    tmux and ssh tests poll a real terminal. Measured on two shared cores: 202 s with two
    workers, 141 s with four. PYTEST_XDIST_AUTO_NUM_WORKERS still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(2 * cores, 8)


def pytest_configure(config):
    # Headless runs must not depend on the developer's terminal colour settings.
    os.environ.pop("TEXTUAL_COLOR_SYSTEM", None)


# A test module that drives the app (Pilot, snapshots, a real terminal) is an `app` module;
# every other one is `core`. `pytest -m "core and not slow"` is the seconds-long loop for core work. Read
# from the module's text so a new test file is classified without being listed anywhere.
_APP_MARKS = ("run_test(", "snap_compare", "tmux")
_module_kind: dict[str, str] = {}


def _kind_of(path: Path) -> str:
    key = str(path)
    if key not in _module_kind:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = ""
        _module_kind[key] = "app" if any(mark in text for mark in _APP_MARKS) else "core"
    return _module_kind[key]


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(getattr(pytest.mark, _kind_of(Path(str(item.fspath)))))
        # A hypothesis property runs tens to hundreds of examples: `slow`, with the tests
        # marked by hand that start a Python process. `-m "core and not slow"` leaves them out.
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.slow)
    if hasattr(config, "workerinput"):
        # Under pytest-xdist, hand out the long tests first and the many short ones last, so
        # the workers finish together: the real-terminal tests (tmux, ssh: seconds of waiting
        # each), then the Pilot tests, then the core's slow tests, then the rest. A stable
        # sort: every worker computes the same order, as xdist requires.
        items.sort(key=_longest_first)


def _longest_first(item) -> int:
    path = Path(str(item.fspath))
    if _kind_of(path) == "app":
        return 0 if "tmux" in path.name or "ssh" in path.name else 1
    return 2 if item.get_closest_marker("slow") else 3


@pytest.fixture(scope="session")
def default_plan():
    """The bundled sample plan, loaded once (plans are immutable)."""
    from tui.core.plan_io import load_plan
    from tui.resources import default_plan_path

    return load_plan(default_plan_path())


@pytest.fixture
def sample(default_plan):
    """The sample plan, under the name the journal and session tests use."""
    return default_plan


@pytest.fixture
def saved(tmp_path, default_plan) -> Path:
    """The sample plan saved at tmp_path/hedge.toml: a plan file to open."""
    from tui.core.plan_save import save_plan

    path = tmp_path / "hedge.toml"
    save_plan(default_plan, path)
    return path
