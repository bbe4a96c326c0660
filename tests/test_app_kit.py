"""Pilot flows for the method's kit: a financing leg, the financed preset, event markers."""

from __future__ import annotations

from tui.core.plan import Leg
from tui.widgets.curve_pane import CurveChart
from tui.widgets.grid_table import GridTable
from tui.widgets.layer_editor import COLUMN_KEYS

SIZE = (120, 36)


async def goto(pilot, app, row: int, key: str) -> None:
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


def cell(app, row: int, key: str) -> str:
    return app.query_one("#layer-table", GridTable).cell(row, key)


async def test_f_adds_a_financing_leg_and_removes_it(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, 0, "strike")
        before = app.valuation.layers[0]
        await pilot.press("f")
        await pilot.pause()
        assert app.plan.layers[0].legs == (Leg("short", "+50%", 1.0),)
        near = app.valuation.layers[0]
        short = near.legs[0]
        assert cell(app, 0, "strike") == f"{near.strike:g}/{short.strike:g}" and not near.uncovered
        assert near.net_usd < near.premium_usd
        assert "financed" in app.editor.query_one("#sizing-line").render().plain or "fin " in app.editor.query_one("#sizing-line").render().plain
        # the budget buys more near spreads than it bought near calls
        assert near.contracts > before.contracts
        await pilot.press("f")
        await pilot.pause()
        assert app.plan.layers[0].legs == ()
        await pilot.press("u")  # undo brings the leg back
        await pilot.pause()
        assert app.plan.layers[0].legs


async def test_typing_a_spread_into_the_strike_cell(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await goto(pilot, app, 0, "strike")
        await pilot.press("enter")
        await pilot.press("ctrl+a", "ctrl+k", *list("ATM / 2x+40%"), "enter")
        await pilot.pause()
        assert app.plan.layers[0].legs == (Leg("short", "+40%", 2.0),)
        assert any("uncovered" in w for w in app.valuation.warnings)  # a 1x2 ratio spread
        # the strike cell shows the spread, marked "!" for the uncovered short
        assert cell(app, 0, "strike").count("/") == 1 and "2x" in cell(app, 0, "strike") and cell(app, 0, "strike").endswith("!")
        assert app.valuation.layers[0].uncovered


async def test_financed_preset_key_and_palette(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#layer-table", GridTable).focus()
        await pilot.press("P")
        await pilot.pause()
        assert [bool(layer.legs) for layer in app.plan.layers] == [True, False, False]
        await pilot.press("p")
        await pilot.pause()
        assert not any(layer.legs for layer in app.plan.layers)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Apply financed 4/4/2 preset" in titles and "Finance layer" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*list("financed 4/4/2"))
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.plan.layers[0].legs


async def test_curve_chart_marks_the_events(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        chart = app.query_one(CurveChart)
        ticks = [v for v in chart._vlines if not v.full]
        assert ticks and {v.label for v in ticks} <= {"F", "C"}
        assert sorted(v.x for v in ticks) == [e.days_after_as_of for e in app.valuation.events]
        subtitle = str(app.query_one("#curve").border_subtitle)
        assert "next CPI Aug 14" in subtitle


async def test_signals_in_the_curve_title_and_the_v_view(make_app):
    app = make_app()
    async with app.run_test(size=(120, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        title = str(app.query_one("#curve").border_title)
        assert "▲4 signals" in title  # 2024-08-05: every signal is on (names when one or two)
        await pilot.press("v")
        await pilot.pause()
        await app.screen.workers.wait_for_complete() if hasattr(app.screen, "workers") else None
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = app.screen.query_one("#signals-text").text.plain
        assert "Entry signals" in text and "RSI(14) of the VIX" in text and "record" in text and "all days: 14.0%" in text
        assert "Sep 18 FOMC" in text
