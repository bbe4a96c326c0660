"""The app's actions for Textual's command palette (ctrl+p)."""

from __future__ import annotations

from typing import Callable, Iterable, Protocol

from textual.app import SystemCommand

from .core.scenarios import PRESETS, Scenario, library_scenarios
from .widgets.layer_editor import LayerEditor


class Commanded(Protocol):
    """The app as the palette sees it (``tui.app.AlvhApp``): its actions, never its module."""

    file_theme_names: list[str]
    theme: str

    @property
    def editor(self) -> LayerEditor: ...
    def call_later(self, callback: Callable, *args) -> bool: ...
    def action_save(self) -> None: ...
    def action_save_as(self) -> None: ...
    def action_open(self) -> None: ...
    def action_undo(self) -> None: ...
    def action_redo(self) -> None: ...
    def action_horizon(self) -> None: ...
    def action_toggle_exposure(self) -> None: ...
    def action_reset_scenario(self) -> None: ...
    def action_scenario_step(self, direction: int) -> None: ...
    def set_scenario(self, scenario: Scenario) -> None: ...
    def action_risk_view(self) -> None: ...
    def action_roll_view(self) -> None: ...
    def action_smile_view(self) -> None: ...
    def action_next_theme(self) -> None: ...
    def action_help(self) -> None: ...


def app_commands(app: Commanded) -> Iterable[SystemCommand]:
    """Every action the keys reach, by name, plus one entry per theme and shock preset."""
    editor = app.editor
    yield SystemCommand("Save plan", "Save the plan to its file (ctrl+s)", app.action_save)
    yield SystemCommand("Save plan as…", "Save the plan to a new file (S)", app.action_save_as)
    yield SystemCommand("Open plan…", "Open a plan file (ctrl+o)", app.action_open)
    yield SystemCommand("Undo", "Undo the last edit (ctrl+z, u)", app.action_undo)
    yield SystemCommand("Redo", "Redo the last undone edit (ctrl+y, U)", app.action_redo)
    yield SystemCommand("Edit cell", "Edit the layer table's current cell (enter)", lambda: app.call_later(_edit, app))
    yield SystemCommand("Add layer", "Add a layer after the cursor (a)", editor.action_add)
    yield SystemCommand("Duplicate layer", "Copy the current layer (c)", editor.action_duplicate)
    yield SystemCommand("Delete layer", "Delete the current layer (x)", editor.action_delete)
    yield SystemCommand("Apply 4/4/2 preset", "Near ATM 40%, mid +10% 40%, tail +50% 20% (p)", editor.action_preset)
    yield SystemCommand(
        "Apply financed 4/4/2 preset",
        "The 4/4/2 with the near layer a 1x1 call spread: long ATM, short +50% (P)",
        editor.action_preset_financed,
    )
    yield SystemCommand("Finance layer", "Add a short call at +50% to the current layer, or remove its legs (f)", editor.action_finance)
    yield SystemCommand("Renormalise weights", "Scale the weights to sum to 1 (n)", editor.action_normalise)
    yield SystemCommand("Next sizing mode", "budget → coverage → contracts (m)", editor.action_sizing)
    yield SystemCommand("Nudge cell up", "Step the current cell up (+)", lambda: editor.action_nudge(1))
    yield SystemCommand("Nudge cell down", "Step the current cell down (-)", lambda: editor.action_nudge(-1))
    yield SystemCommand("Payoff horizon", "Scenario's days forward ↔ near layer's expiry (h)", app.action_horizon)
    yield SystemCommand("Payoff lines", "Hedge only ↔ hedge, net and exposure (e)", app.action_toggle_exposure)
    yield SystemCommand("Scenario: today (no shock)", "Clear the active shock (0)", app.action_reset_scenario)
    yield SystemCommand("Next scenario", "Apply the next scenario of the table (>)", lambda: app.action_scenario_step(1))
    yield SystemCommand("Previous scenario", "Apply the previous scenario of the table (<)", lambda: app.action_scenario_step(-1))
    for scenario in _library():
        yield SystemCommand(f"Scenario: {scenario.name}", "Historical replay: " + scenario.describe(), lambda s=scenario: app.set_scenario(s), discover=False)
    for scenario in PRESETS:
        yield SystemCommand(f"Scenario: {scenario.name}", scenario.describe(), lambda s=scenario: app.set_scenario(s), discover=False)
    yield SystemCommand("VaR and sizing view", "VaR inputs, sizing target vs achieved, regime read-out (v)", app.action_risk_view)
    yield SystemCommand("Roll schedule", "Roll dates, expiries, strikes, cost or credit (r)", app.action_roll_view)
    yield SystemCommand("Smile view", "Option chain vols against the model; load a chain, apply the fit, bring a curve in (s)", app.action_smile_view)
    yield SystemCommand("Next theme", "Cycle the alvh themes (t)", app.action_next_theme)
    for name in app.file_theme_names:
        yield SystemCommand(f"Theme: {name}", "Switch theme (remembered)", lambda n=name: setattr(app, "theme", n), discover=False)
    yield SystemCommand("Help: keys", "Every key of the app (?)", app.action_help)


def _library():
    try:
        return library_scenarios()
    except (OSError, ValueError):
        return ()


def _edit(app: Commanded) -> None:
    app.editor.table.focus()
    app.editor.start_edit()
