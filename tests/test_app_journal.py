"""Nothing lost, headless: the recovery journal, recover/discard/keep-both at open, a corrupt
journal, a file changed on disk, a failing save, SIGTERM. Every wait is bounded polling.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

from app_driver import SIZE, edit_cell, journal_of, layer_cell, texts, type_into_cell, wait_until, write_journal
from tui import journaling, plan_files
from tui.core import journal as jr
from tui.core.plan_io import load_plan
from tui.core.plan_save import SaveError, backup_path, file_stamp, save_plan
from tui.screens.file_prompt import PathModal
from tui.screens.help import KEY_HELP
from tui.screens.problems import ProblemsModal
from tui.screens.recover import FileChangedModal, RecoverModal

# -- journaling -----------------------------------------------------------------------


async def test_an_edit_is_journaled_within_a_second_and_the_file_is_untouched(make_app, saved):
    before = saved.read_bytes()
    app = make_app(saved)
    file = app.journal.file
    async with app.run_test(size=SIZE) as pilot:
        assert not file.exists()
        await edit_cell(pilot, app, 0, "strike", "35")
        edited_at = time.monotonic()
        await wait_until(pilot, file.exists, "the journal", timeout=1.0)
        assert time.monotonic() - edited_at < 1.0
        entry = jr.read(file)
        assert entry.plan == app.plan and entry.plan.layers[0].strike == 35.0
        assert entry.plan_path == saved and entry.based_on == file_stamp(saved)
        await edit_cell(pilot, app, 2, "weight", "0.3")
        await wait_until(pilot, lambda: jr.read(file).plan == app.plan, "the second edit in the journal")
        assert saved.read_bytes() == before  # never written without a save
        # undoing back to the file: nothing unsaved, no journal
        await pilot.press("u", "u")
        await wait_until(pilot, lambda: not file.exists(), "the journal to go")
        assert not app.dirty
    assert saved.read_bytes() == before


async def test_a_reprice_asks_the_journal_about_the_plan_only(make_app, saved, monkeypatch):
    """Every reprice tells the journal the plan may have changed; the whole unsaved state
    (with its whole-plan comparison against the saved one) is built only when it is written."""
    from tui.app import AlvhApp

    built = []
    unsaved = AlvhApp._unsaved
    monkeypatch.setattr(AlvhApp, "_unsaved", lambda self: built.append(1) or unsaved(self))
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        built.clear()
        app.reprice()
        app.reprice()
        assert built == []
        await edit_cell(pilot, app, 0, "strike", "35")
        await wait_until(pilot, lambda: app.journal.file.exists(), "the journal")
        assert built  # (the write itself reads the state)


async def test_save_removes_the_journal_and_discard_too(make_app, saved):
    app = make_app(saved)
    file = app.journal.file
    async with app.run_test(size=SIZE) as pilot:
        await edit_cell(pilot, app, 0, "strike", "35")
        await wait_until(pilot, file.exists, "the journal")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.dirty and not file.exists()
        assert load_plan(saved).layers[0].strike == 35.0
        await edit_cell(pilot, app, 0, "strike", "36")
        await wait_until(pilot, file.exists, "the journal")
        await pilot.press("q", "d")  # quit, discarding
        await pilot.pause()
    assert not file.exists() and app.return_value == 0
    assert load_plan(saved).layers[0].strike == 35.0


async def test_a_journal_that_cannot_be_written_says_so_once(make_app, saved, monkeypatch, tmp_path):
    blocker = tmp_path / "state-is-a-file"
    blocker.write_text("")
    monkeypatch.setenv(jr.STATE_ENV, str(blocker))
    app = make_app(saved)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await edit_cell(pilot, app, 0, "strike", "35")
        await wait_until(pilot, lambda: app.journal.last_error is not None, "the journal error")
        await edit_cell(pilot, app, 0, "strike", "36")
        await pilot.pause(journaling.DELAY + 0.1)
        warnings = [n for n in app._notifications if "recovery journal" in n.message]
        assert len(warnings) == 1 and "ctrl+s" in warnings[0].message
        await pilot.press("ctrl+s")  # the save itself still works
        await pilot.pause()
        assert not app.dirty and load_plan(saved).layers[0].strike == 36.0


async def test_a_slow_fsync_does_not_hold_up_keys_and_exit_completes_the_journal(make_app, saved, monkeypatch):
    """The journal's write (and its fsync) runs off the event loop: while a write is stuck
    in fsync, keys are handled and repriced; leaving the app then waits for that write and
    writes the latest edit, so nothing is lost."""
    stuck = threading.Event()
    release = threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        if threading.current_thread() is not threading.main_thread():
            stuck.set()
            release.wait(20)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    app = make_app(saved)
    file = app.journal.file
    try:
        async with app.run_test(size=SIZE) as pilot:
            await type_into_cell(pilot, app, 0, "strike", "35")
            await wait_until(pilot, stuck.is_set, "the journal write to reach fsync off the event loop")
            await type_into_cell(pilot, app, 0, "strike", "36")  # while that write is stuck
            assert layer_cell(app, 0, "strike").endswith("36") and app.valuation.plan is app.plan
            assert app.plan.layers[0].strike == 36.0 and not release.is_set()
            assert not file.exists()  # the first write has not landed yet
            threading.Timer(0.3, release.set).start()  # the disk answers while the app is leaving
    finally:
        release.set()
    entry = jr.read(file)  # the exit waited for the stuck write, then wrote the latest state
    assert entry.plan == app.plan and entry.plan.layers[0].strike == 36.0


# -- recovery at open ----------------------------------------------------------------------


async def test_recover_shows_the_differences_and_saves_them(make_app, saved, sample):
    edited = sample.with_layer(0, strike=35.0)
    file = write_journal(saved, edited)
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RecoverModal)
        shown = texts(app.screen)
        assert "Unsaved edits of hedge.toml" in shown and "layers[0].strike: ATM -> 35" in shown
        assert app.plan == sample  # nothing happens until the user chooses
        await pilot.press("escape")  # not a choice: a hint
        await pilot.pause()
        assert isinstance(app.screen, RecoverModal) and "choose r, d or k" in texts(app.screen)
        await pilot.press("r")
        await pilot.pause()
        assert not isinstance(app.screen, RecoverModal)
        assert app.plan == edited and app.dirty and app.path == saved
        assert layer_cell(app, 0, "strike") == "35" and "modified" in app.editor.border_title
        # still unsaved, now journaled by this session (the ended session's journal is gone)
        assert not file.exists() and jr.read(app.journal.file).plan == edited
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.dirty and not app.journal.file.exists()
    assert load_plan(saved) == edited
    assert load_plan(backup_path(saved)) == sample


async def test_recover_can_be_undone_to_the_file(make_app, saved, sample):
    write_journal(saved, sample.with_layer(0, strike=35.0))
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert app.plan == sample and not app.dirty


async def test_discard_deletes_the_journal_and_opens_the_file(make_app, saved, sample):
    file = write_journal(saved, sample.with_layer(0, strike=35.0))
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, RecoverModal)
        assert app.plan == sample and not app.dirty and not file.exists()
        await pilot.pause(journaling.DELAY + 0.1)
        assert not file.exists()


async def test_keep_both_saves_the_journal_beside_the_plan(make_app, saved, sample, tmp_path):
    edited = sample.with_layer(0, strike=35.0)
    file = write_journal(saved, edited)
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert app.plan == sample and not app.dirty and not file.exists()
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("hedge.recovered-")]
    assert len(kept) == 1 and kept[0].suffix == ".toml" and load_plan(kept[0]) == edited
    assert load_plan(saved) == sample


async def test_keep_both_that_cannot_write_asks_again(make_app, saved, sample, monkeypatch):
    file = write_journal(saved, sample.with_layer(0, strike=35.0))

    def refuse(*args, **kwargs):
        raise SaveError(saved, "writing a temporary file", OSError(28, "No space left on device"))

    monkeypatch.setattr(journaling, "save_plan", refuse)
    app = make_app(saved)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, RecoverModal) and file.exists()
        assert any("disk is full" in n.message for n in app._notifications)
        await pilot.press("r")
        await pilot.pause()
        assert app.plan.layers[0].strike == 35.0


async def test_a_corrupt_journal_is_set_aside_and_the_file_opens(make_app, saved, sample):
    file = journal_of(saved)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("# alvh-tui journal 1\n# {\"plan_path\": 1}\nschema = [[[\n")
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ProblemsModal)
        shown = texts(app.screen)
        assert "damaged" in shown and "kept aside as" in shown and "not valid TOML" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert app.plan == sample and not app.dirty
    aside = list(file.parent.glob(file.name + ".corrupt-*"))
    assert not file.exists() and len(aside) == 1 and aside[0].read_text().endswith("schema = [[[\n")


async def test_a_journal_for_a_plan_not_yet_saved(make_app, tmp_path, sample):
    path = tmp_path / "new.toml"
    edited = sample.with_layer(0, strike=35.0)
    write_journal(path, edited)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RecoverModal)
        await pilot.press("r")
        await pilot.pause()
        assert app.plan == edited and app.is_new
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert load_plan(path) == edited


async def test_recovering_edits_of_a_file_changed_since_asks_at_save(make_app, saved, sample):
    write_journal(saved, sample.with_layer(0, strike=35.0))
    save_plan(replace(sample, name="changed by a colleague"), saved)  # after the journal
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        shown = texts(app.screen)
        assert "the file has changed since these edits were made" in shown
        assert "name: changed by a colleague ->" in shown
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FileChangedModal)


async def test_untitled_edits_are_journaled_and_offered_at_the_next_untitled_start(make_app, sample):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await edit_cell(pilot, app, 0, "strike", "35")
        await wait_until(pilot, app.journal.file.exists, "the untitled journal")
        assert jr.find(None) is None  # a live session's journal is never offered
        edited = app.plan
    first = jr.find(None)  # the session ended: now it is
    assert first == app.journal.file and first.name.startswith("untitled-")
    later = make_app()
    async with later.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(later.screen, RecoverModal) and "untitled" in texts(later.screen)
        await pilot.press("k")  # no file to keep beside: not offered
        await pilot.pause()
        assert isinstance(later.screen, RecoverModal)
        await pilot.press("l")  # later: the journal stays
        await pilot.pause()
        assert later.plan == sample and first.exists()
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert again.plan == edited and again.path is None and again.dirty
        await edit_cell(pilot, again, 2, "weight", "0.3")
        await wait_until(pilot, lambda: jr.read(again.journal.file).plan == again.plan, "this session's journal")
        assert list(first.parent.glob("untitled-*" + jr.SUFFIX)) == [again.journal.file]


async def test_opening_a_plan_from_the_app_offers_its_journal(make_app, saved, sample):
    file = write_journal(saved, sample.with_layer(0, strike=35.0))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.open_path(saved)
        await pilot.pause()
        assert isinstance(app.screen, RecoverModal)
        await pilot.press("d")
        await pilot.pause()
        assert app.plan == sample and app.path == saved and not file.exists()


# -- safe saves ------------------------------------------------------------------------


async def test_a_file_changed_on_disk_is_not_overwritten_without_asking(make_app, saved, sample):
    app = make_app(saved)
    file = app.journal.file
    theirs = replace(sample, name="theirs")
    async with app.run_test(size=SIZE) as pilot:
        await edit_cell(pilot, app, 0, "strike", "35")
        save_plan(theirs, saved)  # another program writes the file meanwhile
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FileChangedModal)
        shown = texts(app.screen)
        assert "changed on disk" in shown and "on disk -> yours: name: theirs ->" in shown
        await pilot.press("escape")  # cancel: nothing written, edits kept and journaled
        await pilot.pause()
        assert load_plan(saved) == theirs and app.dirty and jr.read(file).plan == app.plan
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("o")  # overwrite
        await pilot.pause()
        assert not isinstance(app.screen, FileChangedModal) and not app.dirty
        assert load_plan(saved).layers[0].strike == 35.0 and not file.exists()
        assert load_plan(backup_path(saved)) == theirs  # their version is the backup
        # the stamp follows the save: the next save goes straight through
        await edit_cell(pilot, app, 0, "strike", "36")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not app.dirty and load_plan(saved).layers[0].strike == 36.0


async def test_changed_on_disk_then_save_as(make_app, saved, sample, tmp_path):
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await edit_cell(pilot, app, 0, "strike", "35")
        saved.unlink()  # deleted meanwhile
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "deleted or moved away" in texts(app.screen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        await pilot.press("ctrl+a", "ctrl+k", *str(tmp_path / "other.toml"), "enter")
        await pilot.pause()
        assert app.path == tmp_path / "other.toml" and not app.dirty
    assert load_plan(tmp_path / "other.toml").layers[0].strike == 35.0
    assert not list(jr.journal_dir().glob("*" + jr.SUFFIX))


async def test_quit_guard_save_on_a_changed_file_asks_then_quits(make_app, saved, sample):
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await edit_cell(pilot, app, 0, "strike", "35")
        save_plan(replace(sample, name="theirs"), saved)
        await pilot.press("q", "s")
        await pilot.pause()
        assert isinstance(app.screen, FileChangedModal) and app.is_running
        await pilot.press("o")
        await pilot.pause()
    assert app.return_value == 0 and load_plan(saved).layers[0].strike == 35.0


async def test_a_failing_save_keeps_the_edits_and_the_journal(make_app, saved, sample, monkeypatch):
    def full_disk(plan, path, expect=None, **kwargs):
        raise SaveError(Path(path), "writing a temporary file", OSError(28, "No space left on device"))

    monkeypatch.setattr(plan_files, "save_plan", full_disk)
    app = make_app(saved)
    file = app.journal.file
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await edit_cell(pilot, app, 0, "strike", "35")
        await pilot.press("ctrl+s")  # straight away: the failed save journals synchronously
        await pilot.pause()
        assert app.dirty and app.plan.layers[0].strike == 35.0
        assert file.exists() and jr.read(file).plan == app.plan
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and "the disk is full" in errors[-1] and "recovery journal" in errors[-1]
    assert load_plan(saved) == sample and file.exists()


# -- signals ------------------------------------------------------------------------------


async def test_sigterm_flushes_the_journal_and_exits(make_app, saved):
    app = make_app(saved)
    file = app.journal.file
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.apply_plan(app.plan.with_layer(0, strike=35.0), "strike of near")
        assert not file.exists()  # not yet: the debounce has not fired
        os.kill(os.getpid(), signal.SIGTERM)  # handled on the event loop: flush now, then exit
        await wait_until(pilot, lambda: not app.is_running, "the exit")
    assert app.return_value == 128 + signal.SIGTERM
    assert jr.read(file).plan.layers[0].strike == 35.0
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, signal.default_int_handler)
    assert app._signal_watchdog is not None and app._signal_watchdog.finished.is_set()  # cancelled at unmount


async def test_a_second_signal_ends_the_process_at_once(make_app, saved, monkeypatch):
    ended = []
    monkeypatch.setattr(journaling, "_hard_exit", lambda app, code: ended.append(code))
    monkeypatch.setattr(journaling, "EXIT_GRACE", 60.0)
    app = make_app(saved)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.exit = lambda *a, **k: None  # an exit that never completes (a dead tty)
        journaling.on_signal(app, signal.SIGHUP)
        assert ended == [] and app._signal_watchdog.is_alive()
        journaling.on_signal(app, signal.SIGHUP)
        assert ended == [128 + signal.SIGHUP]
        app._signal_watchdog.cancel()
        del app.exit
        app.exit()


def test_help_documents_the_dialog_keys():
    text = " ".join(f"{k} {what}" for _, keys in KEY_HELP for k, what in keys)
    for phrase in ("recover", "keep both", "overwrite", "journal"):
        assert phrase in text, phrase
