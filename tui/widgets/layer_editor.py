"""The layer editor: a cell-cursor table of the layers with an inline input for editing.

Keyboard only: arrows move, enter (or F2) edits the cell in a one-line input docked at
the bottom of the pane (enter applies, esc cancels), +/- nudge the cell, and single
keys add, copy, delete, apply the 4/4/2 preset, renormalise and switch sizing. A bad
value is refused with a message and nothing changes. Every change is computed by the
pure functions of tui.core.edits and posted as a LayerEditor.PlanEdited message (the App
applies it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from ..core import edits
from ..core.edits import EditError
from ..core.plan import Plan, parse_strike
from ..format import num, pct, usd, usd_short
from .grid_table import GridColumn, GridRow, GridTable
from .util import plain, set_border_subtitle

if TYPE_CHECKING:
    from ..core.valuation import Valuation  # (imported with the first reprice, after the first frame)

COLUMNS = (
    GridColumn("name", "layer", 7, right=False),
    GridColumn("weight", "wt", 5),
    GridColumn("expiry", "expiry", 8, right=False),
    GridColumn("dte", "dte", 3),
    GridColumn("strike", "strike", 7),
    GridColumn("future", "fut", 5),
    GridColumn("vol", "vol", 4),
    GridColumn("price", "price", 6),
    GridColumn("contracts", "cts", 6),
    GridColumn("premium", "premium", 7),
    GridColumn("delta", "delta", 7),
    GridColumn("vega", "vega", 7),
    GridColumn("theta", "theta/d", 7),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
# With room to spare (a wide terminal), money and greek columns get room for large plans'
# totals (-$428.1k, $12.35M) instead of ending in "…".
WIDE_EXTRA = {"name": 3, "premium": 3, "delta": 3, "vega": 3, "theta": 3, "contracts": 2}
WIDE_FROM = sum(c.width + 2 for c in COLUMNS) + sum(WIDE_EXTRA.values())
TOTAL_ROW = "total"
LABELS = {
    "name": "name",
    "weight": "weight",
    "expiry": "expiry",
    "dte": "days to expiry",
    "strike": "strike",
    "future": "future",
    "vol": "implied vol",
    "price": "price",
    "contracts": "contracts",
    "premium": "premium",
    "delta": "delta",
    "vega": "vega",
    "theta": "theta",
    "mkt": "market price",
}
# Shown after the model price only while the app holds option quotes (a loaded chain):
# the market's price of the layer's call (same expiry and strike) and model - market.
MKT_COLUMN = GridColumn("mkt", "mkt  diff", 11)


def with_market_cells(rows: list[tuple[str, list[str]]], v: Valuation, quotes: dict) -> list[tuple[str, list[str]]]:
    """``rows`` of :func:`layer_cells` with the mkt column inserted after the price."""
    at = COLUMN_KEYS.index("price") + 1
    out = []
    for i, (key, cells) in enumerate(rows):
        text = ""
        if i < len(v.layers):
            lv = v.layers[i]
            mkt = quotes.get((lv.expiry, lv.strike))
            if mkt is not None:
                text = f"{mkt:.2f} {lv.price - mkt:+.2f}"
        out.append((key, cells[:at] + [text] + cells[at:]))
    return out


def fmt_expiry(spec, expiry: date) -> str:
    if isinstance(spec, date):
        return f"{expiry:%y-%m-%d}"
    return f"{spec} {expiry:%b%d}"


def fmt_strike(spec, strike: float) -> str:
    kind, value = parse_strike(spec)
    k = f"{strike:g}"
    if kind == "abs":
        return k
    if kind == "atm":
        return f"ATM {k}"
    return f"{value * 100:+g}% {k}"


def spread_strikes(lv) -> str:
    """A financed layer's strikes: long/short, a ratio as 2x (e.g. "32/2x48"), a long leg as +."""
    parts = [f"{lv.strike:g}"]
    for g in lv.legs:
        ratio = "" if g.ratio == 1 else f"{g.ratio:g}x"
        parts.append(("+" if g.side == "long" else "") + ratio + f"{g.strike:g}")
    return "/".join(parts)


PENDING = "·"  # a figure not priced yet (the first frame comes before numpy loads)


