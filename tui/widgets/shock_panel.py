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

import math

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from ..core.scenarios import NO_SHOCK, PRESETS, ScenarioResult, Shock, library_shocks
from ..core.valuation import Valuation
from ..format import num, pct, usd, usd_short
from ..messages import ShockChosen
from .grid_table import GridColumn, GridRow, GridTable
from .util import plain, set_border_subtitle, set_border_title

CUSTOM = "custom"
MAX_DAYS = 3650
MAX_VOL_SCALE = 10.0

# (key, label, width) for wide and compact tables. The name cell is "▶" (active) or a
# space, the kind tag (S/H/P), a space and the short name; net carries ▲ (best) / ▼ (worst).
WIDE = (("name", "  scenario", 19), ("hedge", "hedge", 8), ("exposure", "exposure", 10), ("net", "net", 10), ("cover", "cover", 6), ("vix", "VIX", 6))
COMPACT = (("name", "  scenario", 12), ("hedge", "hedge", 6), ("exposure", "expos", 7), ("net", "net", 8), ("cover", "cover", 5))
COMPACT_BELOW = 64  # pane width (cells) under which the compact table is used

KIND_TAGS = {"stress": "S", "historical": "H", "parametric": "P"}
KIND_WORDS = {"stress": "stress (the sizing's reference)", "historical": "historical replay", "parametric": "parametric"}
LEGEND = "S stress · H historical · P parametric · ▲best ▼worst net"
LEGEND_SHORT = "S/H/P kind · ▲best ▼worst net"
BEST, WORST = "▲", "▼"

# Short names for the table (the detail line has the full one).
PRESET_SHORT = {"30 days, no move": "+30d flat", "Crypto -30 %, VIX flat": "Expo -30%"}
EPISODE_TAGS = {
    "gfc-2008": "GFC",
    "china-2015": "China",
    "volmageddon-2018": "Volmageddon",
    "covid-2020": "COVID",
    "terra-2022": "Terra",
    "ftx-2022": "FTX",
    "svb-2023": "SVB",
    "yen-carry-2024": "yen carry",
    "tariffs-2025": "tariffs",
}


def short_name(r: ScenarioResult, wide: bool = False) -> str:
    """``Oct 2008`` (compact) / ``Oct 2008 GFC`` (wide) for a replay, ``VaR loss`` for the
    VaR stress, a few presets shortened; otherwise the name itself."""
    if r.kind == "stress" and r.episode_id is None and r.name.startswith("VaR"):
        return "VaR stress" if wide else "VaR loss"
    if r.name in PRESET_SHORT:
        return PRESET_SHORT[r.name]
    if ":" in r.name:
        when, rest = r.name.split(":", 1)
        if not wide:
            return when.strip()
        tag = EPISODE_TAGS.get(r.episode_id or "") or rest.strip().split(" ")[0].rstrip(",")
        return f"{when.strip()} {tag}"
    return r.name


def best_worst(scenarios) -> tuple[int, int]:
    """Row indexes of the best and the worst net P&L (-1 when there are no rows)."""
    nets = [r.net_pnl_usd for r in scenarios]
    if not nets:
        return -1, -1
    return max(range(len(nets)), key=nets.__getitem__), min(range(len(nets)), key=nets.__getitem__)


def library_shock(result: ScenarioResult) -> Shock | None:
    """The library replay behind a historical row (its per-tenor curve moves included)."""
    if result.episode_id is None:
        return None
    try:
        shocks = library_shocks(mode=result.replay or "level")
    except (OSError, ValueError):
        return None
    return next((s for s in shocks if s.episode_id == result.episode_id), None)


def _did_not_help(r: ScenarioResult, spot: float, short: bool = False) -> str:
    """The honest verdict when the exposure lost and the hedge barely paid ("" otherwise)."""
    if r.exposure_pnl_usd >= 0.0:
        return "no loss to cover" if short else "the exposure gains here: nothing to cover"
    if r.coverage is not None and r.coverage < 0.01:
        move = r.target_spot - spot
        if short:
            return f"hedge no help, VIX {move:+.1f} pts"
        why = f"the VIX moved only {move:+.1f} pts" if abs(move) >= 0.05 else "the VIX did not move"
        return f"the hedge did not help ({why})"
    return ""


