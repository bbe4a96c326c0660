"""Driving the app headless (Pilot) in tests: the terminal size, moving the layer-table
cursor and typing into a cell as a user does, reading cells back, bounded waits, and the
journal an ended session left. Shared by the tests/test_app*.py modules.
"""

from __future__ import annotations

import time
from pathlib import Path

from tui.app import AlvhApp
from tui.core import journal as jr
from tui.core.plan_save import file_stamp
from tui.widgets.grid_table import GridTable
from tui.widgets.layer_editor import COLUMN_KEYS, CellInput

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
    """Arrow keys to the cell, enter, then the text a key at a time and enter: as a user does."""
    await goto(pilot, app, row, key)
    await pilot.press("enter")
    assert app.editor.editing == (row, key)
    await pilot.press("ctrl+a", "ctrl+k", *list(text), "enter")  # start, kill to end, type, apply
    await pilot.pause()


async def edit_cell(pilot, app: AlvhApp, row: int, key: str, text: str) -> None:
    """The same edit with the cursor placed and the editor's value set directly: for tests of
    what an edit does (undo, save, journal), not of moving and typing (Textual's Pilot waits
    at least 40 ms a key). Enter still opens the editor and applies the value."""
    table = app.query_one("#layer-table", GridTable)
    table.focus()
    app.editor.move_to(row, COLUMN_KEYS.index(key))
    await pilot.press("enter")
    assert app.editor.editing == (row, key)
    app.query_one(CellInput).value = text
    await pilot.press("enter")
    await pilot.pause()


async def wait_until(pilot, predicate, what: str, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def texts(screen) -> str:
    return "\n".join(str(s.render()) for s in screen.query("Static"))


def journal_of(path: Path | None) -> Path:
    """The version-1 name (no session): what an ended session of an older alvh-tui left."""
    return jr.journal_file(path, jr.plan_key(path))


def write_journal(path: Path | None, plan, based_on=None, key: str | None = None, session: str | None = "0badcafe") -> Path:
    """The journal an ended session left (no lock is held for it)."""
    file = jr.journal_file(path, key or jr.plan_key(path), session=session)
    jr.write(file, jr.render(plan, path, based_on if based_on is not None else (file_stamp(path) if path and path.exists() else None), edits=1))
    return file
