"""Detail views over the current valuation: VaR and sizing (``v``) and the roll schedule (``r``).

Full screens (not modals: no dimmed copy of the main screen to send over SSH), opened
and switched with ``v`` / ``r``, closed with esc or q. They render from the App's one
Valuation; when the plan is repriced while one is open (``m`` switches the sizing mode
here, ``u`` undoes), the App hands it the new valuation through :meth:`show`.

The roll schedule needs the exchange calendar (pandas, ~0.3 s to import the first
time), so :class:`RollScreen` reads ``valuation.rolls`` in a thread worker and shows a
loading line meanwhile; nothing on the start-up path or the keystroke path touches it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from ..core.exposure import stress_lines
from ..core.rolls import RollStep
from ..core.valuation import Valuation
from ..format import num, pct, usd
from ..widgets.grid_table import GridColumn, GridRow, GridTable
from ..widgets.keys_footer import KeysFooter
from ..widgets.util import IndentedStatic, plain, set_border_subtitle, set_border_title

if TYPE_CHECKING:
    from ..widgets.layer_editor import LayerEditor


class Editing(Protocol):
    """The app as the views see it (``tui.app.AlvhApp``): its layer editor, never its module."""

    @property
    def editor(self) -> LayerEditor: ...

MODE_NEXT = "m: budget → coverage → contracts"
SIGNALS_LOADING = "Entry signals: reading the daily history…"


class ValuationView(Screen[None]):
    """A full-screen view of one aspect of the valuation."""

    BINDINGS = [
        Binding("escape,q", "close", "Back"),
        Binding("m", "sizing_mode", "Mode"),
    ]

    def __init__(self, valuation: Valuation) -> None:
        super().__init__()
        self.valuation = valuation

    def show(self, valuation: Valuation) -> None:
        self.valuation = valuation

    def action_close(self) -> None:
        self.app.pop_screen()

    def action_sizing_mode(self) -> None:
        cast(Editing, self.app).editor.action_sizing()  # -> LayerEditor.PlanEdited -> reprice -> show()


# -- VaR, sizing, regime ------------------------------------------------------------------

def var_lines(v: Valuation) -> list[str]:
    var = v.var
    if var is None:
        return [f"VaR {usd(v.var_usd)}"]
    lines = [
        f"  notional {usd(var.notional_usd)} × z {var.z:.3f} ({var.confidence:.0%} one-sided) × horizon vol {pct(var.horizon_vol, 2)}",
        f"  horizon vol = vol {pct(var.vol_annual, 0)} × √({var.horizon_days}/{var.days_per_year:g}) ; parametric normal",
        f"  VaR {usd(var.var_usd)} = {pct(var.var_pct)} of notional over {var.horizon_days} days",
    ]
    lines += ["  " + line for line in stress_lines(var)]
    lines.append(
        f"  (CAPM: r_e = β r_m + e, β {var.beta_spx:g}; σ_m = exposure.spx_vol_annual, S&P 500 1990-2025; "
        f"VIX ceiling {var.vix_ceiling:g} = the record intraday high)"
    )
    if var.correlation == 0.0:
        lines.append("  the stress implies no VIX move: the hedge cannot help")
    return lines


def sizing_lines(v: Valuation) -> list[str]:
    s = v.sizing
    target_pct = v.plan.exposure.coverage_target
    gap = s.achieved_usd - s.target_usd
    if s.mode == "coverage" and not s.target_reached:
        fit = f"CANNOT REACH the target (short by {usd(abs(gap))})"
    elif s.mode == "coverage":
        within = abs(gap) <= s.tolerance_usd + 1e-6
        fit = f"{'within' if within else 'OUTSIDE'} ±{usd(s.tolerance_usd)} (one contract)"
    else:
        fit = f"{'short by' if gap < 0 else 'above by'} {usd(abs(gap))}"
    lines = [
        f"  mode       {s.mode}   ({MODE_NEXT})",
        f"  stress     {s.stress_scenario} ({s.stress_kind}): {s.stress_description}",
        f"  target     {usd(s.target_usd)}  ({pct(target_pct, 0)} of {s.target_basis}"
        + (f" {usd(s.target_base_usd)})" if s.target_basis != "VaR" else ")"),
        f"  achieved   {usd(s.achieved_usd)}  ({pct(s.achieved_of_target)} of target, {pct(s.achieved_coverage)} of VaR) · {fit}",
        f"  premium    {usd(s.premium_usd)} = {pct(s.premium_pct_notional, 3)} of notional · "
        f"{pct(s.premium_pct_annualised, 2)} annualised",
        "             (annualised: each layer's premium over its own life, bought again at expiry)",
    ]
    rate = v.plan.exposure.funding_rate
    if rate is not None:
        lines.append(
            f"  funding    {usd(s.funding_cost_usd)} at {pct(rate, 2)}/yr to each layer's expiry · "
            f"premium + funding {usd(s.premium_usd + s.funding_cost_usd)}"
        )
    else:
        lines.append("  funding    no exposure.funding_rate set: the premium's cost of capital is not counted")
    if s.budget_usd is not None:
        lines.append(f"  budget     {usd(s.budget_usd)}, unspent {usd(s.leftover_usd)} (whole contracts)")
    per = " · ".join(f"{lv.name} {usd(g)}" for lv, g in zip(v.layers, s.gain_per_contract_usd, strict=False))
    if per:
        lines.append(f"  per contract in the stress: {per}")
    return lines


def regime_lines(v: Valuation) -> list[str]:
    rr = v.regime_readout
    if rr is None:
        return [f"  {v.regime.name}"]
    verdict = "entry condition MET" if rr.entry_condition_met else "entry condition NOT met"
    depth = f" ({rr.depth})" if rr.depth else ""
    ivts = "not in the snapshot (market.vix3m)" if rr.vix_over_vix3m is None else (
        f"{rr.vix_over_vix3m:.3f} ({'>' if rr.vix3m_condition_met else '≤'} 1: "
        f"{'backwardation' if rr.vix3m_condition_met else 'no backwardation'} by that measure)"
    )
    lines = [
        f"  {verdict} (the plan's rule: {rr.entry_rule}): {rr.name}{depth}",
        "    " + "; ".join(rr.reasons),
        f"  VIX/VIX3M: {ivts}",
        "    (2009-2025: M1 > M2 on 14.3 % of days, VIX > VIX3M on 7.9 %)",
        f"  VXTH: forward VIX (M1) {num(rr.vxth_forward, '.2f')}, band {rr.vxth_band} → weight {rr.vxth_weight_pct:g} % "
        "(Cboe tiers: 0 % < 15, 1 % 15-30, 0.5 % 30-50, 0 % > 50)",
    ]
    if rr.cost_vs_calm is not None:
        lines.append(
            f"  cost vs calm: {num(rr.cost_vs_calm, '.2f')}× per point of spot VIX, "
            f"{num(rr.cost_vs_calm_future, '.2f')}× per point of each layer's future"
        )
        lines.append(f"    reference: {rr.reference}")
        lines.append(
            "    price / VIX now vs calm: "
            + " · ".join(f"{c.name} {pct(c.pct_spot)} vs {pct(c.pct_spot_calm)}" for c in rr.layers)
        )
    return lines


def scenario_lines(v: Valuation) -> list[str]:
    replay = v.plan.scenarios.replay
    r = v.regime
    roll = "—" if r.roll_yield_per_day is None else f"{r.roll_yield_per_day:+.3f} pts/day"
    return [
        f"  replays: {'the market the episode ended in' if replay == 'level' else 'the episode moves added to today'}"
        f" (scenarios.replay = {replay!r})",
        "  time passing: futures held by expiry (sticky); \"30 days, curve rolls to spot\" is the alternative",
        f"  roll yield if spot holds: {roll}",
    ]


def signal_view_lines(readout) -> list[str]:
    """The entry signals for the v view: value, state, last crossover, then the record."""
    if not readout.signals:
        return [f"  {readout.problem}"] if readout.problem else ["  none"]
    s0 = readout.signals[0]
    lines = [
        f"  at {s0.day or '—'}; record {readout.history}: how often the VIX rose",
        f"  50%+ within 20 trading days after a day it was on (all days: {pct(s0.base_rate)})",
    ]
    for s in readout.signals:
        since = f"since {s.since.isoformat()}" if s.since else ""
        lines.append(f"  {s.label:<25} {num(s.value, '.2f'):>7}  {s.state.upper():<7} {since}")
        lines.append(f"    {s.rule}; record {pct(s.hit_rate)} of {s.days_on:,} days")
    if readout.problem:
        lines.append(f"  {readout.problem}")
    return lines


def risk_text(v: Valuation) -> Text:
    text = Text()
    sections = (("VaR", var_lines(v)), ("Sizing", sizing_lines(v)), ("Scenarios", scenario_lines(v)), ("Regime", regime_lines(v)))
    for title, lines in sections:
        if text:
            text.append("\n")
        text.append(title + "\n", style="bold underline")
        text.append("\n".join(lines) + "\n")
    # The calendar's warnings need pandas: shown once a worker has computed them.
    calendar = v.__dict__.get("calendar_warnings", ())
    for w in v.warnings + calendar:
        text.append(f"warning: {w}\n", style="bold")
    return text


class RiskScreen(ValuationView):
    """``v``: the VaR with its inputs, the sizing result and the regime read-out."""

    def compose(self) -> ComposeResult:
        with Vertical(id="view", classes="risk"):
            with VerticalScroll(id="view-body"):
                yield IndentedStatic(id="risk-text")
                yield IndentedStatic(SIGNALS_LOADING, id="signals-text")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.show(self.valuation)
        self.query_one("#view-body").focus()

    def show(self, valuation: Valuation) -> None:
        super().show(valuation)
        body = self.query_one("#view", Vertical)
        set_border_title(body, f"VaR · sizing · regime — {valuation.plan.name}")
        set_border_subtitle(body, "m sizing mode · r rolls · esc back")
        self.query_one("#risk-text", IndentedStatic).show_text(risk_text(valuation))
        if "calendar_warnings" not in valuation.__dict__:
            self._calendar(valuation)
        self._signals(valuation)

    @work(thread=True, exclusive=True, group="calendar", exit_on_error=False)
    def _calendar(self, valuation: Valuation) -> None:
        # Expiry dates against the exchange calendar (pandas): never on the event loop.
        if valuation.calendar_warnings and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._calendar_done, valuation)

    def _calendar_done(self, valuation: Valuation) -> None:
        if valuation is self.valuation and self.is_attached:
            self.query_one("#risk-text", IndentedStatic).show_text(risk_text(valuation))

    @work(thread=True, exclusive=True, group="signals", exit_on_error=False)
    def _signals(self, valuation: Valuation) -> None:
        # The first read loads the daily history (pandas): never on the event loop.
        readout, warnings = valuation.signals, valuation.event_warnings
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_signals, valuation, readout, warnings)

    def _show_signals(self, valuation: Valuation, readout, warnings) -> None:
        if valuation is not self.valuation or not self.is_attached:
            return
        text = Text()
        text.append("Entry signals\n", style="bold underline")
        text.append("\n".join(signal_view_lines(readout)) + "\n")
        if valuation.events:
            text.append("\nMacro events before the last expiry\n", style="bold underline")
            text.append(
                "  " + " · ".join(f"{e.date:%b %d} {e.event}" for e in valuation.events) + "\n"
            )
        for w in warnings:
            text.append(f"warning: {w}\n", style="bold")
        self.query_one("#signals-text", IndentedStatic).show_text(text)


# -- rolls ---------------------------------------------------------------------------------

ROLL_COLUMNS = (
    GridColumn("date", "date", 10, False),
    GridColumn("layer", "layer", 6, False),
    GridColumn("from", "from", 10, False),
    GridColumn("to", "to", 10, False),
    GridColumn("strike", "strike", 11),
    GridColumn("contracts", "cts", 6),
    GridColumn("cost", "cost", 9),
)
LOADING = "computing the roll schedule (loading the exchange calendar)…"


def roll_rows(rolls: tuple[RollStep, ...], total: float) -> list[GridRow]:
    rows = [
        GridRow(
            f"R{i}",
            (
                r.date.isoformat(),
                r.layer,
                r.from_expiry.isoformat(),
                r.to_expiry.isoformat(),
                f"{r.from_strike:g}→{r.to_strike:g}",
                f"{r.contracts:,}",
                usd(r.cost_usd),
            ),
        )
        for i, r in enumerate(rolls)
    ]
    rows.append(GridRow("total", ("total", "", "", "", "", "", usd(total)), "total"))
    return rows


class RollScreen(ValuationView):
    """``r``: the roll schedule ("time-shifting") at today's curve and vols."""

    def __init__(self, valuation: Valuation) -> None:
        super().__init__(valuation)
        self.rolls: tuple[RollStep, ...] | None = None  # the schedule shown (None: not yet)
        self.shown_for: Valuation | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="view", classes="rolls"):
            yield Static(LOADING, id="roll-status")
            yield GridTable(id="roll-table", cursor_type="row")
            yield IndentedStatic(id="roll-note")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#roll-table", GridTable).set_columns(ROLL_COLUMNS)
        self.query_one("#roll-table", GridTable).focus()
        set_border_subtitle(self.query_one("#view"), "cost > 0 a debit, < 0 a credit · v VaR/sizing · esc back")
        self.show(self.valuation)

    def show(self, valuation: Valuation) -> None:
        super().show(valuation)
        set_border_title(self.query_one("#view"), f"Rolls at today's curve (futures held by expiry) and vols — {valuation.plan.name}")
        if self.rolls is not None:
            self.query_one("#roll-status", Static).update("updating…")
        self._compute(valuation)

    @work(thread=True, exclusive=True, group="rolls", exit_on_error=False)
    def _compute(self, valuation: Valuation) -> None:
        # The first read imports pandas (the holiday calendar): never on the event loop.
        rolls, warnings, total = valuation.rolls, valuation.roll_warnings + valuation.calendar_warnings, valuation.roll_cost_usd
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._computed, valuation, rolls, warnings, total)

    def _computed(self, valuation: Valuation, rolls, warnings, total: float) -> None:
        if valuation is not self.valuation or not self.is_attached:
            return  # a newer valuation is being computed
        self.rolls = rolls
        self.shown_for = valuation
        table = self.query_one("#roll-table", GridTable)
        table.set_rows(roll_rows(rolls, total))
        if rolls:
            status = (
                f"{len(rolls)} rolls · total {usd(total)} ({'debit' if total > 0 else 'credit'}); "
                f"tenor-held (curve rolled to spot) {usd(valuation.roll_cost_tenor_held_usd)} · sell the old call, buy the new"
            )
        else:
            status = "no rolls: no layer has a roll rule that falls before the last expiry"
        self.query_one("#roll-status", Static).update(status)
        self._note(warnings)

    def _note(self, warnings=()) -> None:
        table = self.query_one("#roll-table", GridTable)
        parts = []
        if self.rolls and table.cursor_row < len(self.rolls):
            r = self.rolls[table.cursor_row]
            parts.append(
                f"{r.layer} on {r.date}: sell {r.from_expiry} {r.from_strike:g} at {r.sell_price:.3f} (future {r.from_future:.2f}), "
                f"buy {r.to_expiry} {r.to_strike:g} at {r.buy_price:.3f} (future {r.to_future:.2f})"
                + (f" · {r.note}" if r.note else "")
            )
        parts += [f"warning: {w}" for w in warnings]
        self.query_one("#roll-note", IndentedStatic).show_text(plain("\n".join(parts)))  # layer names

    def on_grid_table_moved(self, event: GridTable.Moved) -> None:
        event.stop()
        self._note(self.valuation.roll_warnings if self.shown_for is self.valuation else ())
