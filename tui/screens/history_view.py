"""``b``: the plan through history (``tui.core.backtest``): cumulative hedge P&L, the VXTH rule
and (``e``) the unhedged and hedged exposure on one braille chart with the episode windows
marked, and the yearly table.

The run takes a thread worker (loading the bundled history the first time, then ~0.1 s for
20 years); a ProgressBar appears when it takes longer than ``PROGRESS_AFTER`` seconds, esc
cancels it. It never re-runs by itself: after an edit the view says the figures are for the
plan as it was, and ``b`` / enter re-runs.
"""

from __future__ import annotations

import threading
from datetime import date

import numpy as np
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ..core.valuation import Valuation
from ..format import usd_short
from ..widgets.braille import BrailleChart, Series, VLine
from ..widgets.grid_table import GridColumn, GridRow, GridTable
from ..widgets.keys_footer import KeysFooter
from ..widgets.util import plain, set_border_subtitle, set_border_title
from .views import ValuationView

PROGRESS_AFTER = 0.2  # seconds before the progress bar shows
YEAR_COLUMNS = (
    GridColumn("year", "year", 5, False),
    GridColumn("premium", "premium", 9),
    GridColumn("hedge", "hedge", 9),
    GridColumn("vxth", "VXTH", 9),
    GridColumn("exposure", "exposure", 10),
    GridColumn("net", "net", 10),
)
CAVEAT = "model prices on real futures, not traded option prices"

_history_lock = threading.Lock()
_history_cache: dict = {}


def bundled_history():
    """The bundled history, read once per session (thread-safe)."""
    with _history_lock:
        if "bundled" not in _history_cache:
            from ..core.history import load_history

            _history_cache["bundled"] = load_history()
        return _history_cache["bundled"]


def _years(days: np.ndarray) -> np.ndarray:
    """Dates as fractional years (the chart's x)."""
    d = days.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(int) + 1970
    start = d.astype("datetime64[Y]").astype("datetime64[D]")
    return year + (d - start).astype(float) / 365.25


