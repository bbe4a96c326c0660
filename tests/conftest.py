"""Shared fixtures: every app under test gets its own config folder (never the user's)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_config(tmp_path_factory, monkeypatch) -> Path:
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("ALVH_TUI_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def make_app(isolated_config):
    """make_app(path=None, **kwargs) with the isolated config folder."""
    from tui.app import make_app as factory

    def build(path: Path | None = None, **kwargs):
        kwargs.setdefault("config_folder", isolated_config)
        return factory(path, **kwargs)

    return build


def pytest_configure(config):
    # Headless runs must not depend on the developer's terminal colour settings.
    os.environ.pop("TEXTUAL_COLOR_SYSTEM", None)
