"""Snapshot tests of the main screen (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/test_app_snapshots.py --snapshot-update``
and review the SVGs. Nothing here depends on the clock: the plan carries its own as-of date,
the config folder is a fresh temporary one (default theme), and input cursors do not blink.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tui.app import make_app
from tui.themes import write_settings


def app_for(config, theme: str | None = None):
    if theme is not None:
        write_settings({"theme": theme}, config)
    return make_app(None, config_folder=config)


async def no_blink(pilot) -> None:
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.app.workers.wait_for_complete()  # the entry signals are read in a worker
    await pilot.pause()


def test_main_80x24(snap_compare, isolated_config):
    assert snap_compare(app_for(isolated_config), terminal_size=(80, 24), run_before=no_blink)


def test_main_wide_160x48(snap_compare, isolated_config):
    assert snap_compare(app_for(isolated_config), terminal_size=(160, 48), run_before=no_blink)


def test_inline_edit_refused_value_80x24(snap_compare, isolated_config):
    async def edit(pilot) -> None:
        await no_blink(pilot)
        await pilot.press("right", "right", "right", "right", "enter", "ctrl+a", "ctrl+k", "x", "y", "z", "enter")
        await pilot.pause()

    assert snap_compare(app_for(isolated_config), terminal_size=(80, 24), run_before=edit)


def test_shock_active_120x36(snap_compare, isolated_config):
    async def scenario(pilot) -> None:
        await no_blink(pilot)
        await pilot.press("2", "down", "down", "enter", "1")  # pick the Aug 2015 replay, back to the layers
        await pilot.pause()

    assert snap_compare(app_for(isolated_config), terminal_size=(120, 36), run_before=scenario)


def test_help_screen(snap_compare, isolated_config):
    assert snap_compare(app_for(isolated_config), terminal_size=(110, 44), press=["question_mark"], run_before=no_blink)


def test_too_small(snap_compare, isolated_config):
    assert snap_compare(app_for(isolated_config), terminal_size=(40, 12), run_before=no_blink)


@pytest.mark.parametrize("theme", ["alvh-light", "alvh-high-contrast"])
def test_themes_80x24(snap_compare, isolated_config, theme):
    assert snap_compare(app_for(isolated_config, theme), terminal_size=(80, 24), run_before=no_blink)


def test_sizing_view_coverage_80x24(snap_compare, isolated_config):
    async def view(pilot) -> None:
        await no_blink(pilot)
        await pilot.press("v", "m")  # the VaR/sizing view, then coverage sizing
        await pilot.pause()

    assert snap_compare(app_for(isolated_config), terminal_size=(80, 24), run_before=view)


def test_roll_view_80x24(snap_compare, isolated_config):
    async def view(pilot) -> None:
        await no_blink(pilot)
        await pilot.press("r")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app_for(isolated_config), terminal_size=(80, 24), run_before=view)


def test_ftx_replay_active_80x24(snap_compare, isolated_config):
    async def ftx(pilot) -> None:
        await no_blink(pilot)
        row = next(i for i, r in enumerate(pilot.app.valuation.scenarios) if r.episode_id == "ftx-2022")
        await pilot.press("2", *["down"] * row, "enter")
        await pilot.pause()

    assert snap_compare(app_for(isolated_config), terminal_size=(80, 24), run_before=ftx)


def test_financed_preset_80x24(snap_compare, isolated_config):
    """P: the near layer a 1x1 call spread (strikes long/short, net premium, financed share);
    h: the payoff at the near expiry, capped above the short strike."""

    async def financed(pilot) -> None:
        await no_blink(pilot)
        await pilot.press("P", "h")
        await pilot.pause()

    assert snap_compare(app_for(isolated_config), terminal_size=(80, 24), run_before=financed)


def test_history_view_80x24(snap_compare, isolated_config):
    async def view(pilot) -> None:
        await no_blink(pilot)
        await pilot.press("b")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        for _ in range(100):  # the result is handed to the screen after the worker ends
            if getattr(pilot.app.screen, "state", "") == "done":
                break
            await pilot.pause(0.05)
        await pilot.pause()

    assert snap_compare(app_for(isolated_config), terminal_size=(80, 24), run_before=view)
