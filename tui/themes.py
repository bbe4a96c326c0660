"""Themes from TOML files, and the small settings file that remembers the user's choice.

A theme file holds the arguments of ``textual.theme.Theme`` (name, primary, ..., dark,
[variables]). Files are read from the bundled ``themes/`` folder and then from the
user's ``<config dir>/themes/`` (a user theme of the same name wins). Each theme is
validated with ``to_color_system()``, because ``Theme()`` accepts any string as a
colour and would only fail when applied. Bad files are collected, not raised.

The config dir is ``$ALVH_TUI_CONFIG_DIR`` if set, else platformdirs' user config dir.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.theme import Theme

from .core.paths import config_dir
from .core.plan_reader import deep_key_line
from .core.safe_files import read_regular, write_atomic
from .resources import themes_dir

SETTINGS_FILE = "settings.toml"
DEFAULT_THEME = "alvh-dark"
MAX_THEME_BYTES = 256_000  # a theme or the settings file is a few hundred bytes


@dataclass
class ThemeLoad:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load_theme_file(path: Path) -> Theme:
    """One theme from a TOML file; ValueError with a readable reason otherwise."""
    try:
        table = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot be read: {error}") from None
    if "name" not in table or not isinstance(table["name"], str) or not table["name"].strip():
        raise ValueError("needs a name = \"...\"")
    if "primary" not in table:
        raise ValueError("needs a primary colour")
    try:
        theme = Theme(**table)
    except TypeError as error:
        raise ValueError(str(error).replace("Theme.__init__() got an ", "")) from None
    try:
        theme.to_color_system()
    except Exception as error:  # ColorParseError, or a bad type in the table
        raise ValueError(str(error)) from None
    return theme


def load_themes(folders: list[Path] | None = None) -> ThemeLoad:
    if folders is None:
        folders = [themes_dir(), config_dir() / "themes"]
    result = ThemeLoad()
    by_name: dict[str, Theme] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ValueError as error:
                result.problems.append(f"{path.name}: {error}")
                continue
            by_name[theme.name] = theme
    result.themes = list(by_name.values())
    return result


def _read_text(path: Path) -> str:
    """A small TOML file's text: a regular file of at most MAX_THEME_BYTES (OSError else)."""
    raw, _ = read_regular(path, MAX_THEME_BYTES)
    text = raw.decode("utf-8")
    line = deep_key_line(text)
    if line is not None:  # tomllib would take minutes over it
        raise tomllib.TOMLDecodeError(f"a key on line {line} has too many dotted parts")
    return text


def read_settings(folder: Path | None = None) -> dict:
    path = (folder or config_dir()) / SETTINGS_FILE
    try:
        data = tomllib.loads(_read_text(path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_settings(settings: dict, folder: Path | None = None) -> Path:
    """Write atomically and durably (``safe_files.write_atomic``)."""
    import tomli_w

    folder = folder or config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SETTINGS_FILE
    write_atomic(path, tomli_w.dumps(settings).encode("utf-8"))
    return path
