"""Shared pytest fixtures.

``shared_data``: the folder of real public market data (see its SOURCES.md). It sits
beside the repository as ``<repo root>/../shared/data``; set ``ALVH_SHARED_DATA`` to point
elsewhere. Tests that use it are skipped cleanly when the folder is absent, so the suite
runs anywhere (the data are never copied into the repository).
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
