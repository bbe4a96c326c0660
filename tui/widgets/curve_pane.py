"""The curve pane: the VIX futures term structure, the layers' expiries, the regime."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static
from textual.worker import get_current_worker

from ..core.curve import MarketSnapshot, Regime
from ..format import num
from .braille import BrailleChart, Series, VLine
from .grid_table import GridColumn, GridRow, GridTable
from .util import set_border_subtitle, set_border_title

if TYPE_CHECKING:
    from ..core.events import EventRow
    from ..core.valuation import Valuation  # (imported with the first reprice, after the first frame)


class CurveChart(BrailleChart):
    """Spot at day 0 and each monthly settle; the shocked curve (dashed) over it when a shock is on."""

    DEFAULT_CSS = """
    CurveChart > .chart--curve { color: $primary; text-style: bold; }
    CurveChart > .chart--shocked { color: $warning; }
    CurveChart > .chart--layer { color: $secondary; }
    CurveChart > .chart--axis { color: $text-muted; }
    CurveChart > .chart--zero { color: $text-muted; }
    CurveChart > .chart--event { color: $accent; }
    """
    COMPONENT_CLASSES = {"chart--curve", "chart--shocked", "chart--layer", "chart--axis", "chart--zero", "chart--event"}

    def set_curve(
        self,
        days: np.ndarray,
        levels: np.ndarray,
        shocked: tuple[np.ndarray, np.ndarray] | None,
        layer_marks: list[tuple[int, str]],
        event_marks: Sequence[tuple[int, str]] = (),
    ) -> None:
        self.points = (np.asarray(days, float), np.asarray(levels, float))
        self.shocked = shocked
        series = [Series(self.points[0], self.points[1], "curve", "solid", "c")]
        if shocked is not None:
            series.append(Series(np.asarray(shocked[0], float), np.asarray(shocked[1], float), "shocked", "dashed", "s"))
        marks = [VLine(float(d), "layer", True, label) for d, label in layer_marks]
        # Macro events (F: FOMC, C: CPI) as ticks on the bottom row, under the curve.
        marks += [VLine(float(d), "event", False, label, full=False) for d, label in event_marks]
        ys = [s.y for s in series]
        lo = min(float(np.min(y)) for y in ys)
        hi = max(float(np.max(y)) for y in ys)
        span = max(hi - lo, 1.0)
        self.set_data(
            series,
            marks,
            zero_line=False,
            y_range=(lo - 0.08 * span, hi + 0.08 * span),
            x_format=lambda v: f"{v:g}d",
            y_format=lambda v: f"{v:g}",
        )


def regime_name(regime: Regime) -> str:
    return regime.name + (f" ({regime.depth})" if regime.depth else "")


def regime_text(regime: Regime, width: int) -> Text:
    """The regime's figures (its name is in the pane title), shortened to fit ``width`` cells."""
    slope = "—" if regime.m1_m2_slope_pct is None else f"{regime.m1_m2_slope_pct:+.1f}%"
    ratio = num(regime.vix_over_m1, ".2f")
    roll = num(regime.roll_yield_per_day, "+.2f")
    for text in (
        f"{regime_name(regime)} · M1→M2 {slope} · VIX/M1 {ratio} · roll {roll}/day",
        f"M1→M2 {slope} · VIX/M1 {ratio} · roll {roll}/day",
        f"M1→M2 {slope} VIX/M1 {ratio} roll {roll}/d",
    ):
        if len(text) <= width:
            return Text(text)
    return Text(f"M1→M2 {slope} VIX/M1 {ratio}")


# The pane title names the entry signals that are on (the v view has their values and record).
SHORT_SIGNAL = {"vix_vix3m": "VIX>VIX3M", "m1_m2_slope": "M1>M2", "rsi14": "RSI", "macd": "MACD"}


def curve_subtitles(valuation: Valuation) -> list[str]:
    """The pane's subtitle, longest first: as-of date, spot VIX and the next scheduled event
    after as_of (F/C ticks on the chart); the caller shows the longest that fits."""
    nxt = next((e for e in valuation.events if "unscheduled" not in e.event), None)
    return market_subtitles(valuation.market, nxt)


def market_subtitles(market: MarketSnapshot, nxt: EventRow | None = None) -> list[str]:
    """:func:`curve_subtitles` from the market and the next scheduled event (``None``: no
    event part, as in the preview before the first valuation)."""
    day, spot = market.as_of.isoformat(), f"VIX {market.vix_spot:.2f}"
    if nxt is None:
        return [f"as of {day} · {spot}", f"{day} · {spot}"]
    event = f"{nxt.event} {nxt.date:%b %d}"
    return [f"as of {day} · {spot} · next {event}", f"{day} · {spot} · next {event}", f"{day} · {spot} · {event}", f"{day} · {spot}"]


def longest_fitting(texts: list[str], width: int) -> str:
    """The first of ``texts`` that fits a border ``width`` cells wide (corners and padding
    take 6), else the last: a title cut to "…" can lose the one figure that mattered."""
    room = width - 6 if width else 10**6
    return next((t for t in texts if len(t) <= room), texts[-1])


