"""User text never acts as markup nor reaches the terminal raw (issue 10 items 3 and 9).

Markup (``[/]``, ``[b="]``, ``[@click=app.quit]x[/]``, ``hedge [draft].toml``) and terminal
escapes (ESC, BEL, C1 CSI, OSC 0 retitling, OSC 52 writing the clipboard) go through every
place user text is shown: the plan name, folder and file names, layer names, typed values,
the journal's and the lock's header fields; in titles, messages, notifications, dialogs and
table cells. What is checked is what the app would write to the terminal: the compositor's
output for the whole screen, as the driver sends it.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from app_driver import layer_cell, wait_until
from tui.core import journal as jr
from tui.core.plan_save import save_plan
from tui.screens.confirm import ConfirmQuitModal
from tui.screens.file_prompt import PathModal
from tui.screens.problems import ProblemsModal
from tui.screens.recover import FileChangedModal, LockedModal, RecoverModal
from tui.screens.views import RiskScreen, RollScreen
from tui.widgets.layer_editor import CellInput

WIDE = (220, 50)  # nothing cropped: every name is on screen in full
CLICK = "[@click=app.quit]x[/]"
MARKUP_NAMES = ("x[/]", '[b="]', CLICK)
PLAN_NAME = 'Q3 [/] hedge [b="] ' + CLICK
ESC_TITLE = "\x1b]0;PWNED\x07\x1b[2J"  # retitle the terminal, then clear it
OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # write the clipboard
C1_CSI = "\x9b31m"
RAW = ("\x1b]", "\x07", "\x9b", "\x1b[2J", "PWNED\x07")


def shown(app) -> str:
    """What the app writes to the terminal for its current screen."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def assert_safe(app, *literals: str) -> str:
    out = shown(app)
    for raw in RAW:
        assert raw not in out, f"{raw!r} reached the terminal"
    for literal in literals:
        assert literal in out, f"{literal!r} is not on the screen as typed"
    assert app.is_running
    return out


@pytest.fixture
def hostile(tmp_path, default_plan):
    folder = tmp_path / ('x[b="]y' + ESC_TITLE)
    folder.mkdir()
    sample = default_plan
    layers = tuple(replace(layer, name=name) for layer, name in zip(sample.layers, MARKUP_NAMES, strict=True))
    plan = replace(sample, name=PLAN_NAME, layers=layers)
    path = folder / ("hedge [draft]" + OSC52 + C1_CSI + ".toml")
    save_plan(plan, path)
    return path, plan


async def test_markup_and_escapes_in_every_title_message_dialog_and_cell(make_app, hostile):
    path, plan = hostile
    # another session on another host has it open, and an ended one left a journal
    journal = jr.journal_file(path, jr.plan_key(path), session="0badcafe")
    journal.parent.mkdir(parents=True, exist_ok=True)
    jr.lock_file(jr.journal_file(path, jr.plan_key(path), session="feedf00d")).write_text(
        json.dumps({"pid": 7, "host": CLICK + ESC_TITLE, "since": "[/]" + OSC52})
    )
    text = jr.render(plan.with_layer(0, strike=35.0), path, None)
    head, rest = text.split("\n", 1)
    header, body = rest.split("\n", 1)
    fields = json.loads(header[2:]) | {"host": '[b="]' + C1_CSI, "written_at": "[/]" + ESC_TITLE}
    journal.write_text(f"{head}\n# {json.dumps(fields)}\n{body}")

    app = make_app(path)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LockedModal)
        assert_safe(app, "hedge [draft]", CLICK, "[/]")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, RecoverModal)
        assert_safe(app, "hedge [draft]", '[b="]', "[/]")
        await pilot.press("r")
        await pilot.pause()
        assert app.plan.layers[0].strike == 35.0

        # titles and cells
        out = assert_safe(app, "hedge [draft]", PLAN_NAME, "\\u001b]52")
        for row, name in enumerate(MARKUP_NAMES):
            assert layer_cell(app, row, "name") == name or name[:6] in out

        # the inline editor's prompt names the layer; typed values come back in messages
        app.editor.move_to(2, 0)
        await pilot.press("enter")
        assert_safe(app, f"name of {CLICK}")
        app.query_one(CellInput).value = "a[/b]"
        await pilot.press("enter")
        await pilot.pause()
        assert app.plan.layers[2].name == "a[/b]"
        assert_safe(app, "a[/b]")
        app.editor.move_to(1, 3)
        await pilot.press("enter")
        app.query_one(CellInput).value = "[/]" + ESC_TITLE
        await pilot.press("enter")
        await pilot.pause()
        assert_safe(app, "[/]")

        # the journal's edits predate the file: saving asks, naming the file; then a notification names it
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FileChangedModal)
        assert_safe(app, "hedge [draft]")
        await pilot.press("o")
        await wait_until(pilot, lambda: not app.dirty, "the save", timeout=10)
        await pilot.pause()
        # (the "saved" message is in the layer pane's message line: a toast covered the table)
        assert app.editor.message.startswith("saved ") and "hedge [draft]" in app.editor.message
        assert_safe(app, "saved ")  # shown escaped: no raw control sequence reached the terminal

        # the detail views carry the plan's and the layers' names
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RiskScreen)
        assert_safe(app, PLAN_NAME)
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RollScreen) and app.screen.rolls is not None, "the rolls", timeout=15)
        await pilot.pause()
        assert_safe(app, PLAN_NAME)
        await pilot.press("escape")
        await pilot.pause()

        # the quit guard names the file; save-as does not prefill a name it cannot show
        app.apply_plan(app.plan.with_layer(0, strike=36.0), "strike")
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuitModal)
        assert_safe(app, "hedge [draft]", 'x[b="]y')
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        assert_safe(app)
        await pilot.press("escape")
        await pilot.pause()

        # a plan that cannot be opened: the problems dialog names it
        broken = path.with_name('q[b="]' + ESC_TITLE + ".toml")
        broken.write_text("schema = [[[\n")
        app.journal.discard()
        app.plan = app.saved_plan
        app.open_path(broken)
        await pilot.pause()
        assert isinstance(app.screen, ProblemsModal)
        assert_safe(app, 'q[b="]')
        await pilot.press("enter")
        await pilot.pause()
        assert_safe(app)


async def test_a_plan_named_with_markup_opens_and_its_layers_edit(make_app, tmp_path, default_plan):
    """The crashes of issue 10 item 3, one by one: open, first edit, typed `[/]`."""
    sample = default_plan
    path = tmp_path / "q[b=\"].toml"
    save_plan(replace(sample, name="Q3 [/] hedge", layers=(replace(sample.layers[0], name="x[/]"), *sample.layers[1:])), path)
    app = make_app(path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "Q3 [/] hedge" in shown(app)
        app.apply_plan(app.plan.with_layer(0, strike=35.0), "strike of x[/]")
        app.editor.say("strike of x[/]")
        await pilot.pause()
        assert "strike of x[/]" in shown(app)
