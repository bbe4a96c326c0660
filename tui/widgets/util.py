"""Small helpers shared by the panes."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


def _key(value) -> object:
    if isinstance(value, Text):
        return (value.plain, tuple((s.start, s.end, str(s.style)) for s in value.spans), str(value.style))
    return value


def set_border_title(widget: Widget, title) -> None:
    """Set the border title only when it changes: each assignment repaints the whole pane
    (its border region covers the children), which would cost a frame and bytes over SSH."""
    cache = widget.__dict__.setdefault("_alvh_titles", {})
    key = _key(title)
    if cache.get("title", object()) != key:
        cache["title"] = key
        widget.border_title = title


def set_border_subtitle(widget: Widget, subtitle) -> None:
    cache = widget.__dict__.setdefault("_alvh_titles", {})
    key = _key(subtitle)
    if cache.get("subtitle", object()) != key:
        cache["subtitle"] = key
        widget.border_subtitle = subtitle
