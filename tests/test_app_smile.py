"""The smile view (s) through Pilot: load a chain, see market points against the model,
apply the fit (undoable), bring a curve in (undoable); and its snapshot at 80x24."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Input

from tui.core.calibrate import calibrate
from tui.core.chain import load_chain
from tui.screens.file_prompt import PathModal
from tui.screens.problems import ProblemsModal
from tui.screens.smile import SmileChart, SmileScreen

REPO = Path(__file__).resolve().parent.parent
CHAIN = REPO / "sample_data" / "vix_options_2024-06-03.csv"
PLAN = REPO / "sample_data" / "calibrated_2024-06-03.toml"
CURVE = REPO / "sample_data" / "curve_2024-06-03.csv"


async def prompt(pilot, app, path: Path, *, type_it: bool = False) -> None:
    """Answer the path prompt: typed a key at a time (type_it), or the value set and enter."""
    await pilot.pause()
    assert isinstance(app.screen, PathModal)
    field = app.screen.query_one(Input)
    if type_it:
        field.value = ""
        await pilot.press(*list(str(path)), "enter")
    else:
        field.value = str(path)
        await pilot.press("enter")


async def wait_fit(pilot, app) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_smile_view_loads_a_chain_applies_the_fit_and_undoes(make_app, tmp_path):
    plan_path = tmp_path / "plan.toml"
    shutil.copy(REPO / "sample_data" / "default_plan.toml", plan_path)
    app = make_app(plan_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SmileScreen)
        assert "No option chain loaded" in str(app.screen.query_one("#smile-table").render())
        # the chain is of 2024-06-03, the plan of 2024-08-05: refused with the reason
        await pilot.press("l")
        await prompt(pilot, app, CHAIN)
        await wait_fit(pilot, app)
        assert isinstance(app.screen, ProblemsModal)
        assert any("the chain is of 2024-06-03, the plan's market of 2024-08-05" in m for m in app.screen.messages)
        await pilot.press("escape")
        await pilot.pause()
        # bring that day's curve in (c), undoably
        await pilot.press("c")
        await prompt(pilot, app, CURVE)
        await pilot.pause()
        assert str(app.plan.market.as_of) == "2024-06-03" and app.dirty
        await pilot.press("l")
        await prompt(pilot, app, CHAIN)
        await wait_fit(pilot, app)
        assert isinstance(app.screen, SmileScreen) and app.calibration is not None
        want = calibrate(load_chain(CHAIN), app.plan.market)
        assert app.calibration.vol == want.vol
        chart = app.screen.query_one(SmileChart).screen_text()
        assert "⠀" not in chart and any(ch for ch in chart if 0x2801 <= ord(ch) <= 0x28FF)
        assert "2024-06-18" in str(app.screen.query_one(SmileChart).border_title)
        await pilot.press("right")
        await pilot.pause()
        assert "2024-07-17" in str(app.screen.query_one(SmileChart).border_title)
        before = app.plan
        await pilot.press("a")
        await pilot.pause()
        assert app.plan.market.vol == want.vol and app.plan.market.vol.smile
        await pilot.press("u")
        await pilot.pause()
        assert app.plan == before
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SmileScreen)
        # the layer table shows the chain's price of each layer's call, and model - market
        from tui.widgets.grid_table import GridTable

        table = app.query_one("#layer-table", GridTable)
        assert [c.key for c in table.columns].index("mkt") == [c.key for c in table.columns].index("price") + 1
        chain = load_chain(CHAIN)
        for row, lv in enumerate(app.valuation.layers):
            hits = [
                p for e, k, p, c in zip(chain.expiry, chain.strike, chain.price, chain.is_call, strict=True)
                if c and e == lv.expiry and k == lv.strike and p == p
            ]
            cell = table.cell(row, "mkt")
            if hits:
                assert cell == f"{hits[0]:.2f} {lv.price - hits[0]:+.2f}"
            else:
                assert cell == ""
        assert any(table.cell(row, "mkt") for row in range(len(app.valuation.layers)))


async def test_a_bad_chain_file_is_a_message_and_the_view_stays(make_app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("expiration,strike\n2024-06-18,15\n")
    app = make_app(PLAN)
    async with app.run_test(size=(80, 24)) as pilot:
        before = app.plan
        await pilot.press("s", "l")
        await prompt(pilot, app, bad, type_it=True)  # the one path typed a key at a time
        await wait_fit(pilot, app)
        assert isinstance(app.screen, ProblemsModal)
        assert any("bad.csv: line 1 (header): missing column contract_type (or call/put), close/last (or bid and ask)" in m for m in app.screen.messages)
        assert app.plan == before


def test_smile_view_80x24(snap_compare, isolated_config):
    from tui.app import make_app

    async def load(pilot) -> None:
        app = pilot.app
        app.calibration = calibrate(load_chain(CHAIN), app.plan.market)
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(make_app(PLAN, config_folder=isolated_config), terminal_size=(80, 24), run_before=load)


async def test_keys_typed_straight_after_s_and_l_reach_the_path_prompt(make_app):
    """A fast typist (or a slow SSH link delivering keys in one burst): ``s``, ``l`` and a
    path typed with no pause between them all land in the prompt; none of the path's
    letters fires a smile-view key (``c`` curve, ``a`` apply fit, ``q`` back)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("s", "l", "ctrl+u", "c", "a", "q")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        assert app.screen.query_one("#path-input", Input).value == "caq"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SmileScreen)  # the prompt closed back to the view, not past it


def test_the_no_chain_hint_names_files_that_exist_wherever_the_app_runs(tmp_path, monkeypatch):
    """It said "e.g. sample_data/vix_options_2024-06-03.csv": relative to a checkout, so a
    pip user typing it got "no such file"; and that chain needs a market of its own day."""
    import re

    from tui.screens.smile import _no_chain_hint

    monkeypatch.chdir(tmp_path)
    hint = _no_chain_hint()
    paths = [Path(p) for p in re.findall(r"(/\S+\.(?:csv|toml))", hint)]
    assert len(paths) == 3 and all(p.is_absolute() and p.is_file() for p in paths), hint
    assert "2024-06-03" in hint
