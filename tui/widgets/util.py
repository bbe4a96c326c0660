"""Small helpers shared by the panes."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ..core.safe_text import printable

MAX_SHOWN = 2000  # characters of one user-supplied message (a path is at most 4096 bytes)


def plain(text: str | Text, style: str = "") -> Text:
    """Text from the user (names, paths, typed values, journal fields) for a widget: never
    read as markup (``[/]`` must not crash, ``[@click=…]`` must not act) and without raw
    control characters (an ESC in a file name must not reach the terminal): the CLI's
    escaping, ``printable``."""
    if isinstance(text, Text):
        return text
    lines = text[:MAX_SHOWN].split("\n")  # line breaks are layout, not control characters here
    return Text("\n".join(printable(line, MAX_SHOWN) for line in lines), style=style)


def _key(value) -> object:
    if isinstance(value, Text):
        return (value.plain, tuple((s.start, s.end, str(s.style)) for s in value.spans), str(value.style))
    return value


def set_border_title(widget: Widget, title) -> None:
    """Set the border title only when it changes: each assignment repaints the whole pane
    (its border region covers the children), which would cost a frame and bytes over SSH."""
    cache = widget.__dict__.setdefault("_alvh_titles", {})
    title = plain(title) if isinstance(title, str) else title  # titles carry plan and file names
    key = _key(title)
    if cache.get("title", object()) != key:
        cache["title"] = key
        widget.border_title = title


def set_border_subtitle(widget: Widget, subtitle) -> None:
    cache = widget.__dict__.setdefault("_alvh_titles", {})
    subtitle = plain(subtitle) if isinstance(subtitle, str) else subtitle  # messages carry typed values
    key = _key(subtitle)
    if cache.get("subtitle", object()) != key:
        cache["subtitle"] = key
        widget.border_subtitle = subtitle
