"""Headless Pilot tests: the scenario library in the app, the VaR/sizing view and the roll view."""

from __future__ import annotations

import numpy as np
import pytest

from tui.app import AlvhApp
from tui.core.scenarios import NO_SCENARIO, library_scenarios
from tui.core.valuation import value_plan
from tui.screens.scenario_info import ScenarioInfoScreen
from tui.screens.views import LOADING, RiskScreen, RollScreen, risk_text, roll_rows
from tui.widgets.curve_pane import CurveChart
from tui.widgets.grid_table import GridTable
from tui.widgets.layer_editor import sizing_line
from tui.widgets.payoff_chart import PayoffChart
from tui.widgets.scenario_panel import BEST, WORST, ScenarioPanel, best_worst, scenario_one_liner

SIZE = (120, 36)


def scenario_table(app: AlvhApp) -> GridTable:
    return app.query_one("#scenario-table", GridTable)


def row_of(app: AlvhApp, name: str) -> int:
    return next(i for i, r in enumerate(app.valuation.scenarios) if r.name == name or r.episode_id == name)


async def test_the_table_lists_stress_library_and_presets_with_kinds(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        v = app.valuation
        kinds = [r.kind for r in v.scenarios]
        assert kinds[0] == "stress"
        assert kinds.count("historical") == len(library_scenarios()) >= 8
        assert "parametric" in kinds
        assert v.scenarios == value_plan(app.plan).scenarios  # the same set as `price --json`
        table = scenario_table(app)
        assert len(table.rows) == len(v.scenarios)
        tags = {"stress": "S", "historical": "H", "parametric": "P"}
        for r, row in zip(v.scenarios, table.rows, strict=True):
            assert row.cells[0][1] == tags[r.kind]  # the kind tag after the active marker


async def test_best_and_worst_markers_match_the_valuation(make_app):
    app = make_app()
    async with app.run_test(size=SIZE):
        v = app.valuation
        nets = [r.net_pnl_usd for r in v.scenarios]
        best, worst = int(np.argmax(nets)), int(np.argmin(nets))
        assert best_worst(v.scenarios) == (best, worst)
        rows = scenario_table(app).rows
        net_col = [c.key for c in scenario_table(app).columns].index("net")
        marked_best = [i for i, row in enumerate(rows) if row.cells[net_col].endswith(BEST)]
        marked_worst = [i for i, row in enumerate(rows) if row.cells[net_col].endswith(WORST)]
        assert marked_best == [best] and marked_worst == [worst]


async def test_apply_a_library_episode_with_keys(make_app):
    """Enter on the Mar 2020 row: the replay (with its per-tenor curve moves) becomes the
    active shock; the payoff chart's data and the curve overlay change to its figures."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        chart = app.query_one(PayoffChart)
        curve = app.query_one(CurveChart)
        hedge_before = chart.curves["hedge"].copy()
        assert curve.shocked is None
        await pilot.press("2")
        row = row_of(app, "covid-2020")
        await pilot.press(*["down"] * row)
        panel = app.query_one(ScenarioPanel)
        assert "Mar 2020" in " ".join(panel.detail_lines())
        await pilot.press("enter")
        await pilot.pause()
        covid = next(s for s in library_scenarios() if s.episode_id == "covid-2020")
        assert app.scenario == covid and app.scenario.curve_moves is not None
        v = app.valuation
        assert v.scenario == covid
        # payoff chart: repriced at the replay's window and vol scale
        assert v.payoff.horizon_days == covid.days_forward
        assert np.array_equal(chart.curves["hedge"], v.payoff.hedge_usd)
        assert not np.allclose(chart.curves["hedge"], hedge_before)
        assert chart.scenario is not None and chart.scenario[0] == pytest.approx(covid.target_spot(v.market.vix_spot))
        assert "Mar 2020" in chart.screen_text()
        # curve overlay: the market the episode ended in, by tenor (not the parametric beta),
        # never below today's curve
        market = v.market
        expected = [(0, covid.target_spot(market.vix_spot))] + [
            (market.dte(f.expiry), max(f.settle, float(covid.end_level(market.dte(f.expiry))))) for f in market.live_futures
        ]
        assert curve.shocked is not None
        assert list(curve.shocked[0]) == [d for d, _ in expected]
        assert np.allclose(curve.shocked[1], [x for _, x in expected])
        # the table marks it active; the title says so
        assert scenario_table(app).rows[row].cells[0].startswith("▶")
        assert "Mar 2020" in str(app.query_one(ScenarioPanel).border_title)
        # enter again turns it off
        await pilot.press("enter")
        await pilot.pause()
        assert app.scenario == NO_SCENARIO and curve.shocked is None


async def test_ftx_is_shown_honestly_and_the_notes_open(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        row = row_of(app, "ftx-2022")
        await pilot.press(*["down"] * row)
        panel = app.query_one(ScenarioPanel)
        text = " ".join(panel.detail_lines())
        assert "2022-11-04→2022-11-09" in text
        assert "BTC -24.9%" in text
        assert "the hedge did not help" in text
        ftx = app.valuation.scenarios[row]
        assert ftx.coverage is not None and ftx.coverage < 0.01
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ScenarioInfoScreen)
        info = app.screen.text()
        assert "FTX collapsed" in info and "The hedge did not help." in info and "BTC-USD daily closes" in info
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ScenarioInfoScreen)


async def test_next_and_previous_scenario_keys_walk_the_table(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        names = [r.name for r in app.valuation.scenarios]
        await pilot.press("greater_than_sign")
        assert app.scenario.name == names[0]  # the stress first
        await pilot.press("greater_than_sign", "greater_than_sign")
        await pilot.pause()
        assert app.scenario.name == names[2] and app.scenario.kind == "historical"
        assert scenario_table(app).cursor_row == 2
        await pilot.press("less_than_sign")
        await pilot.pause()
        assert app.scenario.name == names[1]
        await pilot.press("0")
        await pilot.pause()
        assert app.scenario == NO_SCENARIO


async def test_sizing_view_shows_the_valuations_figures_and_m_switches_to_coverage(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RiskScreen)
        v = app.valuation
        s = v.sizing
        shown = app.screen.query_one("#risk-text").text.plain
        assert shown == risk_text(v).plain
        for figure in ("achieved   $2.81M", "target     $115.52M", "VaR $577.59M", "z 2.326", "horizon vol 12.41%",
                       "0.250% of notional", "2.90% annualised", "entry condition MET", "band 30-50", "0.82× per point"):
            assert figure in shown, figure
        assert s.mode == "budget"
        await pilot.press("m")  # budget -> coverage, shown at once
        await pilot.pause()
        v = app.valuation
        s = v.sizing
        assert app.plan.sizing.mode == "coverage" and s.mode == "coverage"
        assert abs(s.achieved_usd - s.target_usd) <= s.tolerance_usd
        shown = app.screen.query_one("#risk-text").text.plain
        assert "mode       coverage" in shown and "within ±" in shown
        assert f"achieved   {s.achieved_usd / 1e6:,.2f}M".replace(" 1", " $1") in shown
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen
        # the compact line in the layer editor says the same
        line = str(app.query_one("#sizing-line").render())
        assert line == sizing_line(v, app.editor.content_size.width)
        assert "✓" in line and "coverage 20% of VaR" in line


async def test_m_on_the_main_screen_shows_the_coverage_result_at_once(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("m")
        await pilot.pause()
        s = app.valuation.sizing
        assert s.mode == "coverage" and abs(s.achieved_usd - s.target_usd) <= s.tolerance_usd
        line = str(app.query_one("#sizing-line").render())
        assert line.startswith("coverage 20% of VaR") and "✓" in line and "$116M" in line


async def test_roll_view_loads_off_the_event_loop_and_matches_the_valuation(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # nothing read the schedule on the start-up path (its first read imports pandas)
        assert "_roll_result" not in app.valuation.__dict__
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, RollScreen)
        assert screen.rolls is not None or str(screen.query_one("#roll-status").render()) == LOADING
        await app.workers.wait_for_complete()
        await pilot.pause()
        v = app.valuation
        assert screen.rolls == v.rolls and len(v.rolls) > 0
        table = screen.query_one("#roll-table", GridTable)
        assert table.rows == roll_rows(v.rolls, v.roll_cost_usd)
        first = table.row_cells(0)
        r0 = v.rolls[0]
        assert first["date"] == r0.date.isoformat() and first["layer"] == r0.layer
        assert first["from"] == r0.from_expiry.isoformat() and first["to"] == r0.to_expiry.isoformat()
        assert table.row_cells(len(v.rolls))["cost"] != ""  # the total row
        # m in the roll view: repriced, the schedule follows (more contracts)
        await pilot.press("m")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.valuation is not v and screen.rolls == app.valuation.rolls
        await pilot.press("v")  # switch views
        await pilot.pause()
        assert isinstance(app.screen, RiskScreen)
        await pilot.press("q")  # back, not quit
        await pilot.pause()
        assert app.screen is app.main_screen and app.is_running


async def test_80x24_keeps_the_scenario_table_usable(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = scenario_table(app)
        assert table.size.height >= 4  # header + at least 3 rows, scrolling for the rest
        await pilot.press("2", "end")
        assert table.cursor_row == len(app.valuation.scenarios) - 1
        assert table._row_offset > 0  # scrolled within the table
        detail = str(app.query_one("#scenario-detail").render())
        assert detail == scenario_one_liner(app.valuation, len(app.valuation.scenarios) - 1)
        await pilot.press("enter")
        await pilot.pause()
        assert app.scenario.name == app.valuation.scenarios[-1].name
