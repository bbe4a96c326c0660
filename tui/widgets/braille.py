"""A small braille line-chart renderer: numpy raster -> Textual Strips.

Why hand-rolled rather than textual-plot: a redraw here costs ~1-3 ms and sends 4-14 KiB
(textual-plot: 15-19 ms, 10-26 KiB), which keeps a keystroke-to-repaint inside one frame
and stays light over SSH. `python benchmarks/bench_app.py` measures both side by side
(textual-plot when it is installed).

Each terminal cell holds a 2x4 braille dot matrix, so a W x H plot area is a
2W x 4H pixel canvas. Lines are told apart without colour by their dot pattern
(solid, dashed, dotted) and by a one-letter label at their right end; vertical
markers are box-drawing rules (solid or dashed) with a text label on a lane above
the plot. Colours come from the widget's component classes (so from the theme).
Empty cells are spaces, never U+2800, which some fonts draw as dots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Callable, Sequence

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

# Braille dot bit for (row 0..3, col 0..1) inside a cell.
# (a tuple, made an array where used: numpy loads after the first frame, see tui.lazy_numpy)
_DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BRAILLE_BASE = 0x2800
_SPACE = 0x20

PATTERNS = ("solid", "dashed", "dotted")


@dataclass(frozen=True)
class Series:
    """One line: ``x`` ascending; ``style`` is a component class name of the chart."""

    x: np.ndarray
    y: np.ndarray
    style: str
    pattern: str = "solid"
    label: str = ""  # one or two characters drawn at the right end of the line


@dataclass(frozen=True)
class VLine:
    """A vertical marker at data ``x``; ``label`` goes on the lane above the plot."""

    x: float
    style: str
    dashed: bool = False
    label: str = ""
    # A tick (its label's first letter) on the plot's bottom row instead of a full-height
    # line: for many small markers (macro events) that must not hide the series.
    full: bool = True


def nice_ticks(lo: float, hi: float, target: int) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 x 10^k) covering [lo, hi], about ``target`` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or target < 1:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    steps = [m * mag for m in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0)]
    # The smallest round step at least `raw`, but never so coarse that fewer than two ticks fit.
    fitting = [st for st in steps if math.floor(hi / st + 1e-9) - math.ceil(lo / st - 1e-9) >= 1]
    candidates = [st for st in fitting if st >= raw]
    step = candidates[0] if candidates else fitting[-1] if fitting else raw
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + 1e-9 * step:
        ticks.append(0.0 if abs(v) < step * 1e-9 else round(v, 10))
        v += step
    return ticks


def padded_range(values: Sequence[np.ndarray], include_zero: bool = False, pad: float = 0.06) -> tuple[float, float]:
    finite = [np.asarray(v, dtype=float)[np.isfinite(v)] for v in values]
    finite = [f for f in finite if f.size]
    if not finite:
        return (0.0, 1.0)
    lo = min(float(f.min()) for f in finite)
    hi = max(float(f.max()) for f in finite)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-12:
        span = abs(hi) * 0.1 or 1.0
        return (lo - span, hi + span)
    span = hi - lo
    return (lo - span * pad, hi + span * pad)


def raster_line(
    x: np.ndarray,
    y: np.ndarray,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    px_w: int,
    px_h: int,
    pattern: str = "solid",
) -> np.ndarray:
    """A boolean (px_h, px_w) canvas with the polyline through (x, y), row 0 at the top."""
    if px_w < 1 or px_h < 1 or len(x) < 1:
        return np.zeros((max(px_h, 0), max(px_w, 0)), dtype=bool)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x0, x1 = x_range
    y0, y1 = y_range
    centres = x0 + (np.arange(px_w) + 0.5) / px_w * (x1 - x0)
    inside = (centres >= x[0]) & (centres <= x[-1])
    if len(x) == 1:
        inside = np.abs(centres - x[0]) <= (x1 - x0) / px_w
    ys = np.interp(centres, x, y)
    rows = np.floor((y1 - ys) / (y1 - y0) * px_h)
    ok = inside & np.isfinite(rows)
    r = np.clip(np.where(ok, rows, 0), -1, px_h).astype(np.int64)
    lo = r.copy()
    hi = r.copy()
    # Join neighbouring columns so steep parts stay connected: each column reaches
    # half-way towards its neighbour's row.
    pair = ok[1:] & ok[:-1]
    a, b = r[:-1], r[1:]
    mid = (a + b) // 2
    down = pair & (a < b)  # the line goes down the screen
    up = pair & (a > b)
    lo_left = np.where(up, np.minimum(mid + 1, a), a)
    hi_left = np.where(down, mid, a)
    lo_right = np.where(down, np.minimum(mid + 1, b), b)
    hi_right = np.where(up, np.maximum(mid, b), b)
    lo[:-1] = np.minimum(lo[:-1], lo_left)
    hi[:-1] = np.maximum(hi[:-1], hi_left)
    lo[1:] = np.minimum(lo[1:], lo_right)
    hi[1:] = np.maximum(hi[1:], hi_right)
    ar = np.arange(px_h)[:, None]
    canvas = (ar >= lo[None, :]) & (ar <= hi[None, :]) & ok[None, :]
    if pattern == "dashed":
        keep = (np.arange(px_w) // 3) % 2 == 0
        canvas &= keep[None, :]
    elif pattern == "dotted":
        keep = np.arange(px_w) % 3 == 0
        canvas &= keep[None, :]
    return canvas


def braille_cells(canvas: np.ndarray) -> np.ndarray:
    """(4H, 2W) booleans -> (H, W) braille dot codes 0..255."""
    h4, w2 = canvas.shape
    cells = canvas.reshape(h4 // 4, 4, w2 // 2, 2)
    return np.einsum("rjck,jk->rc", cells.astype(np.int32), np.array(_DOT_BITS, dtype=np.int32))


@dataclass
class Frame:
    """The chart laid out as code points and style indices, one per cell."""

    chars: np.ndarray  # (H, W) int32 code points
    styles: np.ndarray  # (H, W) int16 indices into style_names
    style_names: list[str] = field(default_factory=list)

    def style_id(self, name: str) -> int:
        if name not in self.style_names:
            self.style_names.append(name)
        return self.style_names.index(name)

    def put(self, row: int, col: int, text: str, style: str) -> None:
        h, w = self.chars.shape
        if not 0 <= row < h:
            return
        sid = self.style_id(style)
        for i, ch in enumerate(text):
            c = col + i
            if 0 <= c < w:
                self.chars[row, c] = ord(ch)
                self.styles[row, c] = sid

    def text_rows(self) -> list[str]:
        return [self.chars[r].astype("<u4").tobytes().decode("utf-32-le") for r in range(self.chars.shape[0])]


def layout_chart(
    width: int,
    height: int,
    series: Sequence[Series],
    vlines: Sequence[VLine] = (),
    *,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    zero_line: bool = True,
    x_format: Callable[[float], str] = lambda v: f"{v:g}",
    y_format: Callable[[float], str] = lambda v: f"{v:g}",
    label_lane: bool = True,
) -> Frame:
    """Lay out a whole chart (y labels, plot, marker lane, x labels) in a ``width`` x ``height`` grid.

    Pure (no Textual): the widget turns the frame into Strips; tests read ``text_rows()``.
    """
    chars = np.full((max(height, 0), max(width, 0)), _SPACE, dtype=np.int32)
    frame = Frame(chars, np.zeros_like(chars, dtype=np.int16), ["base"])
    if width < 8 or height < 3 or not series:
        return frame
    if x_range is None:
        x_range = (min(float(np.min(s.x)) for s in series), max(float(np.max(s.x)) for s in series))
    if x_range[1] - x_range[0] < 1e-12:
        x_range = (x_range[0] - 1.0, x_range[1] + 1.0)
    if y_range is None:
        y_range = padded_range([s.y for s in series], include_zero=zero_line)
    lane = 1 if (label_lane and any(v.label and v.full for v in vlines) and height >= 6) else 0
    plot_rows = height - 1 - lane
    y_ticks = nice_ticks(y_range[0], y_range[1], max(2, plot_rows // 2))
    y_labels = [y_format(v) for v in y_ticks]
    gutter = max((len(s) for s in y_labels), default=1) + 1
    right = 2 if any(s.label for s in series) else 0
    plot_cols = width - gutter - right
    if plot_cols < 4 or plot_rows < 2:
        return frame
    top = lane
    px_w, px_h = plot_cols * 2, plot_rows * 4

    def col_of(x: float) -> int:
        return int(math.floor((x - x_range[0]) / (x_range[1] - x_range[0]) * plot_cols))

    def row_of(y: float) -> int:
        return int(math.floor((y_range[1] - y) / (y_range[1] - y_range[0]) * plot_rows))

    # Zero line and vertical markers first: braille drawn later wins the cell.
    if zero_line and y_range[0] < 0.0 < y_range[1]:
        zr = row_of(0.0)
        if 0 <= zr < plot_rows:
            frame.put(top + zr, gutter, "─" * plot_cols, "zero")
    for v in vlines:
        c = col_of(v.x)
        if 0 <= c < plot_cols and not v.full:
            frame.put(top + plot_rows - 1, gutter + c, (v.label or "•")[0], v.style)
        elif 0 <= c < plot_cols:
            for r in range(plot_rows):
                frame.put(top + r, gutter + c, "┆" if v.dashed else "│", v.style)
    # Series: the first one listed has the highest priority for a shared cell's colour.
    owner = np.full((plot_rows, plot_cols), -1, dtype=np.int32)
    dots = np.zeros((plot_rows, plot_cols), dtype=np.int32)
    ends: list[tuple[int, str, str]] = []
    for index in range(len(series) - 1, -1, -1):
        s = series[index]
        canvas = raster_line(s.x, s.y, x_range, y_range, px_w, px_h, s.pattern)
        codes = braille_cells(canvas)
        dots |= codes
        owner = np.where(codes > 0, index, owner)
        if s.label:
            last = float(np.interp(min(float(s.x[-1]), x_range[1]), s.x, s.y))
            ends.append((row_of(last), s.label, s.style))
    ids = np.array([frame.style_id(s.style) for s in series], dtype=np.int16)
    area = (slice(top, top + plot_rows), slice(gutter, gutter + plot_cols))
    drawn = dots > 0
    frame.chars[area] = np.where(drawn, _BRAILLE_BASE + dots, frame.chars[area])
    frame.styles[area] = np.where(drawn, ids[np.maximum(owner, 0)], frame.styles[area])
    # End-of-line labels in the right margin, nudged apart when they collide.
    used: set[int] = set()
    for row, label, style in sorted(ends):
        row = min(max(row, 0), plot_rows - 1)
        while row in used and row < plot_rows - 1:
            row += 1
        while row in used and row > 0:
            row -= 1
        used.add(row)
        frame.put(top + row, gutter + plot_cols + 1, label[:right - 1], style)
    # Y tick labels in the gutter.
    for value, text in zip(y_ticks, y_labels, strict=True):
        r = row_of(value)
        if 0 <= r < plot_rows:
            frame.put(top + r, gutter - 1 - len(text), text, "axis")
    # X tick labels on the bottom row, skipping any that would overlap.
    x_ticks = nice_ticks(x_range[0], x_range[1], max(2, plot_cols // 7))
    free_from = 0
    for value in x_ticks:
        text = x_format(value)
        c = gutter + col_of(value) - len(text) // 2
        c = min(max(c, gutter), width - len(text))
        if c >= free_from:
            frame.put(height - 1, c, text, "axis")
            free_from = c + len(text) + 1
    # Marker labels on the lane above the plot.
    if lane:
        free_from = 0
        for v in sorted(vlines, key=lambda v: v.x):
            if not v.label or not v.full:
                continue
            c = gutter + col_of(v.x)
            start = max(c - len(v.label) // 2, free_from, 0)
            start = min(start, width - len(v.label))
            if start >= free_from:
                frame.put(0, start, v.label, v.style)
                free_from = start + len(v.label) + 2  # two spaces: labels never read as one
    return frame


class BrailleChart(Widget):
    """Base widget: call :meth:`set_data`; the frame is rebuilt on data, resize or theme change.

    New data is laid out at once and compared with the frame on screen row by row: only
    the rows that differ get new Strips and are repainted. A keystroke moves the payoff
    curve through a handful of rows, and repainting all of a tall chart's rows was the
    largest part of a keystroke's frame (the compositor re-renders every dirty line).
    """

    DEFAULT_CSS = """
    BrailleChart {
        height: 1fr;
        width: 1fr;
    }
    """

    COMPONENT_CLASSES = {"chart--axis", "chart--zero"}

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._series: tuple[Series, ...] = ()
        self._vlines: tuple[VLine, ...] = ()
        self._options: dict = {}
        self._version = 0
        self._cache_key: tuple | None = None
        self._strips: list[Strip] = []
        self._style_cache: dict[str, Style] = {}
        self.last_frame: Frame | None = None
        self.rows_repainted = 0  # rows the last set_data repainted (all of them on a full rebuild)

    def set_data(self, series: Sequence[Series], vlines: Sequence[VLine] = (), **options) -> None:
        self._series = tuple(series)
        self._vlines = tuple(vlines)
        self._options = options
        current = self._cache_key is not None and self._cache_key == (self.size, self._version)
        self._version += 1
        if current and self.is_mounted:
            self._update_changed_rows()
        else:
            self._cache_key = None
            self.rows_repainted = self.size.height
            self.refresh()

    def _update_changed_rows(self) -> None:
        """Lay out the new data now; repaint only the rows whose characters or styles changed."""
        old = self.last_frame
        frame = self.build_frame()
        if old is None or old.chars.shape != frame.chars.shape or old.style_names != frame.style_names:
            self._cache_key = None  # (a new colour in the chart: rebuild it all)
            self.rows_repainted = self.size.height
            self.refresh()
            return
        changed = np.flatnonzero(np.any((old.chars != frame.chars) | (old.styles != frame.styles), axis=1)).tolist()
        self.last_frame = frame
        self._cache_key = (self.size, self._version)
        self.rows_repainted = len(changed)
        if not changed:
            return
        styles = [self._style_for(n) for n in frame.style_names]
        width = self.size.width
        for r in changed:
            self._strips[r] = self._row_strip(frame, r, styles)
        self.refresh(*[Region(0, r, width, 1) for r in changed])

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache_key = None
        self._style_cache.clear()

    def _style_for(self, name: str) -> Style:
        style = self._style_cache.get(name)
        if style is None:
            if name == "base":
                style = self.rich_style
            else:
                component = name if name.startswith("chart--") else f"chart--{name}"
                style = self.get_component_rich_style(component, default=self.rich_style)
            self._style_cache[name] = style
        return style

    def build_frame(self) -> Frame:
        width, height = self.size
        return layout_chart(width, height, self._series, self._vlines, **self._options)

    @staticmethod
    def _row_strip(frame: Frame, r: int, styles: list[Style]) -> Strip:
        text = frame.chars[r].astype("<u4").tobytes().decode("utf-32-le")
        ids = frame.styles[r]
        bounds = [0, *(np.flatnonzero(np.diff(ids)) + 1).tolist(), len(text)]
        segments = [Segment(text[a:b], styles[ids[a]]) for a, b in pairwise(bounds) if b > a]
        return Strip(segments, len(text))

    def _build(self) -> None:
        frame = self.build_frame()
        self.last_frame = frame
        styles = [self._style_for(n) for n in frame.style_names]
        self._strips = [self._row_strip(frame, r, styles) for r in range(frame.chars.shape[0])]

    def render_line(self, y: int) -> Strip:
        if not self._series:  # nothing to draw yet (the first frame comes before numpy loads)
            return Strip.blank(self.size.width, self.rich_style)
        key = (self.size, self._version)
        if key != self._cache_key:
            self._build()
            self._cache_key = key
        if 0 <= y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self.rich_style)

    def screen_text(self) -> str:
        """The chart as plain text (for tests and debugging)."""
        frame = self.last_frame or self.build_frame()
        return "\n".join(frame.text_rows())
