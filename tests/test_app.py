"""Headless Pilot tests: every keyboard flow of the app, against real files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from textual.widgets import Input

from tui.app import MIN_HEIGHT, MIN_WIDTH, AlvhApp
from tui.core.plan_io import load_plan
from tui.core.price_json import valuation_to_json
from tui.core.scenarios import NO_SCENARIO
from tui.screens.confirm import ConfirmQuitModal
from tui.screens.file_prompt import PathModal
from tui.screens.help import KEY_HELP, HelpScreen
from tui.screens.problems import ProblemsModal
from tui.themes import read_settings
from tui.widgets.curve_pane import CurveChart
from tui.widgets.grid_table import GridTable
from tui.widgets.layer_editor import COLUMN_KEYS, LayerEditor
from tui.widgets.payoff_chart import PayoffChart

SIZE = (120, 36)


def scenario_cells(app: AlvhApp) -> dict[str, list[str]]:
    """Each row's cells after the name, by the scenario's full name (the table shows short ones)."""
    table = app.query_one("#scenario-table", GridTable)
    assert len(table.rows) == len(app.valuation.scenarios)
    return {r.name: list(row.cells[1:]) for r, row in zip(app.valuation.scenarios, table.rows, strict=True)}


def layer_cell(app: AlvhApp, row: int, key: str) -> str:
    return app.query_one("#layer-table", GridTable).cell(row, key)


async def goto(pilot, app: AlvhApp, row: int, key: str) -> None:
    """Move the layer-table cursor with the arrow keys, as a user would."""
    table = app.query_one("#layer-table", GridTable)
    table.focus()
    await pilot.pause()
    here_row, here_col = table.cursor
    col = COLUMN_KEYS.index(key)
    keys = (["down"] * (row - here_row) if row > here_row else ["up"] * (here_row - row)) + (
        ["right"] * (col - here_col) if col > here_col else ["left"] * (here_col - col)
    )
    await pilot.press(*keys)
    assert table.cursor == (row, col)


async def type_into_cell(pilot, app: AlvhApp, row: int, key: str, text: str) -> None:
    await goto(pilot, app, row, key)
    await pilot.press("enter")
    assert app.editor.editing == (row, key)
    await pilot.press("ctrl+a", "ctrl+k", *list(text), "enter")  # start, kill to end, type, apply
    await pilot.pause()


# -- editing ------------------------------------------------------------------

async def test_edit_strike_reprices_every_pane(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        before_price = layer_cell(app, 0, "price")
        before_contracts = layer_cell(app, 0, "contracts")
        before_hedge = app.query_one(PayoffChart).curves["hedge"].copy()
        before_scen = scenario_cells(app)
        assert layer_cell(app, 0, "strike") == "ATM 32"

        await type_into_cell(pilot, app, 0, "strike", "36")

        assert app.plan.layers[0].strike == 36.0
        assert layer_cell(app, 0, "strike") == "36"
        assert layer_cell(app, 0, "price") != before_price  # the option's premium per contract
        assert layer_cell(app, 0, "contracts") != before_contracts
        after_hedge = app.query_one(PayoffChart).curves["hedge"]
        assert not np.allclose(after_hedge, before_hedge)
        after_scen = scenario_cells(app)
        assert after_scen["VIX +10"][0] != before_scen["VIX +10"][0]  # hedge P&L
        # Every pane shows the same valuation object's numbers.
        v = app.valuation
        assert layer_cell(app, 0, "price") == f"{v.layers[0].price:.4g}"
        np.testing.assert_allclose(after_hedge, v.payoff.hedge_usd)
        assert app.editor.border_title.find("modified") > 0


async def test_bad_value_is_refused_and_nothing_changes(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        plan = app.plan
        valuation = app.valuation
        await goto(pilot, app, 0, "strike")
        await pilot.press("enter", "ctrl+a", "ctrl+k", "a", "b", "c", "enter")
        await pilot.pause()
        assert app.plan is plan and app.valuation is valuation
        assert "expected a number" in app.editor.message
        assert app.editor.has_class("-error")
        assert app.editor.editing == (0, "strike")  # still open with the bad text, to fix it
        assert app.query_one("#cell-input", Input).value == "abc"
        await pilot.press("escape")
        assert app.editor.editing is None and app.plan is plan
        assert not app.dirty
        # A weight out of range, a month that is not listed: refused the same way.
        await type_into_cell(pilot, app, 2, "weight", "1.5")
        assert "between 0 and 1" in app.editor.message and app.plan is plan
        await pilot.press("escape")
        await type_into_cell(pilot, app, 0, "expiry", "M30")
        assert "beyond the last listed future" in app.editor.message and app.plan is plan
        await pilot.press("escape")
        # Computed columns cannot be edited.
        await goto(pilot, app, 0, "price")
        await pilot.press("enter")
        assert "computed" in app.editor.message and app.editor.editing is None


async def test_nudges_and_layer_keys(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, 0, "strike")
        await pilot.press("plus")
        await pilot.pause()
        assert app.plan.layers[0].strike == "+5%"
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert app.plan.layers[0].strike == "-5%"
        await goto(pilot, app, 2, "weight")
        await pilot.press("plus")
        await pilot.pause()
        assert app.plan.layers[2].weight == pytest.approx(0.25)
        assert sum(layer.weight for layer in app.plan.layers) == pytest.approx(1.0)
        await goto(pilot, app, 0, "expiry")
        await pilot.press("plus")
        await pilot.pause()
        assert app.plan.layers[0].expiry == "M2"
        # contracts are sized from the budget: a nudge explains how to change that
        await goto(pilot, app, 0, "contracts")
        await pilot.press("plus")
        await pilot.pause()
        assert "press m" in app.editor.message
        await pilot.press("m", "m")  # budget -> coverage -> contracts
        await pilot.pause()
        assert app.plan.sizing.mode == "contracts"
        held = app.plan.layers[0].contracts
        await pilot.press("plus")
        await pilot.pause()
        assert app.plan.layers[0].contracts == held + (1000 if held >= 10_000 else 100)

        n = len(app.plan.layers)
        await pilot.press("a")
        await pilot.pause()
        assert len(app.plan.layers) == n + 1 and app.editor.table.cursor_row == 1
        await pilot.press("c")
        await pilot.pause()
        assert len(app.plan.layers) == n + 2
        await pilot.press("x")
        await pilot.pause()
        assert len(app.plan.layers) == n + 1
        await pilot.press("p")
        await pilot.pause()
        assert [layer.name for layer in app.plan.layers] == ["near", "mid", "tail"]
        await goto(pilot, app, 0, "weight")
        await type_into_cell(pilot, app, 0, "weight", "0.9")  # contracts mode: weights are free
        assert sum(layer.weight for layer in app.plan.layers) == pytest.approx(1.5)
        await pilot.press("n")
        await pilot.pause()
        assert sum(layer.weight for layer in app.plan.layers) == pytest.approx(1.0)


async def test_budget_is_edited_on_the_total_row(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await type_into_cell(pilot, app, 3, "premium", "7.5M")
        assert app.plan.sizing.premium_usd == 7.5e6
        assert app.valuation.totals.premium_usd == pytest.approx(7.5e6, rel=1e-3)


async def test_undo_redo(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        original = app.plan
        await type_into_cell(pilot, app, 0, "strike", "35")
        first = app.plan
        await type_into_cell(pilot, app, 2, "weight", "0.3")
        second = app.plan
        assert first != original and second != first
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.plan == first and "undone" in app.editor.message
        await pilot.press("u")
        await pilot.pause()
        assert app.plan == original and not app.dirty
        assert layer_cell(app, 0, "strike") == "ATM 32"
        await pilot.press("u")
        await pilot.pause()
        assert app.plan == original and "nothing to undo" in app.editor.message
        await pilot.press("ctrl+y")
        await pilot.pause()
        assert app.plan == first
        await pilot.press("U")
        await pilot.pause()
        assert app.plan == second
        assert layer_cell(app, 2, "weight") == "0.30"


# -- files ----------------------------------------------------------------------

async def test_save_reopen_same_valuation(make_app, tmp_path):
    path = tmp_path / "hedge.toml"
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        assert app.is_new and app.path == path and not path.exists()
        assert "(new)" in app.editor.border_title
        await type_into_cell(pilot, app, 0, "strike", "35")
        await type_into_cell(pilot, app, 2, "weight", "0.3")
        assert app.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert path.exists() and not app.dirty
        saved = app.plan
        before = valuation_to_json(app.valuation)
    assert load_plan(path) == saved
    again = make_app(path)
    async with again.run_test(size=SIZE) as pilot:
        assert again.plan == saved and not again.dirty
        assert valuation_to_json(again.valuation) == before
        assert layer_cell(again, 0, "strike") == "35"
        assert layer_cell(again, 2, "weight") == "0.30"


async def test_save_as_and_open_through_the_prompts(make_app, tmp_path):
    app = make_app()  # the sample: untitled
    target = tmp_path / "copy.toml"
    async with app.run_test(size=SIZE) as pilot:
        await type_into_cell(pilot, app, 0, "strike", "34")
        await pilot.press("ctrl+s")  # untitled: ctrl+s asks where
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        assert app.screen.query_one(Input).value == str(Path.cwd() / "plan.toml")  # untitled: a name offered, not "None"
        # Typing a path a key at a time is tested in test_tmux; here the value is set directly.
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, PathModal)
        assert target.exists() and app.path == target and not app.dirty
        # a second file, then open the first one again
        other = tmp_path / "other.toml"
        await type_into_cell(pilot, app, 0, "strike", "40")
        await pilot.press("S")
        await pilot.pause()
        app.screen.query_one(Input).value = str(other)
        await pilot.press("enter")
        await pilot.pause()
        assert other.exists() and app.path == other
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        app.screen.query_one(Input).value = str(tmp_path / "missing.toml")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)  # refused in the prompt
        assert "no such file" in str(app.screen.query_one("#path-message").render())
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert app.path == target and app.plan.layers[0].strike == 34.0 and not app.dirty


async def test_save_as_asks_before_overwriting(make_app, tmp_path):
    existing = tmp_path / "keep.toml"
    existing.write_text("precious")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await pilot.pause()
        app.screen.query_one(Input).value = str(existing)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathModal) and existing.read_text() == "precious"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PathModal) and existing.read_text() == "precious"


async def test_opening_a_broken_plan_shows_every_problem_and_keeps_the_plan(make_app, tmp_path):
    good = tmp_path / "good.toml"
    app = make_app(good)
    broken = tmp_path / "broken.toml"
    text = (Path(__file__).parent.parent / "sample_data" / "default_plan.toml").read_text()
    broken.write_text(text.replace('strike = "ATM"', 'strike = "cheap"').replace("vix_spot = 38.57", "vix_spot = -1"))
    async with app.run_test(size=SIZE) as pilot:
        await type_into_cell(pilot, app, 0, "strike", "33")
        plan = app.plan
        app.open_path(broken)  # the prompt is tested above; here, what a bad file does
        await pilot.pause()
        assert isinstance(app.screen, ProblemsModal)
        messages = app.screen.messages
        assert any("layers[0].strike" in m for m in messages)
        assert any("market.vix_spot" in m for m in messages)
        assert all(str(broken) in m for m in messages)
        await pilot.press("escape")
        await pilot.pause()
        assert app.plan is plan and app.path == good and app.dirty


async def test_starting_on_a_broken_file_keeps_it_untouched(make_app, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\nname = [unclosed\n")
    app = make_app(broken)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ProblemsModal)
        assert "not valid TOML" in app.screen.messages[0]
        await pilot.press("escape")
        assert app.path is None  # ctrl+s will ask, never overwrite the broken file
        assert app.valuation is not None and len(app.valuation.layers) == 3
    assert broken.read_text() == "schema = 1\nname = [unclosed\n"


# -- quit guard -------------------------------------------------------------------

async def test_quit_without_changes_exits(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_value == 0


async def test_quit_guard(make_app, tmp_path):
    path = tmp_path / "p.toml"
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await type_into_cell(pilot, app, 0, "strike", "35")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitModal)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmQuitModal) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitModal)
        await pilot.press("s")  # save, then quit
        await pilot.pause()
    assert app.return_value == 0
    assert load_plan(path).layers[0].strike == 35.0


async def test_quit_guard_discard(make_app, tmp_path):
    path = tmp_path / "p.toml"
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await type_into_cell(pilot, app, 0, "strike", "35")
        await pilot.press("q", "d")
        await pilot.pause()
    assert app.return_value == 0 and not path.exists()


# -- scenarios, chart, curve ---------------------------------------------------------

async def test_shock_inputs_drive_chart_curve_and_table(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        chart = app.query_one(CurveChart)
        assert chart.shocked is None
        await pilot.press("4")  # the VIX± input
        assert app.focused.id == "scenario-shift"
        await pilot.press("ctrl+a", "ctrl+k", "1", "0", "tab", "ctrl+a", "ctrl+k", "1", ".", "2", "tab", "ctrl+a", "ctrl+k", "1", "4")
        await pilot.pause()
        s = app.scenario
        assert (s.spot_shift, s.vol_scale, s.days_forward) == (10.0, 1.2, 14)
        assert app.valuation.scenario == s
        assert chart.shocked is not None and chart.shocked[1][0] == pytest.approx(38.57 + 10)
        assert app.query_one(PayoffChart).border_title.startswith("Payoff at +14d · BE ")
        assert "custom" in scenario_cells(app)
        # a bad value: a message, the shock unchanged
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k", "0", "enter")
        await pilot.pause()
        assert app.scenario == s and "vol× 0 not applied" in str(app.query_one("#scenarios").border_subtitle)
        await pilot.press("escape")  # put back the active values, back to the layers
        await pilot.pause()
        assert app.focused.id == "layer-table"
        assert app.query_one("#scenario-vol", Input).value == "1.2" and app.scenario == s
        await pilot.press("0")  # back to today
        await pilot.pause()
        assert app.scenario == NO_SCENARIO and chart.shocked is None


async def test_picking_a_scenario_row_and_bracket_keys(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")  # scenario table
        row = next(i for i, r in enumerate(app.valuation.scenarios) if r.name == "VIX +10")
        await pilot.press(*["down"] * row, "enter")  # past the stress and the library
        await pilot.pause()
        assert app.scenario.name == "VIX +10"
        assert app.query_one("#scenario-shift", Input).value == "+10"
        await pilot.press("enter")  # again: off
        await pilot.pause()
        assert app.scenario == NO_SCENARIO
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert app.scenario.spot_shift == 10.0
        await pilot.press("left_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert app.scenario == NO_SCENARIO


async def test_horizon_and_lines_toggle(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        chart = app.query_one(PayoffChart)
        today = chart.curves["hedge"].copy()
        await pilot.press("h")
        await pilot.pause()
        assert chart.border_title.startswith("Payoff at near expiry (+16d) · ")
        assert app.valuation.payoff.horizon_days == 16
        assert not np.allclose(chart.curves["hedge"], today)
        await pilot.press("e")
        await pilot.pause()
        assert chart.hedge_only and "e exposure" not in str(chart.border_subtitle)
        text = chart.screen_text()
        assert "⠀" not in text  # empty cells are spaces, never blank braille
        assert "BE" in text and "VIX 38.57" in text


# -- help, palette, themes, size ---------------------------------------------------------

KEY_TOKENS = {
    "ctrl+s": "ctrl+s", "S": "S", "ctrl+o": "ctrl+o", "ctrl+z": "ctrl+z", "ctrl+y": "ctrl+y", "question_mark": "?",
    "q": "q", "h": "h", "e": "e", "left_square_bracket": "[", "right_square_bracket": "]", "0": "0", "t": "t",
    "1": "1", "plus": "+", "minus": "-", "less_than_sign": "<", "greater_than_sign": ">", "a": "a", "c": "c", "x": "x", "p": "p", "n": "n", "m": "m",
}


async def test_help_lists_every_key(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        documented = " ".join(k for _, keys in KEY_HELP for k, _ in keys).split()
        documented = {t for word in documented for t in word.split("/")} | set(" ".join(documented))
        for binding in AlvhApp.BINDINGS + LayerEditor.BINDINGS:
            first = binding.key.split(",")[0]
            assert KEY_TOKENS.get(first, first) in documented, first
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_runs_app_actions(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Save plan", "Save plan as…", "Open plan…", "Undo", "Redo", "Add layer", "Duplicate layer",
                       "Delete layer", "Apply 4/4/2 preset", "Renormalise weights", "Payoff horizon", "Theme: alvh-light"):
            assert wanted in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*list("add layer"))
        await pilot.pause(0.3)  # the palette searches in a worker
        await pilot.press("enter")
        await pilot.pause()
        assert len(app.plan.layers) == 4


async def test_theme_switch_is_remembered(make_app, isolated_config):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "alvh-dark"
        await pilot.press("t")
        await pilot.pause()
        chosen = app.theme
        assert chosen != "alvh-dark" and chosen.startswith("alvh-")
    assert read_settings(isolated_config)["theme"] == chosen
    again = make_app()
    async with again.run_test(size=SIZE):
        assert again.theme == chosen


async def test_bad_theme_file_gives_one_warning_and_falls_back(make_app, tmp_path):
    from tui.resources import themes_dir

    user = tmp_path / "themes"
    user.mkdir()
    (user / "bad.toml").write_text('name = "bad"\nprimary = "not-a-colour"\n')
    (user / "worse.toml").write_text("name = \n")
    (user / "mine.toml").write_text('name = "mine"\nprimary = "#ff8800"\ndark = true\n')
    app = make_app(theme_folders=[themes_dir(), user])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        warnings = [n for n in app._notifications if n.severity == "warning"]
        assert len(warnings) == 1
        assert "bad.toml" in warnings[0].message and "worse.toml" in warnings[0].message
        assert "mine" in app.file_theme_names and "bad" not in app.available_themes
        assert app.theme == "alvh-dark"


async def test_too_small_says_so_and_recovers(make_app):
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        message = app.query_one("#too-small")
        assert message.display and not app.query_one("#main").display
        assert f"need at least {MIN_WIDTH}x{MIN_HEIGHT}, have 40x12" in str(message.render())
        await pilot.press("plus")  # keys still work without crashing
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not message.display and app.query_one("#main").display
        await pilot.resize_terminal(59, 30)
        await pilot.pause()
        assert message.display and "have 59x30" in str(message.render())


async def test_all_four_panes_fit_at_80x24(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen.region
        for selector in ("#layers", "#curve", "#payoff", "#scenarios"):
            region = app.query_one(selector).region
            assert region.area > 0 and screen.contains_region(region), selector
        # the layer table shows every layer, the total row, and strike through premium
        table = app.query_one("#layer-table", GridTable)
        assert table.region.height >= 1 + len(app.plan.layers) + 1
        assert "premium" in [c.key for c in table.columns]
        assert sum(c.width + 2 for c in table.columns[: COLUMN_KEYS.index("premium") + 1]) <= table.size.width
        assert app.query_one(PayoffChart).size.height >= 8


def test_no_mouse_is_passed_to_run(monkeypatch):
    from tui import __main__ as cli_main

    seen = {}

    def fake_run(self, *args, **kwargs):
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(AlvhApp, "run", fake_run)
    assert cli_main.main(["--no-mouse"]) == 0
    assert seen["mouse"] is False
    assert cli_main.main([]) == 0
    assert seen["mouse"] is True


@pytest.mark.parametrize("name", ["dark", "light", "high-contrast"])
def test_bundled_themes_load_and_stay_distinct_at_256_colours(name):
    from rich.color import Color, ColorSystem

    from tui.resources import themes_dir
    from tui.themes import load_theme_file

    theme = load_theme_file(themes_dir() / f"{name}.toml")
    system = theme.to_color_system().generate()

    def index(var: str) -> int:
        return Color.parse(system[var]).downgrade(ColorSystem.EIGHT_BIT).number

    # Pane borders must differ from what they sit on, focused or not; the text from its ground.
    for border in ("border", "border-blurred"):
        assert index(border) not in (index("background"), index("surface")), border
    assert index("foreground") != index("surface")
    assert index("border") != index("border-blurred")


async def test_esc_in_a_shock_input_keeps_a_valid_value(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "tab", "tab", "ctrl+a", "ctrl+k", "3", "0", "escape")
        await pilot.pause()
        assert app.scenario.days_forward == 30 and app.focused.id == "layer-table"
        assert app.query_one(PayoffChart).border_title.startswith("Payoff at +30d · ")


async def test_a_failed_save_loses_nothing(make_app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app = make_app(blocker / "plan.toml")  # its parent is a file: the save must fail
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await type_into_cell(pilot, app, 0, "strike", "35")
        plan = app.plan
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.dirty and app.plan is plan
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "Could not save" in errors[0].message
    assert blocker.read_text() == ""