class BacktestChart(BrailleChart):
    DEFAULT_CSS = """
    BacktestChart { height: 1fr; min-height: 6; }
    BacktestChart > .chart--hedge { color: $success; text-style: bold; }
    BacktestChart > .chart--vxth { color: $accent; }
    BacktestChart > .chart--exposure { color: $error; }
    BacktestChart > .chart--net { color: $warning; }
    BacktestChart > .chart--episode { color: $secondary; }
    BacktestChart > .chart--axis { color: $text-muted; }
    BacktestChart > .chart--zero { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"chart--hedge", "chart--vxth", "chart--exposure", "chart--net", "chart--episode",
                         "chart--axis", "chart--zero"}


def year_rows(data: dict) -> list[GridRow]:
    bench = {y["year"]: y["hedge_pnl_usd"] for y in data["benchmark"]["years"]}
    rows = [GridRow(str(y["year"]), (str(y["year"]), usd_short(-y["premium_usd"]), usd_short(y["hedge_pnl_usd"]),
                                     usd_short(bench.get(y["year"], 0.0)), usd_short(y["exposure_pnl_usd"]),
                                     usd_short(y["net_pnl_usd"])))
            for y in data["years"]]
    s, b = data["summary"], data["benchmark"]
    rows.append(GridRow("total", ("all", usd_short(-s["premium_usd"]), usd_short(s["hedge_pnl_usd"]),
                                  usd_short(b["hedge_pnl_usd"]), usd_short(s["exposure_pnl_usd"]),
                                  usd_short(s["net_pnl_usd"])), "total"))
    return rows


class BacktestScreen(ValuationView):
    """The plan's layers, rolls and entry rule run through the bundled (or given) history."""

    BINDINGS = [
        Binding("escape", "cancel_or_close", "Back / cancel"),
        Binding("q", "close", "Back", show=False),
        Binding("b,enter", "rerun", "Re-run"),
        Binding("e", "toggle_exposure", "Exposure"),
    ]

    def __init__(self, valuation: Valuation, history_path=None) -> None:
        super().__init__(valuation)
        self.history_path = history_path
        self.result = None  # the last BacktestResult
        self.data: dict | None = None
        self.ran_for = None  # the plan the result is for
        self.show_exposure = False
        self.worker: Worker | None = None
        self.state = "idle"  # "running" | "done" | "cancelled" | "failed"

    def compose(self) -> ComposeResult:
        with Vertical(id="view", classes="backtest"):
            yield Static("", id="bt-status")
            yield ProgressBar(total=1.0, show_eta=False, id="bt-progress")
            yield BacktestChart(id="bt-chart")
            yield GridTable(id="bt-years", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#bt-progress", ProgressBar).display = False
        self.query_one("#bt-years", GridTable).set_columns(YEAR_COLUMNS)
        self.query_one("#bt-years", GridTable).focus()
        set_border_subtitle(self.query_one("#view"), "b re-run · e exposure lines · esc cancel/back")
        self.show(self.valuation)
        self.action_rerun()

    def show(self, valuation: Valuation) -> None:
        super().show(valuation)
        set_border_title(self.query_one("#view"), f"Through history, vs Cboe VXTH — {valuation.plan.name}")
        self._status()

    # -- running -----------------------------------------------------------------------------
    def action_rerun(self) -> None:
        if self.state == "running":
            return
        self.state = "running"
        self._status()
        self.set_timer(PROGRESS_AFTER, self._maybe_show_progress)
        self.worker = self._run(self.valuation.plan)

    def _maybe_show_progress(self) -> None:
        if self.state == "running" and self.is_attached:
            self.query_one("#bt-progress", ProgressBar).display = True

    @work(thread=True, exclusive=True, group="backtest", exit_on_error=False)
    def _run(self, plan) -> None:
        from ..core.backtest import BacktestCancelled, BacktestError, run_backtest
        from ..core.backtest_report import to_json
        from ..core.history import HistoryError, load_history

        worker = get_current_worker()

        def progress(fraction: float) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._progress, 0.2 + 0.8 * fraction)

        try:
            history = bundled_history() if self.history_path is None else load_history(self.history_path)
            if worker.is_cancelled:
                return
            progress(0.0)
            result = run_backtest(plan, history, progress=progress, cancelled=lambda: worker.is_cancelled)
            data = to_json(result)
        except BacktestCancelled:
            return
        except (BacktestError, HistoryError, ValueError) as error:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, str(error))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._done, plan, result, data)

    def _progress(self, fraction: float) -> None:
        if self.is_attached:
            self.query_one("#bt-progress", ProgressBar).update(progress=fraction)

    def _done(self, plan, result, data: dict) -> None:
        if not self.is_attached:
            return
        self.state, self.result, self.data, self.ran_for = "done", result, data, plan
        self.query_one("#bt-progress", ProgressBar).display = False
        self.query_one("#bt-years", GridTable).set_rows(year_rows(data))
        self._redraw()
        self._status()

    def _failed(self, message: str) -> None:
        if not self.is_attached:
            return
        self.state = "failed"
        self.query_one("#bt-progress", ProgressBar).display = False
        self._status(message)

    def action_cancel_or_close(self) -> None:
        if self.state == "running" and self.worker is not None:
            self.worker.cancel()
            self.state = "cancelled"
            self.query_one("#bt-progress", ProgressBar).display = False
            self._status()
            return
        self.action_close()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self.worker and event.state == WorkerState.ERROR and self.state == "running":
            self._failed(f"the backtest stopped: {event.worker.error}")

    # -- drawing -------------------------------------------------------------------------------
    def action_toggle_exposure(self) -> None:
        self.show_exposure = not self.show_exposure
        self._redraw()

    def _redraw(self) -> None:
        result, data = self.result, self.data
        if result is None or data is None:
            return
        x = _years(result.dates)
        series = [Series(x, result.hedge.pnl_cum, "hedge", "solid", "H"),
                  Series(x, result.benchmark.pnl_cum, "vxth", "dashed", "X")]
        if self.show_exposure:
            series += [Series(x, result.exposure_pnl_cum, "exposure", "dotted", "E"),
                       Series(x, result.net_pnl_cum, "net", "solid", "N")]
        marks = []
        for e in data["episodes"]:
            end = date.fromisoformat(e["end"])
            marks.append(VLine(float(_years(np.array([np.datetime64(end)]))[0]), "episode", True, f"{end:%y}"))
        chart = self.query_one("#bt-chart", BacktestChart)
        chart.set_data(series, marks, y_format=usd_short, x_format=lambda v: f"{v:.0f}")
        self._status()

    def _status(self, error: str | None = None) -> None:
        parts = []
        if error:
            parts.append(f"cannot run: {error}")
        elif self.state == "running":
            parts.append("running the backtest…  esc cancels")
        elif self.state == "cancelled":
            parts.append("cancelled · b runs it again")
        elif self.data is not None:
            s, b = self.data["summary"], self.data["benchmark"]
            parts.append(f"{s['start']}..{s['end']} · premium {usd_short(s['premium_usd_per_year'])}/yr "
                         f"({s['premium_pct_notional_per_year']:.2f} % of notional) · {s['rolls']} rolls")
            lines = f"H hedge {usd_short(s['hedge_pnl_usd'])} · X VXTH {usd_short(b['hedge_pnl_usd'])} at equal cost"
            if self.show_exposure:
                lines += f" · E exposure {usd_short(s['exposure_pnl_usd'])} · N hedged"
            parts.append(lines + " · ┆ episodes")
            if self.ran_for is not None and self.ran_for != self.valuation.plan:
                parts.append("the plan changed since this run · b re-runs")
        parts.append(CAVEAT)
        if self.is_attached:
            self.query_one("#bt-status", Static).update(plain("\n".join(parts)))  # error texts quote plan values
