"""Small helpers shared by the panes."""

from __future__ import annotations

from pathlib import Path

from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from ..core.safe_text import printable, unsafe_char

MAX_SHOWN = 2000  # characters of one user-supplied message (a path is at most 4096 bytes)


def plain(text: str | Text, style: str = "") -> Text:
    """Text from the user (names, paths, typed values, journal fields) for a widget: never
    read as markup (``[/]`` must not crash, ``[@click=…]`` must not act) and without raw
    control characters (an ESC in a file name must not reach the terminal): the CLI's
    escaping, ``printable``."""
    if isinstance(text, Text):
        return text
    return Text(printable_lines(text[:MAX_SHOWN]), style=style)


def printable_lines(text: str, limit: int = MAX_SHOWN) -> str:
    """``printable`` line by line: line breaks are layout, not control characters here."""
    return "\n".join(printable(line, limit) for line in text.split("\n"))


def typable(path: Path | None) -> str | None:
    """``path`` as a prompt's starting text, or None when there is none or it holds control
    characters (shown raw in the input line, they would reach the terminal)."""
    if path is None:
        return None  # an untitled plan: not the text "None"
    text = str(path)
    return None if any(map(unsafe_char, text)) else text


def _key(value) -> object:
    if isinstance(value, Text):
        return (value.plain, tuple((s.start, s.end, str(s.style)) for s in value.spans), str(value.style))
    return value


def set_border_title(widget: Widget, title) -> None:
    """Set the border title, only when it changes and repainting only its border line (see
    _set_border): a message or title changes on most keys, and each byte crosses SSH."""
    _set_border(widget, "border_title", title)  # titles carry plan and file names


def set_border_subtitle(widget: Widget, subtitle) -> None:
    _set_border(widget, "border_subtitle", subtitle)  # messages carry typed values


def _set_border(widget: Widget, slot: str, value: str | Text) -> None:
    cache = widget.__dict__.setdefault("_alvh_titles", {})
    key = _key(value)  # compared before any Text is made: this runs on every keystroke
    if cache.get(slot, object()) == key:
        return
    cache[slot] = key
    width, height = widget.outer_size
    if not widget.is_mounted or height < 2:
        setattr(widget, slot, plain(value))
        return
    # Textual's border_title setter repaints the whole pane (every line of a container,
    # and on a keystroke that also changes the panes below, the whole screen's worth of
    # lines); only the border line that carries the text has changed. Store it as the
    # setter does (textual 8.2.8's private attribute) and repaint that line.
    content = Content.from_rich_text(plain(value))  # (literal text, never markup: see plain)
    setattr(widget, f"_{slot}", content.expand_tabs(4).split()[0])
    x, y = widget.content_offset  # (refresh takes regions of the content: the border is above and left of it)
    widget.refresh(Region(-x, (0 if slot == "border_title" else height - 1) - y, width, 1))


class HangingLines:
    """A Rich renderable of Text lines where each line wraps under its own first character:
    an indented line's continuation keeps the indent instead of starting at column 0."""

    LABELS = ("warning: ",)  # a labelled line hangs under the text after its label

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console, options):
        for line in self.text.split("\n", allow_blank=True):
            label = next((lab for lab in self.LABELS if line.plain.startswith(lab)), "")
            hang = len(label) or len(line.plain) - len(line.plain.lstrip(" "))
            if 0 < hang < options.max_width // 2:
                row = Table.grid(expand=True)
                row.add_column(width=hang, no_wrap=True)
                row.add_column(ratio=1)
                row.add_row(line[:hang], line[hang:])
                yield row
            else:
                yield line

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement.get(console, options, self.text)


class IndentedStatic(Static):
    """A Static whose ``text`` (Rich Text) is shown with hanging indents (see HangingLines)."""

    def __init__(self, text: Text | str = "", **kwargs) -> None:
        self.text = plain(text) if isinstance(text, str) else text
        super().__init__(HangingLines(self.text), **kwargs)

    def show_text(self, text: Text | str) -> None:
        self.text = plain(text) if isinstance(text, str) else text
        self.update(HangingLines(self.text))
