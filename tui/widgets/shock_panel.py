"""Scenario shocks: spot shift, vol scale and days forward, and the scenario results table.

The active shock drives the payoff chart and the curve overlay. Typing a valid value
applies it at once; picking a row of the table (enter) makes that scenario active.
The rows come from ``valuation.scenarios``, so a longer scenario library (historical
episodes) shows up here without changes.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ..core.scenarios import NO_SHOCK, PRESETS, ScenarioResult, Shock
from ..core.valuation import Valuation
from ..format import num, pct, usd, usd_short
from ..messages import ShockChosen
from .grid_table import GridColumn, GridRow, GridTable
from .util import set_border_subtitle, set_border_title

CUSTOM = "custom"
MAX_DAYS = 3650
MAX_VOL_SCALE = 10.0

# (key, label, width) for wide and compact tables.
WIDE = (("name", "scenario", 16), ("hedge", "hedge", 9), ("exposure", "exposure", 10), ("net", "net", 10), ("cover", "cover", 6), ("vix", "VIX", 6))
COMPACT = (("name", "scenario", 11), ("hedge", "hedge", 6), ("exposure", "expos", 7), ("net", "net", 7), ("cover", "cover", 5))
COMPACT_BELOW = 62  # pane width (cells) under which the compact table is used


def shock_params(shock: Shock, spot: float) -> tuple[float, float, int]:
    """(spot shift in points, vol scale, days forward) of a shock at this spot."""
    return (round(shock.target_spot(spot) - spot, 4), shock.vol_scale, shock.days_forward)


def parse_shock_inputs(shift: str, vol: str, days: str, spot: float) -> tuple[Shock | None, str]:
    """A custom shock from the three inputs, or (None, message)."""
    try:
        s = float(shift.strip() or "0")
    except ValueError:
        return None, f"VIX shift: {shift.strip()!r} is not a number of points"
    try:
        v = float(vol.strip() or "1")
    except ValueError:
        return None, f"vol scale: {vol.strip()!r} is not a number"
    try:
        d_float = float(days.strip() or "0")
    except ValueError:
        return None, f"days: {days.strip()!r} is not a number"
    if not (math.isfinite(s) and math.isfinite(v) and math.isfinite(d_float)):
        return None, "shock values must be finite numbers"
    if spot + s <= 0.0:
        return None, f"VIX shift: {s:+g} would take the VIX ({spot:g}) to zero or below"
    if s > 500:
        return None, "VIX shift: at most +500 points"
    if not 0.0 < v <= MAX_VOL_SCALE:
        return None, f"vol scale: must be above 0 and at most {MAX_VOL_SCALE:g}"
    if not d_float.is_integer() or not 0 <= d_float <= MAX_DAYS:
        return None, f"days: a whole number from 0 to {MAX_DAYS}"
    d = int(d_float)
    if s == 0.0 and v == 1.0 and d == 0:
        return NO_SHOCK, ""
    return Shock(CUSTOM, spot_shift=s, vol_scale=v, days_forward=d), ""


def shock_for(result: ScenarioResult, custom: Shock | None) -> Shock:
    """The Shock behind a row of the scenario table."""
    if result.name == CUSTOM and custom is not None:
        return custom
    for s in PRESETS:
        if s.name == result.name:
            return s
    return Shock(result.name, spot_level=result.target_spot, kind=result.kind)


class ShockInput(Input):
    """A shock input: esc puts back the active shock's value and returns to the layers."""

    BINDINGS = [Binding("escape", "leave", "Back", show=False)]

    def action_leave(self) -> None:
        panel = next((a for a in self.ancestors if isinstance(a, ShockPanel)), None)
        if panel is not None:
            panel.leave_inputs()


