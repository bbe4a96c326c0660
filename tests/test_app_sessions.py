"""Two sessions on one plan (issue 10 items 2, 6, 8), headless: the lock taken at open, the
second session told who has the plan open, journals per session, stale journals offered and
cleaned, damaged journals set aside, a crash exiting non-zero after journaling.

"Another session" here is a lock (and journal) held by this test process the way a running
alvh-tui holds them; tests/test_tmux_recover.py runs two real processes in a terminal.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from app_driver import SIZE, edit_cell, texts, wait_until, write_journal
from tui import app as app_module
from tui.core import journal as jr
from tui.core.plan_io import load_plan
from tui.screens.problems import ProblemsModal
from tui.screens.recover import LockedModal, RecoverModal


def other_session(path: Path | None, session: str = "0a0a0a0a") -> tuple[jr.SessionLock, Path]:
    """Another session that has ``path`` open: its lock, and where its journal goes."""
    journal = jr.journal_file(path, jr.plan_key(path), session=session)
    return jr.SessionLock.take(journal, path), journal


def locks_of(path: Path | None) -> list[Path]:
    return sorted(jr.journal_dir().glob(f"*{jr.plan_key(path)}*{jr.LOCK_SUFFIX}"))


async def test_the_lock_is_taken_at_open_before_any_edit_and_released_at_exit(make_app, saved):
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert locks_of(saved) == [app.journal.lock.file] and not app.dirty
        (info,) = jr.scan(saved).live
        assert info.pid == os.getpid() and info.host == socket.gethostname() and not info.read_only
    assert locks_of(saved) == []


async def test_a_plan_open_elsewhere_is_shown_and_read_only_refuses_to_save_over_it(make_app, saved, sample):
    lock, _ = other_session(saved)
    before = saved.read_bytes()
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LockedModal)
        shown = texts(app.screen)
        assert "hedge.toml is open in another session" in shown
        assert f"pid {os.getpid()} on {socket.gethostname()} since " in shown
        assert "read-only" in shown and "open anyway" in shown and "quit" in shown
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, LockedModal) and app.read_only
        assert "read-only" in str(app.editor.border_title)
        await edit_cell(pilot, app, 0, "strike", "35")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.dirty and "read-only" in app.editor.message and saved.read_bytes() == before
        assert jr.read(app.journal.file).plan == app.plan  # the edits are journaled all the same
        assert app.journal.file != jr.lock_file(lock.file) and lock.file.exists()
        mine = [info for info in jr.scan(saved, own=(lock.file,)).live]
        assert len(mine) == 1 and mine[0].read_only  # the others see this session as a reader
    lock.release()


async def test_open_anyway_edits_and_quit_leaves(make_app, saved):
    lock, _ = other_session(saved)
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert not app.read_only and not isinstance(app.screen, LockedModal)
        await edit_cell(pilot, app, 0, "strike", "35")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.dirty and load_plan(saved).layers[0].strike == 35.0
    quitter = make_app(saved)
    async with quitter.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert quitter.return_value == 0 and not quitter.is_running
    lock.release()


async def test_two_sessions_never_delete_each_others_journal(make_app, saved, sample):
    """Issue 10's sequence: A and B edit one plan, A saves, B is killed: B's edit survives."""
    a_lock, a_journal = other_session(saved)
    jr.write(a_journal, jr.render(sample.with_layer(0, strike=40.0), saved, None, edits=1))
    b = make_app(saved)
    async with b.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(b.screen, LockedModal)  # A's live journal is not offered for recovery
        await pilot.press("o")
        await pilot.pause()
        assert not isinstance(b.screen, RecoverModal)
        await edit_cell(pilot, b, 1, "weight", "0.35")
        await wait_until(pilot, b.journal.file.exists, "B's journal")
        assert b.journal.file != a_journal and a_journal.exists()  # one journal per session
        b.journal.discard()  # B discards its edits: A's journal stays
        assert a_journal.exists()
        await edit_cell(pilot, b, 1, "weight", "0.36")
        await wait_until(pilot, b.journal.file.exists, "B's journal again")
        b_journal = b.journal.file
        b_plan = b.plan
        await pilot.press("ctrl+s")  # B saves: only B's journal goes
        await pilot.pause()
        assert not b_journal.exists() and a_journal.exists()
    a_lock._handle.close()  # A is killed: its flock goes, its files stay
    a_lock._handle = None
    again = make_app(saved)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, RecoverModal) and "layers[0].strike: ATM -> 40" in texts(again.screen)
        await pilot.press("r")
        await pilot.pause()
        assert again.plan.layers[0].strike == 40.0 and not a_journal.exists()
    assert load_plan(saved) == b_plan


async def test_stale_journals_are_offered_once_and_discard_cleans_them_all(make_app, sample):
    files = []
    for i in range(200):
        file = write_journal(None, sample.with_layer(0, strike=30.0 + i % 5), key=f"untitled-{i:012x}")
        os.utime(file, ns=(i * 10**9, i * 10**9))
        files.append(file)
    live_lock, live_journal = other_session(None, session="")  # a running untitled session...
    jr.write(live_journal, jr.render(sample, None, None))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RecoverModal)
        assert "199 older journal(s)" in texts(app.screen) and "layers[0].strike: ATM -> 34" in texts(app.screen)
        await pilot.press("d")
        await pilot.pause()
    assert not any(file.exists() for file in files)
    assert live_journal.exists() and live_lock.file.exists()  # ...keeps its journal
    leftovers = {p.name for p in jr.journal_dir().iterdir()} - {live_journal.name, live_lock.file.name}
    assert leftovers == set()
    live_lock.release()


async def test_opening_from_the_app_a_plan_open_elsewhere_can_be_declined(make_app, saved, sample, tmp_path):
    lock, _ = other_session(saved)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_path(saved)
        await pilot.pause()
        assert isinstance(app.screen, LockedModal) and "keep the current plan" in texts(app.screen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.path is None and app.is_running  # nothing opened, nothing quit
        app.open_path(saved)
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert app.path == saved and app.read_only
        assert jr.scan(saved, own=(lock.file,)).live[0].read_only
    lock.release()


# -- damaged journals (item 6) -------------------------------------------------------------

_HEADER = '{"plan_path": "%s", "based_on": {"mtime_ns": 1, "size": 2, "sha256": "%s"}, "pid": 4242, "host": "h"}'


@pytest.mark.parametrize(
    "damage",
    [
        ('"mtime_ns": 1', '"mtime_ns": 1e400'),
        ('"plan_path": ', '"x": ' + "[" * 100_000 + "]" * 100_000 + ', "plan_path": '),
        ('"pid": 4242', '"pid": ' + str(10**30)),
    ],
    ids=["mtime_ns=1e400", "nested 100,000 deep", "pid=10**30"],
)
async def test_a_damaged_journal_is_set_aside_with_a_message(make_app, saved, sample, damage):
    file = jr.journal_file(saved, jr.plan_key(saved))
    file.parent.mkdir(parents=True, exist_ok=True)
    header = (_HEADER % (saved, "0" * 64)).replace(*damage)
    file.write_text(f"{jr.MAGIC}\n# {header}\n" + jr.dumps_plan(sample.with_layer(0, strike=35.0)))
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ProblemsModal)
        shown = texts(app.screen)
        assert "damaged" in shown and "kept aside as" in shown and "unreadable header" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert app.plan == sample
    assert not file.exists() and len(list(file.parent.glob(file.name + ".corrupt-*"))) == 1


# -- a crash (item 8) -----------------------------------------------------------------------


def test_an_uncaught_exception_exits_non_zero_after_journaling(saved, monkeypatch, capsys):
    def broken_help(self):
        raise RuntimeError("a bug")

    async def pilot_script(pilot):
        app = pilot.app
        await pilot.pause()
        await edit_cell(pilot, app, 0, "strike", "35")
        await pilot.press("question_mark")

    run = app_module.AlvhApp.run
    monkeypatch.setattr(app_module.AlvhApp, "action_help", broken_help)
    monkeypatch.setattr(app_module.AlvhApp, "run", lambda self, **kw: run(self, headless=True, size=SIZE, auto_pilot=pilot_script))
    code = app_module.run_app(saved)
    assert code == 1
    (journal,) = jr.journal_dir().glob("*" + jr.SUFFIX)
    assert jr.read(journal).plan.layers[0].strike == 35.0
    assert "recovery journal" in capsys.readouterr().err