def preview_cells(plan: Plan) -> list[tuple[str, list[str]]]:
    """The rows of :func:`layer_cells` from the plan alone, before its first valuation: the
    plan's own text (name, weight, expiry, a fixed strike), a quiet mark for every figure,
    in the same cells, so that nothing moves when the figures arrive."""
    from ..core.months import months_past_curve
    from ..core.plan import parse_month, resolve_expiry

    market = plan.market
    weights, weight_total = edits.weight_texts([layer.weight for layer in plan.layers])
    figures = [PENDING] * (len(COLUMNS) - 5)
    rows: list[tuple[str, list[str]]] = []
    for i, layer in enumerate(plan.layers):
        expiry_text, dte = f"{layer.expiry}", PENDING
        n = parse_month(layer.expiry) if isinstance(layer.expiry, str) else None
        if isinstance(layer.expiry, date) or (n is not None and months_past_curve(n, market) <= 0):
            # (a month past the curve needs the holiday calendar: it waits for the figures)
            expiry = resolve_expiry(layer.expiry, market)
            expiry_text, dte = fmt_expiry(layer.expiry, expiry), str(market.dte(expiry))
        kind, value = parse_strike(layer.strike)
        strike = f"{value:g}" if kind == "abs" and not layer.legs else PENDING
        rows.append((f"L{i}", [layer.name, weights[i], expiry_text, dte, strike, *figures]))
    rows.append((TOTAL_ROW, ["total", weight_total, "", "", "", "", "", "", *[PENDING] * 5]))
    return rows


def layer_cells(plan: Plan, v: Valuation) -> list[tuple[str, list[str]]]:
    """The table's rows as plain strings: one per layer, then the totals row."""
    rows: list[tuple[str, list[str]]] = []
    weights, weight_total = edits.weight_texts([layer.weight for layer in plan.layers])
    for i, (layer, lv) in enumerate(zip(plan.layers, v.layers, strict=True)):
        rows.append(
            (
                f"L{i}",
                [
                    layer.name,
                    weights[i],
                    fmt_expiry(layer.expiry, lv.expiry),
                    str(lv.dte),
                    (spread_strikes(lv) + ("!" if lv.uncovered else "")) if lv.legs else fmt_strike(layer.strike, lv.strike),
                    num(lv.future, ".2f" if lv.future < 100 else ".1f"),
                    f"{num(lv.vol * 100, '.0f')}%",
                    num(lv.price, ".3f"),  # one precision down the column
                    f"{lv.contracts:,}",
                    usd(lv.net_usd),
                    num(lv.delta, ".3f"),
                    num(lv.vega, ".3f"),
                    num(lv.theta, ".3f"),
                ],
            )
        )
    t = v.totals
    rows.append(
        (
            TOTAL_ROW,
            [
                "total",
                weight_total,
                "",
                "",
                "",
                "",
                "",
                "",
                f"{t.contracts:,}",
                usd(t.premium_usd),
                usd(t.delta_usd),
                usd(t.vega_usd),
                usd(t.theta_usd),
            ],
        )
    )
    return rows


def sizing_lines(v: Valuation) -> list[str]:
    """The sizing in one line, longest first: the caller shows the first that fits."""
    s = v.sizing
    target = v.plan.exposure.coverage_target
    if s.mode == "budget":
        head, head_short = f"budget {usd(s.budget_usd or 0.0)}", f"budget {usd_short(s.budget_usd or 0.0)}"
        if s.leftover_usd is not None:
            head += f" (unspent {usd(s.leftover_usd)})"
    elif s.mode == "coverage":
        head = head_short = f"coverage {pct(target, 0)} of {'VaR' if s.target_basis == 'VaR' else 'the stress loss'}"
    else:
        head = head_short = "fixed contracts"
    fit = ""
    if s.mode == "coverage":
        fit = " ✓" if s.target_reached and abs(s.achieved_usd - s.target_usd) <= s.tolerance_usd + 1e-6 else " ✗"
    # Both shares: of the target (how far along the sizing is) and of VaR (the hedge's size).
    of_target = pct(s.achieved_of_target)
    gross = sum(lv.premium_usd for lv in v.layers)
    if any(lv.legs for lv in v.layers) and gross > 0:
        share = pct(1.0 - v.totals.premium_usd / gross, 0)
        head, head_short = f"{head} · {share} financed", f"{head_short} · fin {share}"
    return [
        f"{head} · VaR {usd(v.var_usd)} · stress gain {usd(s.achieved_usd)}{fit} vs target {usd(s.target_usd)}"
        f" ({of_target} of target, {pct(s.achieved_coverage)} of VaR) · v: details",
        f"{head_short} · VaR {usd_short(v.var_usd)} · stress gain {usd(s.achieved_usd)}{fit} vs target {usd(s.target_usd)}"
        f" ({of_target} of target, {pct(s.achieved_coverage)} of VaR) · v",
        f"{head_short} · VaR {usd_short(v.var_usd)} · stress {usd_short(s.achieved_usd)}{fit}/{usd_short(s.target_usd)}"
        f" ({of_target} of target, {pct(s.achieved_coverage)} of VaR) · v",
        f"{head_short} · stress {usd_short(s.achieved_usd)}{fit}/{usd_short(s.target_usd)} ({of_target} of target, {pct(s.achieved_coverage)} VaR)",
        f"{head_short} · stress {usd_short(s.achieved_usd)}{fit}/{usd_short(s.target_usd)} ({of_target} of target)",
    ]