def scenario_detail(v: Valuation, index: int) -> list[str]:
    """Four lines on scenario row ``index``: what it is, how it moves the market, the
    exposure's return and its basis, and the figures (with the honest verdict first)."""
    r = v.scenarios[index]
    spot = v.market.vix_spot
    best, worst = best_worst(v.scenarios)
    exposure = v.plan.exposure
    replay = library_shock(r) if r.episode_id else None
    if replay is not None:
        days = (r.end - r.start).days if r.start and r.end else r.days_forward
        what = f"{r.name} · {KIND_WORDS['historical'] if r.kind == 'historical' else r.kind} · {r.start}→{r.end} ({days}d)"
        if replay.replay == "level":
            vvix = f" · 30-d ATM vol {replay.vvix_after / 100:.0%} (VVIX)" if replay.vvix_after else ""
            move = f"the market it ended in: VIX {r.target_spot:.2f} · VX curve at its end levels by tenor (never below today's){vvix}"
        else:
            move = (
                f"VIX {replay.spot_shift:+.1f} pts → {r.target_spot:.2f} from today · VX curve moved by tenor as then"
                f" · vol ×{r.vol_scale:.2f} (VVIX) · +{r.days_forward}d"
            )
    elif r.kind == "stress":
        what = f"{r.name} · {KIND_WORDS['stress']}"
        move = r.description
        if v.var is not None and v.var.var_spx_return is not None and r.episode_id is None:
            move += f" · S&P {v.var.var_spx_return:+.1%} = E[S&P | VaR loss], ρ {v.var.correlation:.2f}"
    else:
        what = f"{r.name} · {KIND_WORDS.get(r.kind, r.kind)}"
        move = r.description + ("" if r.days_forward or r.vol_scale != 1.0 else " · VX curve by tenor beta")
    ret = r.exposure_return
    if r.exposure_basis == "btc" and replay is not None and replay.btc_return is not None:
        basis = f"exposure {pct(ret)} = BTC {pct(replay.btc_return)} over the window × BTC β {exposure.btc_beta:g}"
    elif r.exposure_basis == "override":
        basis = f"exposure {pct(ret)}: set by the scenario (no VIX link)"
    elif r.exposure_basis == "var":
        basis = f"exposure {pct(ret)}: a VaR-sized loss"
    elif r.exposure_basis == "spx_episode" and replay is not None and replay.spx_return is not None:
        basis = f"exposure {pct(ret)} = S&P {pct(replay.spx_return)} over the window × β {exposure.beta_spx:g}"
    else:
        ratio = replay.vix_ratio if replay is not None and replay.vix_ratio else r.target_spot / spot
        basis = f"exposure {pct(ret)} = β {exposure.beta_spx:g} × S&P move implied by VIX ×{ratio:.2f} (k {exposure.spx_vix_elasticity:g})"
        if r.kind == "historical" and (replay is None or replay.btc_return is None):
            basis += " · no BTC data then"
    mark = f" · {BEST} best net" if index == best else (f" · {WORST} worst net" if index == worst else "")
    verdict = _did_not_help(r, spot)
    figures = (f"{verdict} · " if verdict else "") + (
        f"cover {pct(r.coverage)} · hedge {usd(r.hedge_pnl_usd)} · net {usd(r.net_pnl_usd)}{mark}"
    )
    return [what, move, basis, figures]


def scenario_one_liner(v: Valuation, index: int) -> str:
    """The detail in one line (short screens): short name, then the verdict or the move."""
    r = v.scenarios[index]
    spot = v.market.vix_spot
    tail = _did_not_help(r, spot, short=True)
    if not tail:
        move = f"VIX {r.target_spot - spot:+.1f} pts" if r.episode_id else r.description
        tail = f"{move}, cover {pct(r.coverage)}"
    return f"{short_name(r, wide=True)}: {tail}"


def shock_texts(shock: Shock, spot: float) -> tuple[str, str, str]:
    """What the three inputs show for ``shock`` (a replay's vol scale is shown rounded)."""
    shift, vol, days = shock_params(shock, spot)
    return (f"{shift:+g}" if shift else "0", f"{vol:g}", str(days))


