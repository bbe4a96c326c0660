"""Where the bundled sample data lives, installed or in a checkout (core's own helper:
the core never imports the UI side; the resources module builds on this)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def bundled(name: str) -> Path:
    # In a wheel, hatch force-includes the top-level folders into the package;
    # in a checkout (or an editable install) they sit beside the package.
    inside = Path(str(files("tui"))) / name
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parent.parent.parent / name


def sample_data_dir() -> Path:
    return bundled("sample_data")
