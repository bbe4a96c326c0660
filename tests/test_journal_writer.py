"""The journal's background writer (tui.journaling.PlanJournal): timed writes leave the
event loop, stay in order and the latest state wins; a synchronous flush (exit, save, a
signal) waits for the write in flight and is never overwritten by an older state."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tui.core import journal as jr
from tui.core.plan_save import save_plan
from tui.journaling import PlanJournal, Unsaved


class Gate:
    """Stands in for ``jr.write``: records each write's strike and thread, and holds the
    writer thread (never the caller's) until released."""

    def __init__(self, monkeypatch) -> None:
        self.written: list[float] = []
        self.threads: list[str] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        real = jr.write

        def write(file: Path, text: str) -> None:
            self.threads.append(threading.current_thread().name)
            if threading.current_thread() is not threading.main_thread():
                self.entered.set()
                assert self.release.wait(20), "the test never released the writer"
            real(file, text)
            self.written.append(jr.parse(text, file).plan.layers[0].strike)

        monkeypatch.setattr(jr, "write", write)


@pytest.fixture
def setup(tmp_path, default_plan, monkeypatch):
    path = tmp_path / "hedge.toml"
    save_plan(default_plan, path)
    current = {"plan": default_plan}

    def state() -> Unsaved:
        return Unsaved(current["plan"], path, None, current["plan"] != default_plan, 1)

    warnings: list[str] = []
    journal = PlanJournal(state, path, schedule=lambda delay, callback: None, warn=warnings.append)
    gate = Gate(monkeypatch)

    def edit(strike: float) -> None:
        current["plan"] = default_plan.with_layer(0, strike=strike)

    yield journal, gate, edit, warnings
    gate.release.set()
    journal.wait_for_writer(20)
    journal.release()


def test_timed_writes_run_on_the_writer_thread_in_order_and_the_latest_state_wins(setup):
    journal, gate, edit, warnings = setup
    edit(35.0)
    journal.write_behind()  # returns at once although the write is held
    assert gate.entered.wait(20) and gate.written == []
    edit(36.0)
    journal.write_behind()
    edit(37.0)
    journal.write_behind()  # replaces 36 while it waits: only the newest state is written
    gate.release.set()
    assert journal.wait_for_writer(20)
    assert gate.written == [35.0, 37.0] and set(gate.threads) == {"alvh-journal-writer"}
    assert jr.read(journal.file).plan.layers[0].strike == 37.0 and warnings == []
    journal.write_behind()  # nothing new: nothing written
    assert journal.wait_for_writer(20) and gate.written == [35.0, 37.0]


def test_a_flush_waits_for_the_write_in_flight_and_drops_the_older_pending_one(setup):
    journal, gate, edit, _ = setup
    edit(35.0)
    journal.write_behind()
    assert gate.entered.wait(20)
    edit(36.0)
    journal.write_behind()  # pending behind the held write
    edit(38.0)  # and a newer edit not yet handed over (the debounce has not fired)
    threading.Timer(0.2, gate.release.set).start()
    assert journal.flush()  # (on the main thread: written here, after the held write)
    assert journal.wait_for_writer(20)
    assert gate.written == [35.0, 38.0]  # 36 was superseded; nothing older lands after the flush
    assert jr.read(journal.file).plan.layers[0].strike == 38.0


def test_discard_after_a_held_write_leaves_no_journal(setup):
    journal, gate, edit, _ = setup
    edit(35.0)
    journal.write_behind()
    assert gate.entered.wait(20)
    edit(36.0)
    journal.write_behind()
    threading.Timer(0.2, gate.release.set).start()
    journal.discard()  # a save: the held write lands first, the pending one never does
    assert journal.wait_for_writer(20)
    assert gate.written == [35.0] and not journal.file.exists()


def test_a_failing_background_write_is_remembered_and_retried_by_the_next_flush(setup, monkeypatch):
    journal, gate, edit, warnings = setup
    gate.release.set()
    through_the_gate = jr.write

    def full(file: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jr, "write", full)
    edit(35.0)
    journal.write_behind()
    assert journal.wait_for_writer(20)
    assert journal.last_error is not None and "No space left" in journal.last_error
    assert warnings == []  # (no event loop here to carry the warning; the app shows it)
    monkeypatch.setattr(jr, "write", through_the_gate)  # the disk has room again
    assert journal.flush() and jr.read(journal.file).plan.layers[0].strike == 35.0 and journal.last_error is None


@pytest.mark.parametrize("with_plan", [True, False])
def test_touch_reads_only_the_plan_and_decides_as_before(tmp_path, default_plan, with_plan):
    """touch runs on every reprice: given ``plan``, it reads the plan alone (never the
    whole state, whose dirty flag compares whole plans); without, it falls back to
    ``state().plan``. Either way it schedules a write exactly when the plan is not yet
    written or handed over."""
    path = tmp_path / "hedge.toml"
    save_plan(default_plan, path)
    current = {"plan": default_plan}
    states: list[int] = []
    timers: list[float] = []

    class Timer:
        def stop(self) -> None:
            pass

    def state() -> Unsaved:
        states.append(1)
        return Unsaved(current["plan"], path, None, current["plan"] != default_plan, 1)

    def schedule(delay, callback):
        timers.append(delay)
        return Timer()

    extra = {"plan": lambda: current["plan"]} if with_plan else {}
    journal = PlanJournal(state, path, schedule=schedule, warn=lambda m: None, **extra)
    try:
        journal.discard()  # settled on the opened plan (as the app is after a save)
        states.clear()
        journal.touch()
        assert timers == []  # up to date: nothing to do
        current["plan"] = default_plan.with_layer(0, strike=35.0)
        journal.touch()
        journal.touch()  # a timer is running: not a second one
        assert len(timers) == 1
        assert states == ([] if with_plan else [1, 1, 1])
        journal.write_behind()  # the timer fires: the state is read once, the plan handed over
        assert journal.wait_for_writer(20) and jr.read(journal.file).plan == current["plan"]
        states.clear()
        journal.touch()
        assert len(timers) == 1 and states == ([] if with_plan else [1])
    finally:
        journal.wait_for_writer(20)
        journal.release()
