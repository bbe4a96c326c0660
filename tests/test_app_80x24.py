"""The app at 80x24 (and larger), as a new user finds it: every dialog and view can be read
to its end with the keyboard and says how to close it; focus survives the "too small"
screen; the scenario inputs show the values in force; the payoff chart labels its markers
apart; weight changes say what they did; a fixable plan opens with its problems listed.

These read the screen as text (tests/screen_text.py), the way a user reads it.
"""

from __future__ import annotations

import pytest

from screen_text import screen_text
from tui.core.plan_io import load_plan
from tui.core.plan_save import save_plan
from tui.resources import default_plan_path
from tui.screens.help import KEY_HELP
from tui.screens.problems import ProblemsModal
from tui.screens.recover import FileChangedModal, RecoverModal
from tui.screens.scenario_info import ScenarioInfoScreen

SMALL = (80, 24)


def _squash(text: str) -> str:
    """The screen's words, whatever the wrapping and the dialog's border characters."""
    return " ".join("".join(ch if ch.isalnum() or ch in "/.-+:" else " " for ch in text).split())


async def _read_to_the_end(pilot) -> str:
    await pilot.press("end")
    await pilot.pause()
    return screen_text(pilot.app)


async def test_help_scrolls_to_its_last_key_and_shows_how_to_close(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        screen = screen_text(app)
        assert "esc / ? : close" in screen  # before any scrolling
        screen = await _read_to_the_end(pilot)
        last_key, last_text = KEY_HELP[-1][1][-1]
        assert last_key in screen and _squash(last_text) in _squash(screen)
        assert "esc / ? : close" in screen


async def test_scenario_notes_scroll_to_their_sources_and_show_how_to_close(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        row = next(i for i, r in enumerate(app.valuation.scenarios) if r.episode_id == "covid-2020")
        await pilot.press("2", *["down"] * row, "i")
        await pilot.pause()
        assert isinstance(app.screen, ScenarioInfoScreen)
        assert "esc / i : close" in screen_text(app)
        screen = await _read_to_the_end(pilot)
        last = app.screen.text().splitlines()[-1]
        assert _squash(last)[-30:] in _squash(screen)  # the end of the last line (the sources)
        assert "esc / i : close" in screen


@pytest.mark.parametrize("kind", ["recover", "changed", "problems"])
async def test_long_dialogs_scroll_and_keep_their_choices_on_screen(make_app, kind):
    lines = [f"layers[{i}].weight: 0.{i:02d} -> 0.{i + 1:02d} (line {i})" for i in range(40)]
    dialog = {
        "recover": lambda: RecoverModal("Unsaved edits of plan.toml", ["journal written today"], lines),
        "changed": lambda: FileChangedModal("/tmp/plan.toml", lines),
        "problems": lambda: ProblemsModal("Cannot open plan.toml", lines, "The current plan is unchanged."),
    }[kind]()
    choice = {"recover": "recover the edits", "changed": "overwrite it", "problems": "enter/esc: close"}[kind]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        app.push_screen(dialog)
        await pilot.pause()
        assert choice in screen_text(app)
        screen = await _read_to_the_end(pilot)
        assert "(line 39)" in screen and choice in screen
        assert "more" not in screen  # never cut at "... and N more"


@pytest.mark.parametrize("back_to", [(80, 24), (160, 48)])
async def test_focus_comes_back_after_the_too_small_screen(make_app, back_to):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("2", "down")  # the scenario table, second row
        table = app.query_one("#scenario-table")
        assert app.focused is table
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        await pilot.resize_terminal(*back_to)
        await pilot.pause()
        assert app.focused is table
        await pilot.press("down")
        assert table.cursor_row == 2  # arrows work at once
        await pilot.press("1", "right", "plus")
        await pilot.pause()
        assert app.editor.table.cursor_column == 1 and app.dirty  # and + nudged the weight


def _fields(app) -> dict[str, object]:
    return {name: app.query_one(f"#scenario-{name}") for name in ("shift", "vol", "days")}


async def _type(pilot, text: str) -> None:
    await pilot.press("ctrl+a", "ctrl+k", *text)
    await pilot.pause()


async def test_scenario_fields_never_show_a_value_that_is_not_applied(make_app):
    """vol× 0, days -5, VIX± 1e6: each is kept as typed, marked, explained on screen (within
    80 columns), and not applied; leaving the field puts back the value in force."""
    from tui.core.scenario_inputs import scenario_texts

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        fields = _fields(app)
        await pilot.press("4")
        assert app.focused is fields["shift"]
        assert "esc" in screen_text(app).splitlines()[-1]  # the footer says how to leave the field
        for name, typed, reason in (("shift", "1e6", "at most +500"), ("vol", "0", "must be >0"), ("days", "-5", "whole days")):
            app.query_one(f"#scenario-{name}").focus()
            await pilot.pause()
            await _type(pilot, typed)
            field = fields[name]
            assert field.value == typed  # nothing dropped silently ("-5" is not "5", "1e6" not "16")
            assert field.has_class("-not-applied")
            spot = app.plan.market.vix_spot
            active = app.scenario
            applied = dict(zip(("shift", "vol", "days"), (active.target_spot(spot) - spot, active.vol_scale, active.days_forward), strict=True))
            assert applied[name] != float(typed)  # not applied (typing "1" of "1e6" applied +1: that is shown)
            screen = screen_text(app)
            assert f"{typed} not applied" in screen and reason in screen  # the reason is readable at 80 columns
            await pilot.press("tab")  # leave the field
            await pilot.pause()
            assert not field.has_class("-not-applied")
            shown = dict(zip(("shift", "vol", "days"), scenario_texts(app.scenario, app.plan.market.vix_spot), strict=True))
            assert field.value == shown[name]  # the value in force is back
        await pilot.press("4", "escape")  # esc leaves the fields for the layers
        await pilot.pause()
        assert app.focused is app.editor.table and "not applied" not in screen_text(app)


async def test_a_replay_shows_rounded_values_and_stays_a_replay(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        row = next(i for i, r in enumerate(app.valuation.scenarios) if r.episode_id == "covid-2020")
        await pilot.press("2", *["down"] * row, "enter")
        await pilot.pause()
        replay = app.scenario
        assert replay.episode_id == "covid-2020"
        fields = _fields(app)
        for name, decimals in (("shift", 1), ("vol", 2)):
            text = fields[name].value
            assert len(text.split(".")[-1]) <= decimals if "." in text else True
        await pilot.press("4", "tab", "tab", "escape")  # through the fields without typing
        await pilot.pause()
        assert app.scenario == replay  # its own rounded display did not turn it into a custom shock


@pytest.mark.parametrize("size", [SMALL, (160, 48)])
async def test_payoff_markers_are_labelled_apart_and_the_break_even_is_printed(make_app, size):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        spot = app.plan.market.vix_spot
        breakevens = app.valuation.payoff.breakevens
        assert breakevens  # the sample hedge breaks even at today's spot
        screen = screen_text(app)
        assert "BE VIX" not in screen  # two labels never run together
        assert f"BE {breakevens[0]:.4g}" in screen and f"VIX {spot:.4g}" in screen
        await pilot.press("right_square_bracket", "h")  # another horizon and shock: still printed
        await pilot.pause()
        title = str(app.query_one("#payoff").border_title)
        assert "BE " + ", ".join(f"{b:.4g}" for b in app.valuation.payoff.breakevens[:3]) in title


async def test_a_weight_edit_says_how_the_others_were_rescaled_and_the_column_adds_up(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        editor = app.editor
        await pilot.press("down", "down", "right", "enter", "ctrl+a", "ctrl+k", *"0.3", "enter")
        await pilot.pause()
        assert [layer.weight for layer in app.plan.layers] == pytest.approx([0.35, 0.35, 0.3])
        message = "rescaled to sum 1: near 0.4→0.35, mid 0.4→0.35"
        assert message in editor.message and message in screen_text(app)  # readable at 80 columns
        await pilot.press("up", "up", "enter", "ctrl+a", "ctrl+k", *"0.375", "enter")
        await pilot.pause()
        shown = [editor.cell_value(i, "weight") for i in range(3)]
        total = editor.cell_value(3, "weight")
        assert round(sum(float(x) for x in shown), 6) == float(total) == 1.0  # the column visibly sums
        assert "0.375" in shown


async def test_a_plan_with_fixable_problems_opens_marked_and_save_waits_for_the_fix(make_app, tmp_path):
    from tui.cli import check

    sample = load_plan(default_plan_path())
    path = tmp_path / "heavy.toml"
    save_plan(sample, path)
    text = path.read_text().replace("weight = 0.4", "weight = 0.5", 1)  # near 0.5: the weights sum to 1.1
    path.write_text(text)
    assert check(path) == 2  # `check` still rejects it
    app = make_app(path)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.path == path and [layer.weight for layer in app.plan.layers] == pytest.approx([0.5, 0.4, 0.2])
        assert isinstance(app.screen, ProblemsModal)
        screen = screen_text(app)
        assert "needs a fix" in screen and "weights sum to 1.1" in screen
        await pilot.press("escape")
        await pilot.pause()
        assert "needs a fix" in screen_text(app)  # the plan stays marked
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert path.read_text() == text  # save refused: the file is untouched
        assert "needs a fix" in app.editor.message
        await pilot.press("n", "ctrl+s")  # renormalise, then save
        await pilot.pause()
        assert not app.needs_fix and "needs a fix" not in screen_text(app)
        assert load_plan(path) == app.plan and sum(layer.weight for layer in app.plan.layers) == pytest.approx(1.0)


def _table_lines(app) -> list[str]:
    """The layer table's lines as shown (header first), inside the pane's border."""
    lines = screen_text(app).splitlines()
    top = next(i for i, line in enumerate(lines) if line.lstrip("│ ").startswith("layer "))
    return [line.strip("│") for line in lines[top : top + 1 + len(app.plan.layers) + 1]]


async def test_layer_names_stay_in_view_and_hidden_columns_are_marked(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        lines = _table_lines(app)
        assert lines[0].rstrip().endswith("▶") and "◀" not in lines[0]  # more columns to the right
        await pilot.press("end")  # the last column (theta)
        await pilot.pause()
        lines = _table_lines(app)
        assert "theta" in lines[0] and "◀" in lines[0]
        names = [layer.name for layer in app.plan.layers] + ["total"]
        assert [line.split()[0] for line in lines[1:]] == names  # every row still says which layer it is
        # another plan opens scrolled back to the start
        other = tmp_path / "other.toml"
        save_plan(app.plan, other)
        app.open_path(other)
        await pilot.pause()
        assert app.editor.table.cursor == (0, 0) and "◀" not in _table_lines(app)[0]


async def test_wide_layer_names_keep_the_columns_aligned(make_app):
    from rich.cells import cell_len

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("enter", "ctrl+a", "ctrl+k", *"近月对冲", "enter")  # rename near (8 cells)
        await pilot.pause()
        assert app.plan.layers[0].name == "近月对冲"
        lines = _table_lines(app)
        widths = {cell_len(line) for line in lines}
        assert len(widths) == 1  # every line exactly as wide as the pane
        # the weight column starts at the same cell in every row
        starts = [cell_len(line[: line.index("0.")]) for line in lines[1:4]]
        assert len(set(starts)) == 1, lines


def test_episode_notes_speak_to_users_and_name_public_sources():
    from tui.core.episodes import load_episodes
    from tui.screens.scenario_info import PUBLIC_DATA, episode_notes

    for ep in load_episodes():
        text = "\n".join(episode_notes(ep.id))
        for internal in ("domain.md", ".csv", "suspect", "source column", "section 4", "row)"):
            assert internal not in text, (ep.id, internal, text)
        assert PUBLIC_DATA["vix_daily_ohlc.csv"] in text  # the data behind every replay, named
        for source in ep.sources:
            for outside in ("reuters.com", "coindesk.com", "financemagnates.com"):
                if outside in source:
                    assert outside in text  # the outside sources the research notes name are kept


async def test_small_things_at_80_columns(make_app, tmp_path):
    """q Quit in the footer; after a save the message line says so (not "nothing to redo")
    and no toast covers the table; one precision per column (prices, money)."""
    app = make_app()
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.pause()
        assert "q Quit" in screen_text(app).splitlines()[-1]
        prices = [app.editor.cell_value(i, "price") for i in range(3)]
        assert len({len(p.split(".")[1]) for p in prices}) == 1  # 3.511 / 3.435 / 1.846: one precision
        await pilot.press("U")  # "nothing to redo"
        await pilot.pause()
        assert app.editor.message == "nothing to redo"
        path = tmp_path / "saved.toml"
        app.save_to(path)
        await pilot.pause()
        assert app.editor.message == f"saved {path}" and not app._notifications
    from tui.format import usd_short

    assert [usd_short(x) for x in (23.0e6, 22.04e6, 578e6, 2.5e6, 800e3, 0)] == ["$23.0M", "$22.0M", "$578M", "$2.50M", "$800k", "$0"]


def test_a_percentage_that_rounds_to_zero_has_no_sign():
    """Nov 2022's cover (-0.1 %) showed as "-0%" in the compact table."""
    from tui.format import pct

    assert [pct(x, 0) for x in (-0.001, -0.004, -0.006, 0.0, 0.004)] == ["0%", "0%", "-1%", "0%", "0%"]
    assert [pct(x) for x in (-0.0004, -0.001, 0.2345)] == ["0.0%", "-0.1%", "23.4%"]


def test_the_short_verdict_says_how_little_the_hedge_did():
    """The compact detail line read "hedge no help": it now says how much the hedge covered
    (to a tenth of a percent, so it never contradicts the table's rounded cover) or that it
    lost money too, and by how much the VIX moved."""
    from dataclasses import replace

    from tui.core.valuation import value_plan
    from tui.widgets.scenario_text import _did_not_help

    v = value_plan(load_plan(default_plan_path()))
    stress = v.scenarios[0]
    assert stress.exposure_pnl_usd < 0 and 0 <= stress.coverage < 0.01  # the default plan's VaR row
    spot = v.market.vix_spot
    move = stress.target_spot - spot
    assert _did_not_help(stress, spot, short=True) == f"hedge covers {stress.coverage * 100:.1f}%, VIX {move:+.1f} pts"
    losing = replace(stress, coverage=-0.001)
    assert _did_not_help(losing, spot, short=True) == f"hedge loses too, VIX {move:+.1f} pts"


async def test_a_wide_terminal_shows_every_figure_in_full(make_app):
    from tui.core import edits
    from tui.format import usd

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        app.apply_plan(edits.set_budget(app.plan, "25M"), "budget")  # totals large enough to be cut before
        await pilot.pause()
        screen = screen_text(app)
        totals = app.valuation.totals
        for figure in (totals.premium_usd, totals.delta_usd, totals.vega_usd, totals.theta_usd):
            assert usd(figure) in screen, usd(figure)
        table = [line for line in screen.splitlines()[:8]]
        assert not any("…" in line for line in table)
        region = app.query_one("#scenario-detail").region  # the detail's own cells (it wraps)
        detail = " ".join(line[region.x : region.right] for line in screen.splitlines()[region.y : region.bottom])
        for line in app.query_one("#scenarios").detail_lines():  # the scenario detail, uncut
            assert _squash(line) in _squash(detail), line


async def test_the_v_view_wraps_lines_under_their_own_indent(make_app):
    """At 80 columns the VaR/sizing view wraps long lines: a continuation row keeps the
    indent of its line (or hangs after "warning: "), so no wrapped fragment starts at the
    left edge where only headings and warnings begin."""
    from tui.screens.views import RiskScreen

    app = make_app()
    async with app.run_test(size=(80, 160)) as pilot:  # tall: the whole view at once
        await pilot.press("v")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, RiskScreen)
        body = app.screen.query_one("#risk-text")
        logical = body.text.plain.split("\n")
        starts = [line for line in logical if line and not line.startswith(" ")]
        region = body.region
        rows = [line[region.x : region.right].rstrip() for line in screen_text(app).splitlines()[region.y : region.bottom]]
        wrapped = [line for line in logical if len(line) > region.width]
        assert wrapped, "nothing wraps at 80 columns: the test would prove nothing"
        for row in rows:
            if row and not row.startswith(" "):
                assert any(start.startswith(row.strip()[:30]) for start in starts), f"a wrapped fragment at the edge: {row!r}"
        # and the wrapped lines are all there, word for word
        assert " ".join(" ".join(rows).split()) == " ".join(" ".join(logical).split())


@pytest.mark.parametrize("size", [SMALL, (160, 48)])
async def test_the_curve_title_keeps_the_signal_count_whole(make_app, size):
    """On 2024-08-05 four entry signals fire: the curve pane's title says so in full at 80
    columns too (it was cut to "▲4…"), and names the regime where there is room; the
    subtitle keeps the next event whole (it was cut to "next C…")."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = app.query_one("#curve")
        top = screen_text(app).splitlines()[pane.region.y][pane.region.x : pane.region.right]
        assert "▲4" in top and "…" not in top, top
        assert "backwardation" in top
        if size != SMALL:
            assert "▲4 signals" in top
        bottom = screen_text(app).splitlines()[pane.region.bottom - 1][pane.region.x : pane.region.right]
        assert "VIX 38.57" in bottom and "CPI Aug 14" in bottom and "…" not in bottom, bottom


def test_the_curve_preview_subtitle_is_the_valuations_without_an_event(default_plan):
    """The preview (before the first valuation) and the valuation's subtitle come from one
    list: the same texts when no scheduled event is ahead, the event added when one is."""
    from dataclasses import replace

    from tui.core.valuation import value_plan
    from tui.widgets.curve_pane import curve_subtitles, market_subtitles

    v = value_plan(default_plan)
    day, spot = default_plan.market.as_of.isoformat(), f"VIX {default_plan.market.vix_spot:.2f}"
    assert market_subtitles(default_plan.market) == [f"as of {day} · {spot}", f"{day} · {spot}"]  # the preview's
    assert curve_subtitles(replace(v, events=())) == market_subtitles(default_plan.market)
    unscheduled = tuple(e for e in v.events if "unscheduled" in e.event)
    assert curve_subtitles(replace(v, events=unscheduled)) == market_subtitles(default_plan.market)
    with_event = curve_subtitles(v)
    assert with_event[0].startswith(f"as of {day} · {spot} · next ") and with_event[-1] == f"{day} · {spot}"


async def test_roll_warnings_wrap_under_their_text(make_app):
    """The roll view's warnings are longer than 80 columns: each continuation row hangs
    under the text after "warning: ", so two warnings never read as one paragraph."""
    from tui.screens.views import LOADING

    app = make_app()
    async with app.run_test(size=(80, 60)) as pilot:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        note = app.screen.query_one("#roll-note")
        assert "warning:" in note.text.plain and LOADING not in note.text.plain
        region = note.region
        rows = [line[region.x : region.right].rstrip() for line in screen_text(app).splitlines()[region.y : region.bottom]]
        warning_rows = [i for i, row in enumerate(rows) if row.startswith("warning: ")]
        assert len(warning_rows) >= 2
        first = warning_rows[0]
        continuation = rows[first + 1]
        assert continuation.startswith(" " * len("warning: ")) and continuation.strip(), rows


async def test_keys_in_one_burst_each_apply(make_app):
    """Three `+` delivered together (a fast typist, or an SSH link that sends keys in one
    packet) are three nudges: each edit builds on the one before it, even when the app has
    not applied that one yet. They were dropped as "made on an older plan"."""
    from textual import events

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("right", "right", "right", "right")  # the strike column
        await pilot.pause()
        assert app.plan.layers[0].strike == "ATM"
        for _ in range(3):
            app.post_message(events.Key("plus", "+"))  # queued together, handled back to back
        await pilot.pause()
        await pilot.pause()
        assert app.plan.layers[0].strike == "+15%"
        assert "older plan" not in str(app.editor.border_subtitle)
        assert len(app.undo_stack) == 3  # three edits, each undoable
        await pilot.press("u", "u", "u")
        await pilot.pause()
        assert app.plan.layers[0].strike == "ATM"


async def test_the_mkt_column_survives_a_resize_of_a_wide_terminal(make_app):
    """With a chain's quotes shown, going narrow and wide again kept the wide widths but
    dropped the mkt column: 13 headers over 14 cells, every figure after price misplaced."""
    app = make_app()
    async with app.run_test(size=(220, 50)) as pilot:
        editor = app.editor
        editor.market_quotes = {(app.valuation.layers[0].expiry, 32.0): 3.4}
        editor.market_quotes_day = app.plan.market.as_of
        app.reprice()
        await pilot.pause()
        for size in ((100, 40), (220, 50)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            table = editor.table
            keys = [c.key for c in table.columns]
            assert "mkt" in keys and all(len(row.cells) == len(keys) for row in table.rows), size


async def test_a_multi_line_notification_keeps_its_line_breaks(make_app):
    """notify(markup=False) escapes control characters line by line: a newline is layout,
    not "\\u000a" on screen; an ESC inside a line is still escaped."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        app.notify("Some theme files were skipped:\nbad\x1b.toml", title="Themes", markup=False)
        await pilot.pause()
        shown = list(app._notifications)[-1].message
        assert shown == "Some theme files were skipped:\nbad\\u001b.toml"


async def test_an_edit_and_a_shock_typed_in_one_burst_each_land(make_app):
    """Keys queued together are handled one after the other, each where the one before it
    moved the focus: enter opens the editor and the digits go into it; 4 moves to the
    shock fields and tab between them (before, the digits went to the table and were lost)."""
    from textual import events

    named = {"enter": "\r", "tab": "\t", "down": None}
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("right", "right", "right", "right")  # the strike column
        await pilot.pause()
        for key in ["enter", "4", "0", "enter", "down", "enter", "3", "3", "enter"]:
            app.post_message(events.Key(key, named.get(key, key)))  # queued together
        for _ in range(6):
            await pilot.pause()
        assert [layer.strike for layer in app.plan.layers[:2]] == [40.0, 33.0]
        assert app.editor.editing is None and len(app.undo_stack) == 2
        for key in ["4", "9", "tab", "2", "tab", "5"]:
            app.post_message(events.Key(key, named.get(key, key)))
        for _ in range(6):
            await pilot.pause()
        scenario = app.scenario
        assert (scenario.spot_shift, scenario.vol_scale, scenario.days_forward) == (9.0, 2.0, 5)


async def test_the_summary_line_is_the_active_scenarios_after_stepping_from_a_custom_shock(make_app):
    """`]` makes a custom shock (a row of its own); `>` then steps to the next scenario, and
    the custom row goes: the summary line under the table told of the scenario one row past
    the ▶ one (the cursor kept its index)."""
    from tui.widgets.scenario_panel import ScenarioPanel
    from tui.widgets.scenario_text import scenario_one_liner

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("0", "right_square_bracket")
        await pilot.pause()
        assert app.scenario.name == "custom"
        await pilot.press("greater_than_sign")
        await pilot.pause()
        panel = app.query_one(ScenarioPanel)
        active = panel.active_row()
        assert active is not None and app.valuation.scenarios[active].name == app.scenario.name != "custom"
        assert panel.table.cursor_row == active
        shown = screen_text(app)
        assert scenario_one_liner(app.valuation, active)[:30] in shown


async def test_keys_do_nothing_unseen_on_the_too_small_screen_but_q_quits(make_app):
    """The panes are hidden below 60x18; `]` there applied a shock nobody saw, + nudged a
    strike. Keys do nothing there; q still quits, as the screen says, and ctrl+s saves."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("right", "right", "right", "right")
        await pilot.pause()
        plan, scenario = app.plan, app.scenario
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        assert "terminal too small" in screen_text(app)
        await pilot.press("right_square_bracket", "plus", "x", "p")
        await pilot.pause()
        assert app.plan is plan and app.scenario is scenario and not app.undo_stack
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.press("plus")  # back to a usable size: keys work again
        await pilot.pause()
        assert app.plan is not plan
        await pilot.resize_terminal(50, 15)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running or app.screen is not app.main_screen  # quit, or its unsaved-edits question


async def test_a_paste_keeps_its_place_among_keys_delivered_with_it(make_app):
    """Keys typed and a bracketed paste that arrive in one read: the paste goes in after the
    keys before it (it overtook them while keys waited their turn and pastes did not)."""
    from textual import events

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("right", "right", "right", "right", "enter")
        await pilot.pause()
        field = app.focused
        assert app.editor.editing == (0, "strike")
        await pilot.press("ctrl+a", "ctrl+k")
        app.post_message(events.Key("1", "1"))
        app.post_message(events.Key("2", "2"))
        app.post_message(events.Paste("3"))
        app.post_message(events.Key("4", "4"))
        for _ in range(6):
            await pilot.pause()
        assert field.value == "1234"