class ShockPanel(Vertical):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.valuation: Valuation | None = None
        self.compact = True
        self._detail_text = ""
        set_border_title(self, "Scenarios")

    def compose(self) -> ComposeResult:
        with Horizontal(id="shock-inputs"):
            yield Label("VIX±", classes="shock-label")
            yield ShockInput("0", id="shock-shift", compact=True, select_on_focus=True, restrict=r"[-+0-9.]*")
            yield Label("vol×", classes="shock-label")
            yield ShockInput("1", id="shock-vol", compact=True, select_on_focus=True, restrict=r"[0-9.]*")
            yield Label("days", classes="shock-label")
            yield ShockInput("0", id="shock-days", compact=True, select_on_focus=True, restrict=r"[0-9]*")
        yield GridTable(id="scenario-table", cursor_type="row")
        yield Static(id="scenario-detail")

    def on_mount(self) -> None:
        self._columns(compact=True)

    @property
    def table(self) -> GridTable:
        return self.query_one("#scenario-table", GridTable)

    def _columns(self, compact: bool) -> None:
        table = self.table
        table.padding = 0  # numbers carry one leading space instead: more columns fit
        spec = COMPACT if compact else WIDE
        table.set_columns(
            [GridColumn(key, label if key == "name" else " " + label, width + (0 if key == "name" else 1), key != "name") for key, label, width in spec]
        )
        self.compact = compact

    def on_resize(self) -> None:
        compact = self.content_size.width < COMPACT_BELOW
        if compact != self.compact:
            self._columns(compact)
            if self.valuation is not None:
                self._fill(self.valuation)

    # -- rendering ----------------------------------------------------------
    def show(self, valuation: Valuation) -> None:
        self.valuation = valuation
        self._fill(valuation)
        shock = valuation.shock
        set_border_title(self, "Scenarios · " + ("today (no shock)" if shock == NO_SHOCK else f"active: {shock.name}"))
        self._sync_inputs(shock, valuation.market.vix_spot)

    def _sync_inputs(self, shock: Shock, spot: float, force: bool = False) -> None:
        """Show the active shock in the inputs (leaving alone the one being typed in)."""
        shift, vol, days = shock_params(shock, spot)
        wanted = (
            ("#shock-shift", shift, f"{shift:+g}" if shift else "0"),
            ("#shock-vol", vol, f"{vol:g}"),
            ("#shock-days", days, str(days)),
        )
        for field_id, value, text in wanted:
            field = self.query_one(field_id, Input)
            if field.has_focus and not force:
                continue
            try:
                current = float(field.value)
            except ValueError:
                current = None
            if current is None or abs(current - value) > 1e-9:
                field.value = text

    def _fill(self, valuation: Valuation) -> None:
        money = usd_short if self.compact else usd
        active = valuation.shock.name
        rows = []
        for i, r in enumerate(valuation.scenarios):
            cells = [
                ("▶" if r.name == active else " ") + r.name,
                money(r.hedge_pnl_usd),
                money(r.exposure_pnl_usd),
                money(r.net_pnl_usd),
                pct(r.coverage, 0) if self.compact else pct(r.coverage),
            ]
            if not self.compact:
                cells.append(num(r.target_spot, ".1f"))
            rows.append(GridRow(f"S{i}", tuple(cells), "active" if r.name == active else ""))
        self.table.set_rows(rows)
        self._detail()

    def _detail(self) -> None:
        """The cursor row in full: what the scenario is and its figures (tall screens)."""
        v = self.valuation
        row = self.table.cursor_row
        if v is None or not v.scenarios:
            return
        r = v.scenarios[min(row, len(v.scenarios) - 1)]
        text = (
            f"{r.name}: {r.description} (VIX {num(r.target_spot, '.2f')})\n"
            f"hedge {usd(r.hedge_pnl_usd)} · exposure {usd(r.exposure_pnl_usd)} · net {usd(r.net_pnl_usd)} · "
            f"coverage {pct(r.coverage)} · enter: make active"
        )
        if text != self._detail_text:
            self._detail_text = text
            self.query_one("#scenario-detail", Static).update(text, layout=False)

    @on(GridTable.Moved, "#scenario-table")
    def _moved(self, event: GridTable.Moved) -> None:
        event.stop()
        self._detail()

    # -- input ------------------------------------------------------------------
    def leave_inputs(self) -> None:
        """esc: keep what was typed if it is valid (typing applies as you go), otherwise put
        back the active shock's values; then return to the layer table."""
        set_border_subtitle(self, "")
        self.remove_class("-error")
        v = self.valuation
        if v is not None:
            spot = v.market.vix_spot
            values = [self.query_one(i, Input).value for i in ("#shock-shift", "#shock-vol", "#shock-days")]
            shock, _ = parse_shock_inputs(*values, spot) if all(x.strip() for x in values) else (None, "")
            if shock is not None and shock_params(shock, spot) != shock_params(v.shock, spot):
                self.app.post_message(ShockChosen(shock))
            elif shock is None:
                self._sync_inputs(v.shock, spot, force=True)
        table = self.app.query("#layer-table")
        if table:
            table.first().focus()

    def _current_custom(self) -> Shock | None:
        v = self.valuation
        return v.shock if v is not None and v.shock.name == CUSTOM else None

    @on(Input.Changed, "#shock-inputs Input")
    @on(Input.Submitted, "#shock-inputs Input")
    def _typed(self, event: Input.Changed | Input.Submitted) -> None:
        event.stop()
        v = self.valuation
        if v is None:
            return
        spot = v.market.vix_spot
        fields = [self.query_one(i, Input) for i in ("#shock-shift", "#shock-vol", "#shock-days")]
        values = [f.value.strip() for f in fields]
        submitted = isinstance(event, Input.Submitted)
        if any(x in ("", "-", "+", ".", "-.", "+.") for x in values):
            if not submitted:
                return  # still typing
            defaults = ("0", "1", "0")
            for f, x, d in zip(fields, values, defaults):
                if x == "":
                    f.value = d
            values = [x or d for x, d in zip(values, defaults)]
        shock, message = parse_shock_inputs(*values, spot)
        if shock is None:
            set_border_subtitle(self, message)
            self.add_class("-error")
            return
        set_border_subtitle(self, "")
        self.remove_class("-error")
        if shock_params(shock, spot) == shock_params(v.shock, spot):
            return  # the inputs already show the active shock (e.g. a picked preset)
        self.app.post_message(ShockChosen(shock))

    @on(GridTable.Selected, "#scenario-table")
    def _picked(self, event: GridTable.Selected) -> None:
        event.stop()
        v = self.valuation
        if v is None:
            return
        result = v.scenarios[event.row]
        shock = shock_for(result, self._current_custom())
        if shock.name == v.shock.name:
            shock = NO_SHOCK  # picking the active scenario again turns it off
        set_border_subtitle(self, "")
        self.remove_class("-error")
        self.app.post_message(ShockChosen(shock))
