"""The history view (key ``b``): runs in a worker, shows the chart and the yearly table at
80x24, a progress bar when slow, esc cancels, and re-runs only on demand."""

from __future__ import annotations

import threading
import time

import pytest

import tui.core.backtest as backtest_module
from tui.screens.history_view import BacktestScreen


async def _wait(pilot, predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        await pilot.pause(0.05)


@pytest.fixture
def counted(monkeypatch):
    """run_backtest, counting calls."""
    calls = []
    real = backtest_module.run_backtest

    def run(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(backtest_module, "run_backtest", run)
    return calls


async def test_b_opens_the_history_view_at_80x24(make_app, counted):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await _wait(pilot, lambda: isinstance(app.screen, BacktestScreen) and app.screen.state == "done")
        screen = app.screen
        years = screen.query_one("#bt-years").rows
        assert [r.cells[0] for r in years[:2]] == ["2006", "2007"] and years[-1].cells[0] == "all"
        assert len(years) == 21  # 2006..2025 and the total
        status = str(screen.query_one("#bt-status").render())
        assert "VXTH" in status and "at equal cost" in status and "not traded option prices" in status
        chart = "\n".join(screen.query_one("#bt-chart").build_frame().text_rows())  # not the last paint
        assert "H" in chart and "X" in chart and "┆" in chart  # hedge, VXTH, episode marks
        assert "2008" in chart and "2020" in chart
        for widget in (screen.query_one("#bt-chart"), screen.query_one("#bt-years")):
            assert widget.region.bottom <= 23 and widget.region.height >= 6
        await pilot.press("e")
        await pilot.pause()
        assert "E" in "\n".join(screen.query_one("#bt-chart").build_frame().text_rows())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, BacktestScreen)
        assert len(counted) == 1


async def test_no_rerun_on_edits_only_on_demand(make_app, counted):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await _wait(pilot, lambda: isinstance(app.screen, BacktestScreen) and app.screen.state == "done")
        await pilot.press("m")  # the views' sizing-mode key: the plan is edited and repriced
        await pilot.pause(0.3)
        assert len(counted) == 1
        assert "the plan changed since this run" in str(app.screen.query_one("#bt-status").render())
        await pilot.press("b")
        await _wait(pilot, lambda: len(counted) == 2 and app.screen.state == "done")
        assert counted[-1] is app.valuation.plan
        assert "the plan changed" not in str(app.screen.query_one("#bt-status").render())


async def test_slow_run_shows_progress_and_esc_cancels(make_app, monkeypatch):
    started = threading.Event()

    def slow(plan, history, settings=None, progress=None, cancelled=None):
        started.set()
        for _ in range(400):  # at most ~20 s
            if cancelled():
                raise backtest_module.BacktestCancelled()
            progress(0.1)
            time.sleep(0.05)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(backtest_module, "run_backtest", slow)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await _wait(pilot, started.is_set)
        screen = app.screen
        await _wait(pilot, lambda: screen.query_one("#bt-progress").display)
        assert screen.state == "running"
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.screen is screen and screen.state == "cancelled"
        assert not screen.query_one("#bt-progress").display
        assert "cancelled" in str(screen.query_one("#bt-status").render())
        await _wait(pilot, lambda: screen.worker.is_finished)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, BacktestScreen)


async def test_a_bad_history_file_is_a_message_not_a_crash(make_app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,m1\n2024-08-05,oops\n")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = BacktestScreen(app.valuation, history_path=bad)
        app.push_screen(screen)
        await _wait(pilot, lambda: screen.state == "failed")
        status = str(screen.query_one("#bt-status").render())
        assert "cannot run" in status and "line 2, column 'm1'" in status
        assert app.is_running


async def test_an_error_quoting_plan_text_is_shown_literally(make_app, monkeypatch):
    """A backtest error quotes plan values: "[backtest]" must stay on screen and a "[/]"
    must not raise a markup error (the status line was read as markup)."""
    from tui.core.backtest import BacktestError

    def fails(*args, **kwargs):
        raise BacktestError("[backtest] entry 'x[/]y' is not one of always, backwardation")

    monkeypatch.setattr(backtest_module, "run_backtest", fails)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("b")
        await _wait(pilot, lambda: isinstance(app.screen, BacktestScreen) and app.screen.state != "running")
        await pilot.pause()
        shown = str(app.screen.query_one("#bt-status").render())
        assert "[backtest] entry 'x[/]y'" in shown