class CurvePane(Vertical):
    """Chart, compact table (expiry, DTE, settle, change) and the regime line."""

    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.valuation: Valuation | None = None
        self._regime_plain = ""
        self._chart_key: tuple | None = None
        self.signals = None  # the entry signals (kit.SignalReadout), read in a worker
        self.signals_for = None  # the as_of they were read for
        set_border_title(self, "VIX curve")

    def compose(self) -> ComposeResult:
        yield Static(id="regime")
        yield CurveChart(id="curve-chart")
        yield GridTable(id="curve-table", cursor_type="none")

    def on_mount(self) -> None:
        # "vs prev": each settle's change from the tenor above it (spot for M1)
        self.query_one("#curve-table", GridTable).set_columns(
            [GridColumn("expiry", "expiry", 9, False), GridColumn("dte", "DTE", 4), GridColumn("settle", "settle", 6), GridColumn("chg", "vs prev", 7)]
        )

    def on_resize(self) -> None:
        if self.valuation is not None:
            self._set_regime(regime_text(self.valuation.regime, self._regime_width()))
            self._title(self.valuation)
            set_border_subtitle(self, longest_fitting(curve_subtitles(self.valuation), self.outer_size.width))

    def _regime_width(self) -> int:
        """The regime line's width; before the first layout, the pane's share of the screen
        as app.tcss lays it out (55 %, or 1 of 3.8 from 150 columns), less the border."""
        if self.content_size.width:
            return self.content_size.width
        width = self.app.size.width
        return max(int(width / 3.8 if width >= 150 else width * 0.55) - 2, 20)

    def _set_regime(self, text: Text) -> None:
        if text.plain != self._regime_plain:  # only a real change costs a layout pass
            self._regime_plain = text.plain
            self.query_one("#regime", Static).update(text)

    def show(self, valuation: Valuation) -> None:
        old = self.valuation
        self.valuation = valuation
        market = valuation.market
        self._set_regime(regime_text(valuation.regime, self._regime_width()))
        self._title(valuation)
        if old is None or old.market.as_of != market.as_of:
            self._read_signals(valuation)
        live = market.live_futures
        days = np.array([0.0] + [float(market.dte(f.expiry)) for f in live])
        levels = np.array([market.vix_spot] + [f.settle for f in live])
        shocked = None
        if valuation.scenario.describe() != "no change" and valuation.scenario_curve:
            sd, sl = zip(*valuation.scenario_curve, strict=True)
            shocked = (np.array(sd, float), np.array(sl, float))
        marks = [(layer.dte, layer.name[:4]) for layer in valuation.layers]
        events = [(e.days_after_as_of, e.event[:1]) for e in valuation.events]
        key = (days.tobytes(), levels.tobytes(), None if shocked is None else (shocked[0].tobytes(), shocked[1].tobytes()), tuple(marks), tuple(events))
        if key != self._chart_key:  # a strike edit leaves the curve as it was: no redraw
            self._chart_key = key
            self.query_one(CurveChart).set_curve(days, levels, shocked, marks, events)
        set_border_subtitle(self, longest_fitting(curve_subtitles(valuation), self.outer_size.width))
        if old is None or old.market != market:
            self._fill_table(market)

    def preview(self, market: MarketSnapshot) -> None:
        """Before the first valuation (numpy loads after the first frame): the market's own
        figures, the regime and the curve table; the chart waits for the valuation."""
        regime = market.regime()
        self._set_regime(regime_text(regime, self._regime_width()))
        set_border_title(self, f"VIX curve · {regime_name(regime)}")
        set_border_subtitle(self, longest_fitting(market_subtitles(market), self.outer_size.width))
        self._fill_table(market)

    def _title(self, valuation: Valuation) -> None:
        regime = regime_name(valuation.regime)
        titles = [f"VIX curve · {regime}"]
        if self.signals is not None and self.signals_for == valuation.market.as_of and self.signals.firing:
            on = self.signals.firing
            names = ", ".join(SHORT_SIGNAL.get(s.name, s.name) for s in on)
            count = f"▲{len(on)} signal{'s' if len(on) > 1 else ''}"
            titles = [
                f"VIX curve · {regime} · " + (f"▲ {names}" if len(on) <= 2 else count),
                f"VIX curve · {regime} · {count}",
                f"{regime} · {count}",
                f"{valuation.regime.name} · ▲{len(on)}",
            ]
        set_border_title(self, longest_fitting(titles, self.outer_size.width))  # never "▲4…" at 80 columns

    @work(thread=True, exclusive=True, group="signals", exit_on_error=False)
    def _read_signals(self, valuation: Valuation) -> None:
        # The first read loads the daily history (pandas): never on the event loop.
        readout = valuation.signals
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._signals_read, valuation.market.as_of, readout)

    def _signals_read(self, as_of, readout) -> None:
        self.signals, self.signals_for = readout, as_of
        if self.valuation is not None and self.is_attached:
            self._title(self.valuation)

    def _fill_table(self, market: MarketSnapshot) -> None:
        prev = market.vix_spot
        rows = [GridRow("spot", ("spot", "0", f"{market.vix_spot:.2f}", ""))]
        for i, f in enumerate(market.live_futures):
            rows.append(GridRow(f"M{i + 1}", (f"M{i + 1} {f.expiry:%b%d}", str(market.dte(f.expiry)), f"{f.settle:.2f}", f"{f.settle - prev:+.2f}")))
            prev = f.settle
        self.query_one("#curve-table", GridTable).set_rows(rows)
