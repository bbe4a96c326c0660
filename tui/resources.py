"""Where the bundled sample data and themes live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

from .core.paths import bundled, sample_data_dir

__all__ = ["default_plan_path", "sample_data_dir", "themes_dir"]


def themes_dir() -> Path:
    return bundled("themes")


def default_plan_path() -> Path:
    return sample_data_dir() / "default_plan.toml"