def same_as_shown(values, shock: Shock, spot: float) -> bool:
    """True when the inputs' ``values`` are what the inputs show for ``shock``, so that a
    picked replay (vol x1.13718...) is not turned into a custom shock by its own display."""
    shown = shock_texts(shock, spot)
    try:
        return all(abs(float(a) - float(b)) < 1e-9 for a, b in zip(values, shown))
    except ValueError:
        return False


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


def shock_for(result: ScenarioResult, custom: Shock | None, stress: Shock | None = None) -> Shock:
    """The Shock behind a row of the scenario table: the custom shock, the sizing's stress,
    a library replay (with its per-tenor curve moves) or a preset."""
    if result.name == CUSTOM and custom is not None:
        return custom
    if stress is not None and result.kind == "stress" and result.name == stress.name:
        return stress
    replay = library_shock(result)
    if replay is not None:
        return replay
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
        self.best = self.worst = -1
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
        self._legend()

    @property
    def table(self) -> GridTable:
        return self.query_one("#scenario-table", GridTable)

    def _legend(self) -> None:
        width = self.size.width - 4
        set_border_subtitle(self, LEGEND if width <= 0 or len(LEGEND) <= width else LEGEND_SHORT)

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
        if not self.has_class("-error"):
            self._legend()
        self._detail(force=True)

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

    def active_row(self) -> int | None:
        v = self.valuation
        if v is None:
            return None
        return next((i for i, r in enumerate(v.scenarios) if r.name == v.shock.name), None)

    def _fill(self, valuation: Valuation) -> None:
        money = usd_short if self.compact else usd
        active = valuation.shock.name
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
        if text != self._detail_text or force:
            self._detail_text = text
            self.query_one("#scenario-detail", Static).update(plain(text), layout=False)

    @on(GridTable.Moved, "#scenario-table")
    def _moved(self, event: GridTable.Moved) -> None:
        event.stop()
        self._detail()

    def step(self, direction: int) -> Shock | None:
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
        self._legend()
        self.remove_class("-error")
        return shock_for(v.scenarios[row], self._current_custom(), v.stress)

    def action_info(self) -> None:
        """``i``: the cursor row's notes (the active scenario's when the table is not focused)."""
        v = self.valuation
        if v is None or not v.scenarios or self.screen is not self.app.screen:
            return
        if not self.table.has_focus and self.active_row() is not None:
            self.table.move_cursor(self.active_row())
        from ..screens.scenario_info import ScenarioInfoScreen

        self.app.push_screen(ScenarioInfoScreen(v, min(self.table.cursor_row, len(v.scenarios) - 1)))

    # -- input ------------------------------------------------------------------
    def leave_inputs(self) -> None:
        """esc: keep what was typed if it is valid (typing applies as you go), otherwise put
        back the active shock's values; then return to the layer table."""
        self._legend()
        self.remove_class("-error")
        v = self.valuation
        if v is not None:
            spot = v.market.vix_spot
            values = [self.query_one(i, Input).value for i in ("#shock-shift", "#shock-vol", "#shock-days")]
            shock, _ = parse_shock_inputs(*values, spot) if all(x.strip() for x in values) else (None, "")
            if shock is not None and not same_as_shown(values, v.shock, spot) and shock_params(shock, spot) != shock_params(v.shock, spot):
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
        self._legend()
        self.remove_class("-error")
        if same_as_shown(values, v.shock, spot) or shock_params(shock, spot) == shock_params(v.shock, spot):
            return  # the inputs already show the active shock (e.g. a picked preset)
        self.app.post_message(ShockChosen(shock))

    @on(GridTable.Selected, "#scenario-table")
    def _picked(self, event: GridTable.Selected) -> None:
        event.stop()
        self._apply_row(event.row, toggle=True)

    def _apply_row(self, row: int, toggle: bool) -> None:
        v = self.valuation
        if v is None or not 0 <= row < len(v.scenarios):
            return
        result = v.scenarios[row]
        shock = shock_for(result, self._current_custom(), v.stress)
        if toggle and shock.name == v.shock.name:
            shock = NO_SHOCK  # picking the active scenario again turns it off
        self._legend()
        self.remove_class("-error")
        self.app.post_message(ShockChosen(shock))
