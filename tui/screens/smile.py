"""The market view (``s``): the option chain's implied vols against the model's smile.

Per expiry (``←``/``→`` or ``,``/``.`` step through them): the market's implied vols as
points, the plan's model as a line (the braille chart of the payoff pane), the strikes
of the plan's layers on that expiry marked, and the residual table (model - market, vol
points). ``l`` loads a chain file, ``a`` applies the fit to the plan (undoable, marks it
modified), ``c`` brings a curve file into the plan (today's settlements; undoable).

Reading a chain and fitting it takes a fraction of a second (scipy), so it runs in a
thread worker; the view says so meanwhile and typing never waits.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, cast

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ..core.valuation import Valuation
from ..resources import sample_data_dir
from ..widgets.braille import BrailleChart, Series, VLine
from ..widgets.keys_footer import KeysFooter
from ..widgets.util import plain, set_border_subtitle, set_border_title, typable
from .file_prompt import PathModal
from .problems import ProblemsModal
from .views import ValuationView

if TYPE_CHECKING:
    from ..core.calibrate import Calibration
    from ..core.plan import Plan
    from ..widgets.layer_editor import LayerEditor


def _no_chain_hint() -> str:
    """Where the bundled example chain is (installed, it is not under the working folder)
    and what it needs: a market of its own day (the default plan's is 2024-08-05)."""
    folder = sample_data_dir()
    return (
        "No option chain loaded. l loads a chain CSV, c brings a day's curve in.\n"
        "The bundled example chain is of 2024-06-03: c "
        f"{folder / 'curve_2024-06-03.csv'}, then l {folder / 'vix_options_2024-06-03.csv'} "
        f"(or open {folder / 'calibrated_2024-06-03.toml'}, a plan of that day, with o)."
    )


class SmileHost(Protocol):
    """What the view keeps on and asks of the app (``tui.app.AlvhApp``), without importing it."""

    calibration: Calibration | None
    calibration_busy: str
    chain_path: Path | None
    plan: Plan

    @property
    def editor(self) -> LayerEditor: ...
    def reprice(self) -> Valuation: ...
    def apply_plan(self, plan: Plan, label: str, cursor: tuple[int, int] | None = None) -> bool: ...


class SmileChart(BrailleChart):
    DEFAULT_CSS = """
    SmileChart { height: 2fr; min-height: 9; border: round $primary-darken-1; }
    SmileChart > .chart--market { color: $warning; text-style: bold; }
    SmileChart > .chart--model { color: $success; }
    SmileChart > .chart--layer { color: $accent; }
    SmileChart > .chart--fwd { color: $text-muted; }
    SmileChart > .chart--axis { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"chart--market", "chart--model", "chart--layer", "chart--fwd", "chart--axis", "chart--zero"}


class SmileScreen(ValuationView):
    DEFAULT_CSS = """
    SmileScreen #smile-body { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("l", "load_chain", "Load chain"),
        Binding("a", "apply_fit", "Apply fit"),
        Binding("c", "load_curve", "Curve"),
        Binding("left,comma", "step(-1)", "Prev expiry", show=False),
        Binding("right,full_stop", "step(1)", "Next expiry", show=False),
    ]

    def __init__(self, valuation: Valuation) -> None:
        super().__init__(valuation)
        self.index = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="smile-view"):
            yield SmileChart(id="smile-chart")
            with VerticalScroll(id="smile-body"):  # the residual table
                yield Static(id="smile-table")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.render_view()

    def show(self, valuation: Valuation) -> None:
        super().show(valuation)
        self.render_view()

    # -- state kept on the app, so that it survives closing the view ----------------------
    @property
    def host(self) -> SmileHost:
        return cast(SmileHost, self.app)

    @property
    def calibration(self):
        return getattr(self.app, "calibration", None)

    def _expiries(self):
        cal = self.calibration
        return [e.expiry for e in cal.expiries] if cal else []

    def action_step(self, direction: int) -> None:
        n = len(self._expiries())
        if n:
            self.index = (self.index + direction) % n
            self.render_view()

    def render_view(self) -> None:
        chart = self.query_one(SmileChart)
        table = self.query_one("#smile-table", Static)
        cal = self.calibration
        if cal is None:
            busy = getattr(self.app, "calibration_busy", "")
            set_border_title(chart, "Smile")
            chart.set_data([])
            table.update(plain(busy or _no_chain_hint()))
            return
        expiries = self._expiries()
        self.index = min(self.index, len(expiries) - 1)
        expiry = expiries[self.index]
        fit = cal.expiries[self.index]
        rows = [r for r in cal.residuals if r.expiry == expiry]
        model = self.valuation.market.vol
        used = np.array([r.strike for r in rows if r.used])
        lo, hi = float(used.min()), float(used.max())
        rows = sorted((r for r in rows if lo <= r.strike <= hi or r.used), key=lambda r: (r.strike, not r.is_call))
        layers = [lv for lv in self.valuation.layers if lv.expiry == expiry]
        for lv in layers:
            lo, hi = min(lo, lv.strike), max(hi, lv.strike)
        grid = np.linspace(lo, hi, 160)
        line = model.vol(grid, fit.forward, fit.days) * 100.0
        # each market quote a short flat dash (two dots wide), so it stands out of the dotted model line
        half = (hi - lo) / 120.0
        series = [
            Series(np.array([r.strike - half, r.strike + half]), np.array([r.market_vol * 100.0] * 2), "market") for r in rows
        ]
        series.append(Series(grid, line, "model", "dotted", "m"))
        vlines = [VLine(lv.strike, "layer", True, lv.name[:6]) for lv in layers]
        vlines.append(VLine(fit.forward, "fwd", False, "F"))
        chart.set_data(series, vlines, zero_line=False, y_format=lambda v: f"{v:g}%", x_format=lambda v: f"{v:g}")
        set_border_title(chart, f"Smile {expiry} ({fit.days} d, F {fit.forward:.2f}) · {self.index + 1}/{len(expiries)} · ←/→")
        in_plan = cal.held_by(model)
        set_border_subtitle(chart, Text("⠿ market · m model" + ("" if in_plan else " (plan's, not the fit: a applies)")))
        t = Table.grid(padding=(0, 1))
        columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
            ("K", "right"), ("", "left"), ("price", "right"), ("mkt vol", "right"), ("model", "right"), ("resid", "right"), ("", "left")
        )
        for name, justify in columns:
            t.add_column(name, justify=justify)
        summary = Text(
            f"fit {cal.points} quotes · RMSE {cal.rmse_vol_pts:.2f} vol pts · this expiry {fit.rmse_vol_pts:.2f} (n {fit.n})"
            + (f" · ATM30 {cal.atm30 * 100:.1f}% / VVIX {cal.vvix:g} = {cal.vvix_ratio:.3f}" if cal.vvix_ratio else ""),
            style="bold",
        )
        t.add_row("K", "", "price", "mkt vol", "model", "resid", "(model - market, vol pts)", style="bold")
        for r in rows:
            plan_vol = float(model.vol(r.strike, r.forward, fit.days))
            t.add_row(
                f"{r.strike:g}",
                "C" if r.is_call else "P",
                f"{r.price:.2f}",
                f"{r.market_vol * 100:.1f}",
                f"{plan_vol * 100:.1f}",
                f"{(plan_vol - r.market_vol) * 100:+.1f}",
                "" if r.used else "not fitted",
            )
        table.update(Group(summary, t))

    # -- chain, fit, curve -------------------------------------------------------------------
    def action_load_chain(self) -> None:
        chain = getattr(self.app, "chain_path", None)
        initial = typable(chain) or (typable(Path.cwd()) or "") + "/"
        self.app.push_screen(PathModal("Load option chain (CSV)", initial, must_exist=True), self._chain_chosen)

    def _chain_chosen(self, path: Path | None) -> None:
        if path is None:
            return
        self.host.calibration_busy = f"fitting {path.name} …"
        self.render_view()
        self._fit(path, self.valuation.plan.market)

    @work(thread=True, exclusive=True, group="calibrate")
    def _fit(self, path: Path, market) -> None:
        from ..core.calibrate import calibrate
        from ..core.chain import ChainError, load_chain

        try:
            chain = load_chain(path)
            cal = calibrate(chain, market)
        except ChainError as error:
            self.app.call_from_thread(self._fit_failed, path, str(error))
            return
        calls = {
            (e, float(k)): float(p)
            for e, k, p, c in zip(chain.expiry, chain.strike, chain.price, chain.is_call, strict=True)
            if c and np.isfinite(p)
        }
        self.app.call_from_thread(self._fitted, path, cal, calls)

    def _fit_failed(self, path: Path, message: str) -> None:
        self.host.calibration_busy = ""
        self.render_view()
        self.app.push_screen(ProblemsModal(f"Cannot use {path}", [message], "The plan is unchanged."))

    def _fitted(self, path: Path, cal, calls: dict) -> None:
        self.host.calibration_busy = ""
        self.host.calibration = cal
        self.host.chain_path = path
        editor = self.host.editor  # the layer table's mkt column: the chain's call prices
        editor.market_quotes, editor.market_quotes_day = calls, cal.as_of
        self.host.reprice()
        self.index = 0
        self.render_view()
        self.notify(f"fitted {cal.points} quotes: RMSE {cal.rmse_vol_pts:.2f} vol points; a applies it to the plan")

    def action_apply_fit(self) -> None:
        cal = self.calibration
        if cal is None:
            self.notify("no fit yet: l loads a chain", severity="warning")
            return
        plan = self.host.plan
        if cal.as_of != plan.market.as_of:
            self.notify(f"the fit is of {cal.as_of}, the plan's market of {plan.market.as_of}", severity="error")
            return
        if cal.held_by(plan.market.vol):
            self.notify("the plan already holds this fit")
            return
        if self.host.apply_plan(replace(plan, market=replace(plan.market, vol=cal.vol)), "apply the vol fit"):
            self.notify("vol fit applied (u undoes)")

    def action_load_curve(self) -> None:
        initial = (typable(Path.cwd()) or "") + "/"
        self.app.push_screen(PathModal("Bring a curve in (CSV)", initial, must_exist=True), self._curve_chosen)

    def _curve_chosen(self, path: Path | None) -> None:
        if path is None:
            return
        from ..core.curve_import import CurveImportError, load_curve, rebase_plan

        try:
            plan, notes = rebase_plan(self.host.plan, load_curve(path))
        except CurveImportError as error:
            self.app.push_screen(ProblemsModal(f"Cannot use {path}", [str(error)], "The plan is unchanged."))
            return
        if self.host.apply_plan(plan, f"curve from {path.name}"):
            # a file name and layer names: literal text, never markup
            self.notify(f"market of {plan.market.as_of} from {path.name} (u undoes)" + ("; " + "; ".join(notes) if notes else ""), markup=False)
