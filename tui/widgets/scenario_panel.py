"""Scenario shocks: spot shift, vol scale and days forward, and the scenario results table.

The active shock drives the payoff chart and the curve overlay. Typing a valid value
applies it at once; picking a row of the table (enter) makes that scenario active, and
``<`` / ``>`` (anywhere) apply the previous / next row. The rows are the whole scenario
set of ``valuation.scenarios``: the sizing's stress (tag S), the historical library
(H, replays of real episodes) and the parametric presets (P). The best and worst net
P&L are marked ▲ / ▼ (not by colour alone). The detail line explains the cursor row;
``i`` opens its full notes (the episode's window, moves, sources).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input, Label, Static

from ..core.scenario_inputs import DEFAULTS, FIELDS, UNFINISHED, ScenarioInputError, field_errors, parse_scenario_inputs, scenario_params, scenario_texts, shows
from ..core.scenarios import NO_SCENARIO, Scenario, ScenarioResult
from ..format import num, pct, usd, usd_short
from .grid_table import GridColumn, GridRow, GridTable
from .scenario_text import BEST, KIND_TAGS, WORST, best_worst, scenario_detail, scenario_one_liner, short_name  # noqa: F401  (re-exported)
from .util import plain, set_border_subtitle, set_border_title

if TYPE_CHECKING:
    from ..core.valuation import Valuation  # (imported with the first reprice, after the first frame)

FIELD_IDS = {"shift": "#scenario-shift", "vol": "#scenario-vol", "days": "#scenario-days"}
TYPING_HINT = "typing a shock · enter applies · esc back to the layers"

# (key, label, width) for wide and compact tables. The name cell is "▶" (active) or a
# space, the kind tag (S/H/P), a space and the short name; net carries ▲ (best) / ▼ (worst).
WIDE = (("name", "  scenario", 19), ("hedge", "hedge", 8), ("exposure", "exposure", 10), ("net", "net", 10), ("cover", "cover", 6), ("vix", "VIX", 6))
COMPACT = (("name", "  scenario", 12), ("hedge", "hedge", 6), ("exposure", "expos", 7), ("net", "net", 8), ("cover", "cover", 5))
COMPACT_BELOW = 64  # pane width (cells) under which the compact table is used

LEGEND = "S stress · H historical · P parametric · ▲best ▼worst net"
LEGEND_SHORT = "S/H/P kind · ▲best ▼worst net"

def result_scenario(result: ScenarioResult) -> Scenario:
    """The shock behind a row of the scenario table (carried by the result itself)."""
    if result.scenario is not None:
        return result.scenario
    return Scenario(result.name, spot_level=result.target_spot, kind=result.kind)


class DetailLines(Static):
    """The detail line(s): a Static whose update repaints only the lines that changed.

    A reprice changes one figure of the cursor row's detail (the hedge's P&L), but a
    Static repaints all its lines (seven on a wide, tall screen), and every repainted line
    costs the compositor a full-width line of the frame. Drawing is Static's own (the CSS
    wrap and ellipsis apply), so the screen is exactly what a full repaint shows.
    (Uses Widget._render_content / _render_cache / _dirty_regions: textual is pinned.)
    """

    _holding = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if self._holding:  # the new content is drawn by update_lines: forget the old one only
            self._layout_cache.clear()
            self.clear_cached_dimensions()
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def update_lines(self, content: Text) -> None:
        size = self.size
        cache = self._render_cache
        if not self.is_mounted or not size.area or self._dirty_regions or cache.size != size:
            self.update(content, layout=False)  # nothing drawn to compare with: all of it
            return
        old = cache.lines
        self._holding = True
        try:
            self.update(content, layout=False)
        finally:
            self._holding = False
        self._render_content()  # the new lines, drawn now as Static draws them
        new = self._render_cache.lines
        changed = [y for y in range(max(len(old), len(new))) if y >= len(old) or y >= len(new) or not _same(old[y], new[y])]
        if changed:
            super().refresh(*[Region(0, y, size.width, 1) for y in changed])
            self._dirty_regions.clear()  # (the content is drawn already: no second render)


def _same(a: Strip, b: Strip) -> bool:
    return a.cell_length == b.cell_length and list(a) == list(b)


class ScenarioInput(Input):
    """A shock input: esc puts back the active shock's value and returns to the layers."""

    BINDINGS = [Binding("escape", "leave", "Leave field")]  # shown: digits type here, esc gets out

    def __init__(self, value: str, classes: str = "", **kwargs) -> None:
        # Compact, and with the class Input's validation gives a value it accepts (there are
        # no validators), from birth: Input's own start added each class with a restyle of
        # the field before the first frame (about 5 ms a field at start-up).
        super().__init__(value, classes=f"-valid {classes}".strip(), **kwargs)
        self.set_reactive(Input.compact, True)
        self.add_class("-textual-compact", update=False)

    def action_leave(self) -> None:
        panel = next((a for a in self.ancestors if isinstance(a, ScenarioPanel)), None)
        if panel is not None:
            panel.leave_inputs()


