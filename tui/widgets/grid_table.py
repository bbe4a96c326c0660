"""A small, fast table with a cell or row cursor, drawn straight to Strips.

Why not DataTable: it renders every cell through Rich on each update (an update to one
cell invalidates the whole table's cache), which cost ~25 ms per keystroke for the two
tables here, more than a frame. This table formats cells as plain strings, repaints
only the lines that changed (fewer bytes over SSH), and keeps the cursor column in
view by scrolling whole columns. Keys: arrows, home/end, page up/down; enter selects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget


@dataclass(frozen=True)
class GridColumn:
    key: str
    label: str
    width: int
    right: bool = True


@dataclass(frozen=True)
class GridRow:
    key: str
    cells: tuple[str, ...]
    style: str = ""  # a component class suffix: "total", "active", "" (plain)


def fit(text: str, width: int, right: bool) -> str:
    """``text`` in exactly ``width`` terminal cells (a wide CJK character takes two)."""
    n = cell_len(text)
    if n > width:
        return set_cell_size(text, width - 1) + "…" if width > 0 else ""
    pad = " " * (width - n)
    return pad + text if right else text + pad


class GridTable(Widget, can_focus=True):
    DEFAULT_CSS = """
    GridTable {
        height: auto;
        width: 1fr;
    }
    GridTable > .grid-table--header { text-style: bold; color: $text-muted; }
    GridTable > .grid-table--total { text-style: bold; }
    GridTable > .grid-table--active { text-style: bold; color: $accent; }
    GridTable > .grid-table--cursor {
        background: $block-cursor-blurred-background;
        color: $block-cursor-blurred-foreground;
    }
    GridTable:focus > .grid-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    COMPONENT_CLASSES = {"grid-table--header", "grid-table--total", "grid-table--active", "grid-table--cursor"}

    BINDINGS = [
        Binding("up", "move(-1, 0)", "Up", show=False),
        Binding("down", "move(1, 0)", "Down", show=False),
        Binding("left", "move(0, -1)", "Left", show=False),
        Binding("right", "move(0, 1)", "Right", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    class _CellMessage(Message):
        def __init__(self, table: "GridTable", row: int, column: str) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.column = column

        @property
        def control(self) -> "GridTable":
            return self.table

    class Selected(_CellMessage):
        """Enter (or a click on the cursor cell) on a row/cell."""

    class Moved(_CellMessage):
        """The cursor moved to a row/cell."""

    cursor = reactive((0, 0), init=False, repaint=False)

    def __init__(self, *, cursor_type: str = "cell", padding: int = 1, frozen: int = 0, name=None, id=None, classes=None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cursor_type = cursor_type  # "cell" | "row" | "none"
        self.padding = padding
        self.frozen = frozen  # leading columns that never scroll away (the row's name)
        self.columns: list[GridColumn] = []
        self.rows: list[GridRow] = []
        self._col_offset = 0
        self._row_offset = 0
        self._strips: dict[int, Strip] = {}
        self._style_cache: dict[str, Style] | None = None
        if cursor_type == "none":
            self.can_focus = False

    # -- data -------------------------------------------------------------------
    def set_columns(self, columns: Sequence[GridColumn]) -> None:
        self.columns = list(columns)
        self._col_offset = 0
        self._invalidate()
        self.refresh(layout=True)

    def set_rows(self, rows: Sequence[GridRow]) -> None:
        """Replace the rows; repaint only the lines whose content changed."""
        rows = list(rows)
        old = self.rows
        self.rows = rows
        row, col = self.cursor
        if rows and row >= len(rows):
            self.cursor = (len(rows) - 1, col)
        if len(rows) != len(old):
            self._invalidate()
            self.refresh(layout=True)
            return
        changed = [i for i, (a, b) in enumerate(zip(old, rows, strict=True)) if a != b]
        if changed:
            self._refresh_rows(changed)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def cursor_row(self) -> int:
        return self.cursor[0]

    @property
    def cursor_column(self) -> int:
        return self.cursor[1]

    @property
    def cursor_key(self) -> str:
        return self.columns[self.cursor[1]].key if self.columns else ""

    def cell(self, row: int, key: str) -> str:
        index = next(i for i, c in enumerate(self.columns) if c.key == key)
        return self.rows[row].cells[index]

    def row_cells(self, row: int) -> dict[str, str]:
        return {c.key: v for c, v in zip(self.columns, self.rows[row].cells, strict=False)}

    def move_cursor(self, row: int | None = None, column: int | None = None) -> None:
        r, c = self.cursor
        r = r if row is None else row
        c = c if column is None else column
        r = max(0, min(r, len(self.rows) - 1))
        c = max(0, min(c, len(self.columns) - 1)) if self.cursor_type == "cell" else 0
        if (r, c) != self.cursor:
            self.cursor = (r, c)

    # -- cursor ----------------------------------------------------------------------
    def watch_cursor(self, old: tuple[int, int], new: tuple[int, int]) -> None:
        self._scroll_into_view()
        self._refresh_row(old[0])
        self._refresh_row(new[0])
        if self.columns and self.rows:
            self.post_message(self.Moved(self, new[0], self.columns[new[1]].key))

    def _visible_rows(self) -> int:
        return max(self.size.height - 1, 1)

    def _scroll_into_view(self) -> None:
        row, col = self.cursor
        changed = False
        rows_visible = self._visible_rows()
        if row < self._row_offset:
            self._row_offset, changed = row, True
        elif row >= self._row_offset + rows_visible:
            self._row_offset, changed = row - rows_visible + 1, True
        if self.cursor_type == "cell" and self.columns and col >= self.frozen:
            fixed = self._span(0, self.frozen - 1)
            start = max(self._col_offset, self.frozen)
            if col < start:
                start = col
            while start < col and fixed + self._span(start, col) > self.size.width:
                start += 1
            if start != max(self._col_offset, self.frozen):
                self._col_offset, changed = start, True
        if changed:
            self._invalidate()
            self.refresh()

    def _span(self, first: int, last: int) -> int:
        return sum(c.width + 2 * self.padding for c in self.columns[first : last + 1])

    def reset_scroll(self) -> None:
        """Back to the first row and column (another plan: the old position means nothing)."""
        self._col_offset = self._row_offset = 0
        self.move_cursor(0, 0)
        self._invalidate()
        self.refresh()

    def _drawn(self) -> list[int]:
        """The column indexes drawn, left to right: the frozen ones, then from the offset."""
        return list(range(min(self.frozen, len(self.columns)))) + list(range(max(self._col_offset, self.frozen), len(self.columns)))

    @property
    def hidden_left(self) -> bool:
        return self._col_offset > self.frozen

    def hidden_right(self) -> bool:
        return self._span(0, self.frozen - 1) + self._span(max(self._col_offset, self.frozen), len(self.columns) - 1) > self.size.width

    def action_move(self, rows: int, cols: int) -> None:
        self.move_cursor(self.cursor[0] + rows, self.cursor[1] + cols)

    def action_edge(self, direction: int) -> None:
        if self.cursor_type == "cell":
            self.move_cursor(column=0 if direction < 0 else len(self.columns) - 1)
        else:
            self.move_cursor(row=0 if direction < 0 else len(self.rows) - 1)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor[0] + direction * self._visible_rows())

    def action_select(self) -> None:
        if self.rows and self.columns:
            self.post_message(self.Selected(self, self.cursor[0], self.cursor_key))

    def on_click(self, event: events.Click) -> None:
        if event.y < 1 or not self.rows:
            return
        row = self._row_offset + event.y - 1
        if row >= len(self.rows):
            return
        col = self.cursor[1]
        if self.cursor_type == "cell":
            x = 0
            for i in self._drawn():
                x += self.columns[i].width + 2 * self.padding
                if event.x < x:
                    col = i
                    break
        if (row, col) == self.cursor:
            self.action_select()
        else:
            self.move_cursor(row, col)

    # -- layout and rendering ------------------------------------------------------------
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + len(self.rows)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._span(0, len(self.columns) - 1)

    def on_resize(self) -> None:
        self._invalidate()
        self._scroll_into_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache = None
        self._invalidate()

    def on_focus(self) -> None:
        self._style_cache = None  # the cursor colour depends on focus
        self._refresh_row(self.cursor[0])

    def on_blur(self) -> None:
        self._style_cache = None
        self._refresh_row(self.cursor[0])

    def _invalidate(self) -> None:
        self._strips.clear()

    def _refresh_rows(self, rows: list[int]) -> None:
        """Repaint these rows in one refresh (the widget's size is looked up once: it costs
        ~0.1 ms a time, which adds up over a 20-row scenario table on every keystroke)."""
        width, height = self.size
        regions = []
        for row in rows:
            y = row - self._row_offset + 1
            self._strips.pop(y, None)
            if 1 <= y < height:
                regions.append(Region(0, y, width, 1))
        if regions:
            self.refresh(*regions)

    def _refresh_row(self, row: int) -> None:
        y = row - self._row_offset + 1
        self._strips.pop(y, None)
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _styles(self) -> dict[str, Style]:
        if self._style_cache is None:
            self._style_cache = self._compute_styles()
        return self._style_cache

    def _compute_styles(self) -> dict[str, Style]:
        base = self.rich_style
        out = {"": base}
        for name in ("header", "total", "active", "cursor"):
            out[name] = base + self.get_component_rich_style(f"grid-table--{name}", partial=True)
        out["total-cursor"] = out["total"] + self.get_component_rich_style("grid-table--cursor", partial=True)
        out["active-cursor"] = out["active"] + self.get_component_rich_style("grid-table--cursor", partial=True)
        return out

    def render_line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            strip = self._render_row(y)
            self._strips[y] = strip
        return strip

    def _render_row(self, y: int) -> Strip:  # (not _render: Widget._render is Textual's)
        width = self.size.width
        styles = self._styles()
        pad = " " * self.padding
        segments: list[Segment] = []
        used = 0
        drawn = self._drawn()
        if y == 0:
            for i in drawn:
                col = self.columns[i]
                # ◀ in the first scrolled column's padding: columns are hidden to the left
                left = "◀" + pad[1:] if pad and i == max(self._col_offset, self.frozen) and self.hidden_left else pad
                segments.append(Segment(left + fit(col.label, col.width, col.right) + pad, styles["header"]))
                used += col.width + 2 * self.padding
                if used >= width:
                    break
            if self.hidden_right():  # ▶ at the right edge: more columns that way
                return Strip.join([Strip(segments, used).crop_extend(0, width - 1, styles[""]), Strip([Segment("▶", styles["header"])], 1)])
        else:
            index = self._row_offset + y - 1
            if index >= len(self.rows):
                return Strip.blank(width, styles[""])
            row = self.rows[index]
            row_style = row.style if row.style in ("total", "active") else ""
            is_cursor_row = index == self.cursor[0] and self.cursor_type != "none"
            # Neighbouring cells of one style make one segment (most rows are a single
            # one): fewer segments for the compositor to cut on every repainted line.
            run: list[str] = []
            run_style: Style | None = None
            for i in drawn:
                col = self.columns[i]
                text = pad + fit(row.cells[i] if i < len(row.cells) else "", col.width, col.right) + pad
                on_cursor = is_cursor_row and (self.cursor_type == "row" or i == self.cursor[1])
                style = styles[(row_style + "-cursor") if row_style and on_cursor else ("cursor" if on_cursor else row_style)]
                if style is not run_style and run:
                    segments.append(Segment("".join(run), run_style))
                    run = []
                run.append(text)
                run_style = style
                used += col.width + 2 * self.padding
                if used >= width:
                    break
            if run:
                segments.append(Segment("".join(run), run_style))
        strip = Strip(segments, used)
        return strip.crop_extend(0, width, styles[""])