def sizing_line(v: Valuation, width: int = 200) -> str:
    lines = sizing_lines(v)
    return next((line for line in lines if len(line) <= width), lines[-1])


class LayerTable(GridTable):
    """The layers with a cell cursor (rows L0..Ln and 'total')."""

    BINDINGS = [Binding("f2", "select", "Edit", show=False)]


class CellInput(Input):
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def action_cancel(self) -> None:
        editor = next((a for a in self.ancestors if isinstance(a, LayerEditor)), None)
        if editor is not None:
            editor.cancel_edit()


class LayerEditor(Vertical):
    """Render only from the Valuation given to :meth:`show`; edits go out as PlanEdited."""

    @dataclass
    class PlanEdited(Message):
        """The user turned ``base`` into ``plan`` (already validated by tui.core.edits).

        The App applies it only if ``base`` is still its current plan, so an edit made
        against a stale valuation can never overwrite a newer one.
        """

        base: Plan
        plan: Plan
        label: str
        cursor: tuple[int, int] | None = None  # (row, column) for the layer table afterwards

    BINDINGS = [
        Binding("plus,equals_sign", "nudge(1)", "Nudge", key_display="+/-"),
        Binding("minus", "nudge(-1)", "Nudge down", show=False),
        Binding("a", "add", "Add"),
        Binding("c", "duplicate", "Copy"),
        Binding("x,delete", "delete", "Del"),
        Binding("p", "preset", "4/4/2"),
        Binding("P", "preset_financed", "4/4/2 financed", show=False),
        Binding("f", "finance", "Finance", show=False),
        Binding("n", "normalise", "Normalise", show=False),
        Binding("m", "sizing", "Sizing", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.valuation: Valuation | None = None
        # Edits posted to the app and not yet shown back (oldest first). Keys that arrive in
        # one burst (typed fast, or delivered together by a slow SSH link) are each handled
        # before the app has applied the edit before them: each builds on the last one
        # posted, not on the plan on screen, or all but the first would be dropped as stale.
        self._in_flight: list[Plan] = []
        self.market_quotes: dict[tuple[date, float], float] = {}  # (expiry, strike) -> a call's market price
        self.market_quotes_day: date | None = None  # shown only while the plan is of that day
        self._with_mkt = False
        self.editing: tuple[int, str] | None = None  # (row, column key)
        self._sizing_text = ""
        self.message = ""

    def compose(self) -> ComposeResult:
        yield LayerTable(id="layer-table", cursor_type="cell", frozen=1)  # the layer's name stays in view
        yield Static(id="sizing-line")
        # (the edit row, hidden until a cell is edited, is mounted after the first frame:
        # an Input is the costliest widget to start, see add_edit_row)

    def on_mount(self) -> None:
        self._wide = False
        self._set_columns()

    def add_edit_row(self) -> None:
        """Mount the (hidden) row a cell is edited in, if it is not there yet. The app calls
        this once its first frame is out; an edit begun before then mounts it itself."""
        if not self.query("#edit-row"):
            row = Horizontal(id="edit-row")
            row.display = False
            self.mount(row)
            # (mounted one by one, not passed to Horizontal: children given to a container
            # join the DOM only when it mounts, and an edit begun now queries them at once)
            row.mount(Label("", id="edit-label"), CellInput(id="cell-input", compact=True, select_on_focus=True))

    def _set_columns(self) -> None:
        """The table's columns for the current width and market quotes (one place for both:
        a resize must not drop the mkt column, nor quotes the wide widths); keeps the cursor."""
        columns = [replace(c, width=c.width + WIDE_EXTRA.get(c.key, 0)) if self._wide else c for c in COLUMNS]
        if self._with_mkt:
            columns.insert(COLUMN_KEYS.index("price") + 1, MKT_COLUMN)
        cursor = self.table.cursor
        self.table.set_columns(columns)
        self.table.move_cursor(*cursor)

    @property
    def table(self) -> LayerTable:
        return self.query_one(LayerTable)

    @property
    def plan(self) -> Plan | None:
        """The plan the next edit builds on: the newest one posted, else the one shown."""
        if self._in_flight:
            return self._in_flight[-1]
        return self.valuation.plan if self.valuation else None

    # -- rendering ----------------------------------------------------------
    def show(self, valuation: Valuation) -> None:
        self.valuation = valuation
        shown = next((i for i, p in enumerate(self._in_flight) if p is valuation.plan), None)
        # The app applied our edits up to this one; any other plan (refused, undone, opened)
        # supersedes everything in flight (the app drops those as stale, and says so).
        self._in_flight = [] if shown is None else self._in_flight[shown + 1 :]
        rows = layer_cells(valuation.plan, valuation)
        quotes = self.market_quotes if self.market_quotes_day == valuation.market.as_of else {}
        if bool(quotes) != self._with_mkt:
            self._with_mkt = bool(quotes)
            self._set_columns()
        if self._with_mkt:
            rows = with_market_cells(rows, valuation, quotes)
        self.table.set_rows([GridRow(key, tuple(cells), "total" if key == TOTAL_ROW else "") for key, cells in rows])
        self._show_sizing()

    def preview(self, plan: Plan) -> None:
        """The plan's rows before its first valuation (see :func:`preview_cells`)."""
        self.table.set_rows([GridRow(key, tuple(cells), "total" if key == TOTAL_ROW else "") for key, cells in preview_cells(plan)])
        self.query_one("#sizing-line", Static).update("pricing…", layout=False)

    def _show_sizing(self) -> None:
        if self.valuation is None:
            return
        line = sizing_line(self.valuation, self.content_size.width or 78)
        if line != self._sizing_text:  # a fixed one-row line: repaint it, no layout pass
            self._sizing_text = line
            self.query_one("#sizing-line", Static).update(line, layout=False)

    def on_resize(self) -> None:
        wide = self.content_size.width >= WIDE_FROM
        if wide != self._wide:
            self._wide = wide
            self._set_columns()
        self._show_sizing()

    def cell_value(self, row: int, key: str) -> str:
        """The text shown in a cell (for tests)."""
        return self.table.cell(row, key)

    def say(self, message: str, error: bool = False) -> None:
        self.message = message
        set_border_subtitle(self, message)
        self.set_class(error, "-error")

    # -- cursor helpers ---------------------------------------------------------
    def _cursor(self) -> tuple[int, str]:
        row, col = self.table.cursor
        columns = self.table.columns
        return row, columns[min(col, len(columns) - 1)].key

    def _layer_row(self) -> int | None:
        row, _ = self._cursor()
        if self.plan is None or row >= len(self.plan.layers):
            return None
        return row

    def _layer_row_to(self, what: str) -> int | None:
        """The cursor's layer row; None, and say so, when the cursor is on no layer."""
        row = self._layer_row()
        if row is None:
            self.say(f"put the cursor on a layer to {what} it", error=True)
        return row

    def move_to(self, row: int, column: int | None = None) -> None:
        self.table.move_cursor(row, column)

    def _post(self, plan: Plan, label: str, cursor: tuple[int, int] | None = None, weight_of: int | None = None) -> None:
        base = self.plan
        if base is None:
            return
        if plan == base:
            self.say(f"{label}: no change")
            return
        if weight_of is not None:  # say what the edit did to the other weights, never silently
            note = edits.weight_note(base, plan, weight_of)
            label = f"{label}; {note}" if note else label
        self.say(label)
        self._in_flight.append(plan)
        self.post_message(self.PlanEdited(base, plan, label, cursor))

    def _try(self, fn, label: str, cursor=None, weight_of: int | None = None) -> bool:
        if self.plan is None:
            return False
        try:
            result = fn(self.plan)
        except EditError as error:
            self.say(str(error), error=True)
            return False
        if isinstance(result, tuple):
            result, row = result
            cursor = (row, self.table.cursor_column)
        self._post(result, label, cursor, weight_of)
        return True

    # -- editing ------------------------------------------------------------------
    def action_edit(self) -> None:
        self.start_edit()

    @on(GridTable.Selected, "#layer-table")
    def _cell_selected(self, event: GridTable.Selected) -> None:
        event.stop()
        self.start_edit()

    def start_edit(self) -> bool:
        plan = self.plan
        if plan is None:
            return False
        row, key = self._cursor()
        if row >= len(plan.layers):
            if key == "premium" and plan.sizing.mode == "budget":
                text, prompt = f"{plan.sizing.premium_usd or 0:.0f}", "budget (USD, e.g. 5M)"
            else:
                self.say("totals are computed; on the total row only the premium (budget) can be edited", error=True)
                return False
        elif key in edits.FIELDS:
            if key == "contracts" and plan.sizing.mode != "contracts":
                self.say(f"contracts follow from the {plan.sizing.mode} sizing; press m to size by contracts", error=True)
                return False
            text = edits.cell_text(plan, row, key)
            prompt = f"{LABELS[key]} of {plan.layers[row].name}"
            if key == "strike":
                prompt += " (number, ATM, +x%; / +50% sells a call)"
            elif key == "expiry":
                prompt += f" (M1..M{len(plan.market.live_futures)} or date)"
        else:
            self.say(f"{LABELS[key]} is computed; edit name, weight, expiry, strike or contracts", error=True)
            return False
        self.editing = (row, key)
        self.add_edit_row()
        self.query_one("#edit-label", Label).update(plain(f"{prompt}: "))  # the layer's name
        self.query_one("#sizing-line").display = False
        self.query_one("#edit-row").display = True
        field = self.query_one("#cell-input", CellInput)
        field.value = text
        field.focus()
        self.say("enter applies · esc cancels")
        return True

    def cancel_edit(self) -> None:
        self._end_edit()
        self.say("edit cancelled")

    def _end_edit(self) -> None:
        self.editing = None
        self.query_one("#edit-row").display = False  # (start_edit mounted it)
        self.query_one("#sizing-line").display = True
        self.table.focus()

    @on(Input.Submitted, "#cell-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.editing is None or self.plan is None:
            return
        row, key = self.editing
        plan = self.plan
        try:
            if row >= len(plan.layers):
                new = edits.set_budget(plan, event.value)
                label = f"budget → {usd(new.sizing.premium_usd or 0)}"
            else:
                new = edits.set_cell(plan, row, key, event.value)
                label = f"{LABELS[key]} of {plan.layers[row].name} → {edits.cell_text(new, row, key)}"
        except EditError as error:
            self.say(str(error), error=True)  # keep the input open with the bad text
            return
        self._end_edit()
        self._post(new, label, weight_of=row if key == "weight" and row < len(plan.layers) else None)

    @on(Input.Blurred, "#cell-input")
    def _blurred(self, event: Input.Blurred) -> None:
        if self.editing is not None and not self.app.screen.is_modal:
            self._end_edit()

    # -- single-key actions ---------------------------------------------------
    def action_nudge(self, direction: int) -> None:
        row, key = self._cursor()
        if self.plan is None:
            return
        if row >= len(self.plan.layers):
            self.say("the total row has nothing to nudge", error=True)
            return
        name = self.plan.layers[row].name
        self._try(
            lambda p: edits.nudge(p, row, key, direction),
            f"{LABELS[key]} of {name} {'up' if direction > 0 else 'down'}",
            weight_of=row if key == "weight" else None,
        )

    def action_add(self) -> None:
        row = self._layer_row()
        self._try(lambda p: edits.add_layer(p, row), "added a layer")

    def action_duplicate(self) -> None:
        row = self._layer_row_to("copy")
        if row is None or self.plan is None:  # (no plan: no row either)
            return
        self._try(lambda p: edits.duplicate_layer(p, row), f"copied {self.plan.layers[row].name}")

    def action_delete(self) -> None:
        row = self._layer_row_to("delete")
        if row is None or self.plan is None:  # (no plan: no row either)
            return
        name = self.plan.layers[row].name
        self._try(lambda p: edits.delete_layer(p, row), f"deleted {name} (u undoes)", cursor=(max(row - 1, 0), self.table.cursor_column))

    def action_preset(self) -> None:
        self._try(edits.apply_preset_442, "applied the 4/4/2 preset")

    def action_preset_financed(self) -> None:
        self._try(edits.apply_preset_442_financed, "applied the financed 4/4/2 (near: 1x1 call spread, short +50%)")

    def action_finance(self) -> None:
        row = self._layer_row_to("finance")
        if row is None or self.plan is None:  # (no plan: no row either)
            return
        name = self.plan.layers[row].name
        financed = not self.plan.layers[row].legs
        self._try(
            lambda p: edits.toggle_financing(p, row)[0],
            f"{name}: financed by a short call at +50% (f again removes it)" if financed else f"{name}: financing legs removed",
        )

    def action_normalise(self) -> None:
        self._try(edits.renormalise, "weights renormalised to sum to 1")

    def action_sizing(self) -> None:
        v = self.valuation
        if v is None:
            return
        mode = edits.next_sizing_mode(v.plan.sizing.mode)
        self._try(
            lambda p: edits.set_sizing_mode(p, mode, [lv.contracts for lv in v.layers], v.totals.premium_usd),
            f"sizing by {mode}",
        )
