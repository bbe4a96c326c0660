"""The curve pane: the VIX futures term structure, the layers' expiries, the regime."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from ..core.curve import Regime
from ..core.valuation import Valuation
from ..format import num
from .braille import BrailleChart, Series, VLine


class CurveChart(BrailleChart):
    """Spot at day 0 and each monthly settle; the shocked curve (dashed) over it when a shock is on."""

    DEFAULT_CSS = """
    CurveChart > .chart--curve { color: $primary; text-style: bold; }
    CurveChart > .chart--shocked { color: $warning; }
    CurveChart > .chart--layer { color: $secondary; }
    CurveChart > .chart--axis { color: $text-muted; }
    CurveChart > .chart--zero { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"chart--curve", "chart--shocked", "chart--layer", "chart--axis", "chart--zero"}

    def set_curve(
        self,
        days: np.ndarray,
        levels: np.ndarray,
        shocked: tuple[np.ndarray, np.ndarray] | None,
        layer_marks: list[tuple[int, str]],
    ) -> None:
        self.points = (np.asarray(days, float), np.asarray(levels, float))
        self.shocked = shocked
        series = [Series(self.points[0], self.points[1], "curve", "solid", "c")]
        if shocked is not None:
            series.append(Series(np.asarray(shocked[0], float), np.asarray(shocked[1], float), "shocked", "dashed", "s"))
        marks = [VLine(float(d), "layer", True, label) for d, label in layer_marks]
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


class CurvePane(Vertical):
    """Chart, compact table (expiry, DTE, settle, change) and the regime line."""

    can_focus = False

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.valuation: Valuation | None = None
        self.border_title = "VIX curve"

    def compose(self) -> ComposeResult:
        yield Static(id="regime")
        yield CurveChart(id="curve-chart")
        table = DataTable(id="curve-table", cursor_type="none", zebra_stripes=False, show_cursor=False)
        table.can_focus = False
        yield table

    def on_mount(self) -> None:
        table = self.query_one("#curve-table", DataTable)
        for label, key, width in (("expiry", "expiry", 10), ("DTE", "dte", 4), ("settle", "settle", 6), ("chg", "chg", 6)):
            table.add_column(Text(label, justify="right") if key != "expiry" else label, key=key, width=width)

    def on_resize(self) -> None:
        if self.valuation is not None:
            self.query_one("#regime", Static).update(regime_text(self.valuation.regime, self.content_size.width))

    def show(self, valuation: Valuation) -> None:
        old = self.valuation
        self.valuation = valuation
        market = valuation.market
        self.query_one("#regime", Static).update(regime_text(valuation.regime, self.content_size.width or 80))
        self.border_title = f"VIX curve · {regime_name(valuation.regime)}"
        live = market.live_futures
        days = np.array([0.0] + [float(market.dte(f.expiry)) for f in live])
        levels = np.array([market.vix_spot] + [f.settle for f in live])
        shocked = None
        if valuation.shock.describe() != "no change" and valuation.shocked_curve:
            sd, sl = zip(*valuation.shocked_curve)
            shocked = (np.array(sd, float), np.array(sl, float))
        marks = [(layer.dte, layer.name[:4]) for layer in valuation.layers]
        self.query_one(CurveChart).set_curve(days, levels, shocked, marks)
        self.border_subtitle = f"as of {market.as_of.isoformat()} · VIX {market.vix_spot:.2f}"
        if old is None or old.market != market:
            self._fill_table(valuation)

    def _fill_table(self, valuation: Valuation) -> None:
        market = valuation.market
        table = self.query_one("#curve-table", DataTable)
        table.clear()
        prev = market.vix_spot
        table.add_row("spot", Text("0", justify="right"), Text(f"{market.vix_spot:.2f}", justify="right"), "", key="spot")
        for i, f in enumerate(market.live_futures):
            change = f.settle - prev
            table.add_row(
                f"M{i + 1} {f.expiry:%b%d}",
                Text(str(market.dte(f.expiry)), justify="right"),
                Text(f"{f.settle:.2f}", justify="right"),
                Text(f"{change:+.2f}", justify="right"),
                key=f"M{i + 1}",
            )
            prev = f.settle
