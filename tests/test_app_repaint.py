"""Repaint only what changed: a keystroke's new valuation repaints the chart rows and
detail lines whose content differs, and what is then on screen is exactly what a full
redraw would show (so the savings can never leave a stale row behind)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.core.valuation import value_plan
from tui.widgets.payoff_chart import PayoffChart


class ChartApp(App):
    CSS = "PayoffChart { height: 1fr; width: 1fr; }"

    def compose(self) -> ComposeResult:
        yield PayoffChart()


def shown_rows(chart: PayoffChart) -> list[str]:
    """The rows as the widget hands them to the compositor (its cached Strips)."""
    return [chart.render_line(y).text for y in range(chart.size.height)]


def full_redraw(chart: PayoffChart) -> list[str]:
    """The rows a chart drawn from scratch with the same data shows."""
    return chart.build_frame().text_rows()


async def test_a_small_edit_repaints_only_the_chart_rows_that_changed(default_plan):
    first = value_plan(default_plan)
    second = value_plan(default_plan.with_layer(0, strike=36.0))
    app = ChartApp()
    async with app.run_test(size=(100, 40)) as pilot:
        chart = app.query_one(PayoffChart)
        chart.show(first, "today")
        await pilot.pause()
        height = chart.size.height
        before = shown_rows(chart)
        assert before == full_redraw(chart) and chart.rows_repainted == height  # the first draw: all of it

        chart.show(second, "today")
        after = shown_rows(chart)
        changed = sum(a != b for a, b in zip(before, after, strict=True))
        assert after == full_redraw(chart)  # nothing stale is left on screen
        assert 0 < changed == chart.rows_repainted < height // 2  # the curve moved through a few rows only

        chart.show(second, "today")  # the same valuation again: nothing to repaint
        assert chart.rows_repainted == 0 and shown_rows(chart) == after

        chart.show(first, "today")  # and back: exactly the first picture
        assert shown_rows(chart) == before and chart.rows_repainted == changed


async def test_a_resize_or_the_hedge_only_toggle_redraws_the_chart_whole(default_plan):
    valuation = value_plan(default_plan)
    app = ChartApp()
    async with app.run_test(size=(100, 40)) as pilot:
        chart = app.query_one(PayoffChart)
        chart.show(valuation, "today")
        await pilot.pause()
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        assert chart.size.height < 40 and shown_rows(chart) == full_redraw(chart)
        three_lines = shown_rows(chart)
        chart.toggle_hedge_only()
        assert shown_rows(chart) == full_redraw(chart) != three_lines


async def test_a_reprice_repaints_only_the_scenario_detail_lines_that_changed(make_app):
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:  # wide and tall: the detail has seven lines
        await pilot.pause()
        detail = app.query_one("#scenario-detail")
        before = [detail.render_line(y).text for y in range(detail.size.height)]
        assert sum(bool(line.strip()) for line in before) >= 4
        app.apply_plan(app.plan.with_layer(0, strike=36.0), "strike of near")
        dirty = {y for region in detail._repaint_regions for y in range(region.y, region.bottom)}
        await pilot.pause()
        after = [detail.render_line(y).text for y in range(detail.size.height)]
        changed = {y for y, (a, b) in enumerate(zip(before, after, strict=True)) if a != b}
        assert changed and len(dirty) == len(changed) < len(before) // 2  # the hedge's figures only
        detail.refresh()  # a full repaint shows exactly the same lines
        await pilot.pause()
        assert [detail.render_line(y).text for y in range(detail.size.height)] == after
        assert "hedge" in " ".join(after) and app.query_one("#scenarios").valuation is app.valuation


async def test_a_new_pane_title_or_message_repaints_only_its_border_line(make_app):
    """The layer pane's message (its bottom border) and title (its top border) change on
    many keys; Textual's own setter repaints the whole pane, and with it every pane the
    frame then spans. Only the border line is repainted, and the screen shows the new text."""
    from screen_text import screen_text
    from tui.widgets.util import set_border_subtitle, set_border_title

    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        editor = app.editor
        top, bottom = editor.region.y, editor.region.bottom - 1
        for setter, line, text in ((set_border_subtitle, bottom, "a message of this key"), (set_border_title, top, "Layers · a new title")):
            await pilot.pause()
            editor._repaint_regions.clear()  # (Textual's record of what the next frame repaints)
            setter(editor, text)
            assert [tuple(r) for r in editor._repaint_regions] == [(0, line - editor.region.y, editor.outer_size.width, 1)]
            await pilot.pause()
            assert text in screen_text(app).splitlines()[line]
            setter(editor, text)  # the same text again: nothing to repaint
            assert not editor._repaint_regions
