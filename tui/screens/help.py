"""The '?' help screen: every key of the app, grouped."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_HELP: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Layers (the table)",
        [
            ("← ↑ → ↓", "move between cells"),
            ("enter / F2", "edit the cell in place (enter applies, esc cancels)"),
            ("+ / -", "nudge the cell: strike one listed strike (5% for ATM/+x%), weight 0.05, expiry one month, contracts ~1%"),
            ("a", "add a layer (weight 0) after the cursor"),
            ("c", "copy (duplicate) the layer; the two share its weight"),
            ("x / delete", "delete the layer (u undoes)"),
            ("p", "apply the 4/4/2 preset (near ATM, mid +10%, tail +50%)"),
            ("P", "the financed 4/4/2: near layer a 1x1 call spread (short +50%)"),
            ("f", "finance the layer: add a short call at +50% (again: remove its legs)"),
            ("n", "renormalise the weights to sum to 1"),
            ("m", "sizing mode: budget → coverage → contracts (also in the v view)"),
            ("enter on total/premium", "edit the budget (budget sizing)"),
        ],
    ),
    (
        "Scenarios",
        [
            ("VIX± vol× days", "type a shock: spot shift (points), vol scale, days forward"),
            ("table", "S stress (sizing reference) · H historical replay · P parametric; ▲ best / ▼ worst net"),
            ("enter on a row", "make that scenario the active shock (again: turn it off)"),
            ("< / >  (, / .)", "apply the previous / next scenario of the table, from anywhere"),
            ("i", "the cursor row's (or active scenario's) notes: episode window, moves, BTC basis, sources"),
            ("[ / ]", "VIX shock down / up 5 points"),
            ("0", "back to today (no shock)"),
            ("h", "payoff horizon: the shock's days forward ↔ the near layer's expiry"),
            ("e", "payoff chart: hedge only ↔ hedge, net and exposure"),
        ],
    ),
    (
        "Views",
        [
            ("v", "VaR (inputs, z, horizon vol), sizing (target vs achieved, premium %), regime read-out"),
            ("r", "roll schedule: dates, layer, from/to expiry, strikes, cost or credit, total"),
            ("s", "smile: the option chain's implied vols against the model, per expiry, and the residuals"),
            ("l / a / c", "(in s) load a chain CSV and fit it / apply the fit to the plan / bring a curve CSV in"),
            ("← → (, .)", "(in s) previous / next expiry"),
            ("b", "the plan through 2006-2025 vs Cboe's VXTH rule: P&L chart, yearly table (b re-runs, e exposure, esc cancels)"),
            ("esc / q", "back to the main screen (v, r, s and b switch between the views)"),
        ],
    ),
    (
        "Plan and app",
        [
            ("ctrl+s", "save (atomic; asks for a path for a new plan)"),
            ("S", "save as…"),
            ("ctrl+o / o", "open a plan file"),
            ("ctrl+z / u", "undo"),
            ("ctrl+y / U", "redo"),
            ("1 2 3 4", "focus layers, scenarios, payoff, scenario inputs"),
            ("tab / shift+tab", "next / previous pane"),
            ("t", "next theme (also: ctrl+p → Theme)"),
            ("ctrl+p", "command palette: every action, themes, presets"),
            ("?  / F1", "this help"),
            ("q / ctrl+q", "quit (asks when there are unsaved changes)"),
        ],
    ),
    (
        "Nothing lost",
        [
            ("(automatic)", "unsaved edits go to a recovery journal within a second; SIGHUP/SIGTERM (a dropped SSH link) write it and exit"),
            ("r / o / q", "at open, the plan is open in another session: read-only / open anyway / quit"),
            ("r / d / k", "at open, unsaved edits found: recover them / discard them / keep both (saved as PLAN.recovered-…toml)"),
            ("l", "(untitled plan) recover later: keep the journal"),
            ("o / a / esc", "the file changed on disk since it was opened: overwrite / save as / cancel"),
        ],
    ),
]


def help_table() -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for section, keys in KEY_HELP:
        table.add_row(Text(section, style="bold underline"), "")
        for key, what in keys:
            table.add_row(key, what)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1,enter", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Static(Text("alvh-tui keys", style="bold"), id="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(help_table(), id="help-table")
            yield Static(Text("esc / ? : close · mouse optional; every action is on a key and in ctrl+p", style="dim"), classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