class ScenarioPanel(Vertical):
    """The scenario inputs, the scenario table and the cursor row's detail line."""

    @dataclass
    class Chosen(Message):
        """The user chose the active scenario (typed fields, a picked row); the App applies it."""

        scenario: Scenario

    @dataclass
    class InfoRequested(Message):
        """``i``: show scenario row ``index`` of ``valuation`` in full (the App opens the notes)."""

        valuation: Valuation
        index: int

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.valuation: Valuation | None = None
        self.compact = True
        self._detail_text = ""
        self.input_error = ""  # why a typed value is not applied ("" when none is)
        self.best = self.worst = -1
        set_border_title(self, "Scenarios")

    def compose(self) -> ComposeResult:
        with Horizontal(id="scenario-inputs"):
            yield Label("VIX±", classes="scenario-label")
            # No restrict=: a character it would drop silently ("-5" days shown as "5", "1e6"
            # as "16") is kept and refused with a reason instead.
            yield ScenarioInput("0", id="scenario-shift", select_on_focus=True, max_length=12)
            yield Label("vol×", classes="scenario-label")
            yield ScenarioInput("1", id="scenario-vol", select_on_focus=True, max_length=12)
            yield Label("days", classes="scenario-label")
            yield ScenarioInput("0", id="scenario-days", select_on_focus=True, max_length=12)
        yield GridTable(id="scenario-table", cursor_type="row")
        yield DetailLines(id="scenario-detail")

    def on_mount(self) -> None:
        self._columns(compact=True)
        self._legend()

    @property
    def table(self) -> GridTable:
        return self.query_one("#scenario-table", GridTable)

    def _legend(self) -> None:
        if self.input_error:
            set_border_subtitle(self, self.input_error)
            return
        if any(f.has_focus for f in self._fields()):
            set_border_subtitle(self, TYPING_HINT)
            return
        width = self.size.width - 4
        set_border_subtitle(self, LEGEND if width <= 0 or len(LEGEND) <= width else LEGEND_SHORT)

    def _fields(self) -> list[Input]:
        return [self.query_one(FIELD_IDS[f], Input) for f in FIELDS]

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
        self._legend()
        self._detail(force=True)

    # -- rendering ----------------------------------------------------------
    def show(self, valuation: Valuation) -> None:
        before = self.valuation
        self.valuation = valuation
        # The cursor rides on the active scenario when that changes, or while the table is
        # not browsed: rows come and go (a custom shock's own row), so an index does not.
        self._fill(valuation, follow_active=before is None or before.scenario.name != valuation.scenario.name or not self.table.has_focus)
        scenario = valuation.scenario
        set_border_title(self, "Scenarios · " + ("today (no shock)" if scenario == NO_SCENARIO else f"active: {scenario.name}"))
        self._sync_inputs(scenario, valuation.market.vix_spot)

    def _sync_inputs(self, scenario: Scenario, spot: float, force: bool = False) -> None:
        """Show the active shock in the fields (leaving alone the one being typed in)."""
        texts = scenario_texts(scenario, spot)
        for field, text in zip(self._fields(), texts, strict=True):
            if field.has_focus and not force:
                continue
            if field.value != text:
                field.value = text
            field.remove_class("-not-applied")

    def active_row(self) -> int | None:
        v = self.valuation
        if v is None:
            return None
        return next((i for i, r in enumerate(v.scenarios) if r.name == v.scenario.name), None)

    def _fill(self, valuation: Valuation, follow_active: bool = False) -> None:
        money = usd_short if self.compact else usd
        active = valuation.scenario.name
        self.best, self.worst = best_worst(valuation.scenarios)
        rows = []
        for i, r in enumerate(valuation.scenarios):
            mark = BEST if i == self.best else (WORST if i == self.worst else " ")
            cells = [
                ("▶" if r.name == active else " ") + KIND_TAGS.get(r.kind, "?") + " " + short_name(r, wide=not self.compact),
                money(r.hedge_pnl_usd),
                money(r.exposure_pnl_usd),
                money(r.net_pnl_usd) + mark,
                pct(r.coverage, 0) if self.compact else pct(r.coverage),
            ]
            if not self.compact:
                cells.append(num(r.target_spot, ".1f"))
            rows.append(GridRow(f"S{i}", tuple(cells), "active" if r.name == active else ""))
        self.table.set_rows(rows)
        if follow_active:  # (before the detail line is made: it tells of the cursor row)
            row = next((i for i, r in enumerate(valuation.scenarios) if r.name == active), None)
            if row is not None:
                self.table.move_cursor(row)
        self._detail()

    def detail_lines(self) -> list[str]:
        """The cursor row explained (what the detail line shows on a tall screen)."""
        v = self.valuation
        if v is None or not v.scenarios:
            return []
        return scenario_detail(v, min(self.table.cursor_row, len(v.scenarios) - 1))

    def _detail(self, force: bool = False) -> None:
        """The cursor row in full: three lines on tall screens, one on short ones."""
        v = self.valuation
        if v is None or not v.scenarios:
            return
        row = min(self.table.cursor_row, len(v.scenarios) - 1)
        if self.screen.has_class("-tall"):
            text = "\n".join(scenario_detail(v, row))
        else:
            text = scenario_one_liner(v, row)
        if self.input_error:  # a typed value is not applied: say so where there is room
            text = self.input_error
        if text != self._detail_text or force:
            self._detail_text = text
            detail = self.query_one("#scenario-detail", DetailLines)
            detail.set_class(bool(self.input_error), "-error")
            detail.update_lines(plain(text))

    @on(GridTable.Moved, "#scenario-table")
    def _moved(self, event: GridTable.Moved) -> None:
        event.stop()
        self._detail()

    def step(self, direction: int) -> Scenario | None:
        """The previous / next scenario of the table (from the active one, else from the
        top or the bottom); the cursor follows. The App applies it at once (synchronously,
        so that a quick ``> > >`` walks the rows instead of re-reading a stale valuation)."""
        v = self.valuation
        if v is None or not v.scenarios:
            return None
        here = self.active_row()
        if here is None:
            row = 0 if direction > 0 else len(v.scenarios) - 1
        else:
            row = (here + direction) % len(v.scenarios)
        self.table.move_cursor(row)
        if self.input_error:  # (no field is marked otherwise: nothing to clear, nor to redraw)
            self._mark({})
        return result_scenario(v.scenarios[row])

    def action_info(self) -> None:
        """``i``: the cursor row's notes (the active scenario's when the table is not focused)."""
        v = self.valuation
        if v is None or not v.scenarios or self.screen is not self.app.screen:
            return
        if not self.table.has_focus and self.active_row() is not None:
            self.table.move_cursor(self.active_row())
        self.post_message(self.InfoRequested(v, min(self.table.cursor_row, len(v.scenarios) - 1)))

    # -- input ------------------------------------------------------------------
    def _mark(self, errors: dict[str, ScenarioInputError]) -> None:
        """Mark the fields whose text is not applied, and say why (first wrong field)."""
        for name, field in zip(FIELDS, self._fields(), strict=True):
            field.set_class(name in errors, "-not-applied")
        self.input_error = str(next(iter(errors.values()))) if errors else ""
        self.set_class(bool(errors), "-error")
        self._legend()
        self._detail()

    def _restore_fields(self, which=FIELDS) -> None:
        """Put the value in force back into these fields (text that was not applied)."""
        v = self.valuation
        if v is None:
            return
        texts = dict(zip(FIELDS, scenario_texts(v.scenario, v.market.vix_spot), strict=True))
        for name in which:
            field = self.query_one(FIELD_IDS[name], Input)
            field.value = texts[name]
            field.remove_class("-not-applied")

    def leave_inputs(self) -> None:
        """esc: keep what was typed if it is valid (typing applies as you go), otherwise put
        back the active shock's values; then return to the layer table."""
        v = self.valuation
        if v is not None:
            spot = v.market.vix_spot
            values = [f.value for f in self._fields()]
            bad = field_errors(values, spot)
            unfinished = [name for name, x in zip(FIELDS, values, strict=True) if x.strip() in UNFINISHED[1:]]
            self._restore_fields([*bad, *unfinished])
            if not bad and not unfinished:
                self._choose(values, v)
        table = self.app.query("#layer-table")
        if table:
            table.first().focus()
        self._mark({})

    @on(Input.Changed, "#scenario-inputs Input")
    @on(Input.Submitted, "#scenario-inputs Input")
    def _typed(self, event: Input.Changed | Input.Submitted) -> None:
        event.stop()
        v = self.valuation
        if v is None:
            return
        spot = v.market.vix_spot
        fields = self._fields()
        submitted = isinstance(event, Input.Submitted)
        if submitted:  # enter on an emptied field: its default (0, 1, 0)
            for name, f in zip(FIELDS, fields, strict=True):
                if not f.value.strip():
                    f.value = DEFAULTS[name]
        values = [f.value.strip() for f in fields]
        unfinished = [name for name, x in zip(FIELDS, values, strict=True) if x in UNFINISHED]
        errors = field_errors(values, spot)
        if not submitted:  # "-" or "" while typing is not an error yet
            errors = {k: e for k, e in errors.items() if k not in unfinished}
        self._mark(errors)
        if not errors and not unfinished:
            self._choose(values, v)

    def _choose(self, values: list[str], v: Valuation) -> None:
        """Make the typed values (all valid) the active shock, unless the fields show it
        already (a picked preset, or the same shock written another way)."""
        spot = v.market.vix_spot
        scenario = parse_scenario_inputs(values[0], values[1], values[2], spot)
        if not shows(values, v.scenario, spot) and scenario_params(scenario, spot) != scenario_params(v.scenario, spot):
            self.post_message(self.Chosen(scenario))

    @on(Input.Blurred, "#scenario-inputs Input")
    def _left_field(self, event: Input.Blurred) -> None:
        """A field left with text that is not applied gets the value in force back."""
        name = next(n for n, i in FIELD_IDS.items() if i == "#" + (event.input.id or ""))
        if event.input.has_class("-not-applied") or event.input.value.strip() in UNFINISHED:
            self._restore_fields([name])
            v = self.valuation
            values = [f.value for f in self._fields()]
            self._mark(field_errors(values, v.market.vix_spot) if v is not None else {})
        else:
            self._legend()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._legend()  # the typing hint while a field has focus

    @on(GridTable.Selected, "#scenario-table")
    def _picked(self, event: GridTable.Selected) -> None:
        event.stop()
        self._apply_row(event.row, toggle=True)

    def _apply_row(self, row: int, toggle: bool) -> None:
        v = self.valuation
        if v is None or not 0 <= row < len(v.scenarios):
            return
        scenario = result_scenario(v.scenarios[row])
        if toggle and scenario.name == v.scenario.name:
            scenario = NO_SCENARIO  # picking the active scenario again turns it off
        self._restore_fields(self.input_error and FIELDS or ())
        self._mark({})
        self.post_message(self.Chosen(scenario))
