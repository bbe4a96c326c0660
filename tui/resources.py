"""Where the bundled sample data and themes live, installed or in a checkout."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _bundled(name: str) -> Path:
    # In a wheel, hatch force-includes the top-level folders into the package;
    # in a checkout (or an editable install) they sit beside the package.
    inside = Path(str(files("tui"))) / name
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parent.parent / name


def sample_data_dir() -> Path:
    return _bundled("sample_data")


def themes_dir() -> Path:
    return _bundled("themes")


def default_plan_path() -> Path:
    return sample_data_dir() / "default_plan.toml"
