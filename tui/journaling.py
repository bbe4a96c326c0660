"""The app side of "nothing lost": the session's journal and lock, SIGHUP/SIGTERM, recovery at open.

* :class:`PlanJournal` holds this session's lock on the open plan (taken at open) and
  writes the plan to this session's journal (``tui.core.journal``) at most :data:`DELAY`
  seconds after an edit while there are unsaved changes; it removes the journal after a
  save or an explicit discard. The plan file is never written here. Those timed writes
  run on one background writer thread (an fsync can take tens of ms, which on the event
  loop was a frozen keystroke): writes stay in order, the latest state wins, and every
  synchronous :meth:`PlanJournal.flush` (exit, save, SIGHUP/SIGTERM) waits for the write
  in flight and then writes the current state itself.
* :func:`install_signal_handlers`: SIGHUP and SIGTERM (an SSH drop, a closed terminal)
  flush the journal synchronously in the handler and exit through ``App.exit`` on the
  event loop (``call_soon_threadsafe``) so the driver restores the terminal. A watchdog
  (and a second signal) end the process after flushing if the exit does not complete
  (a dead tty blocks Textual's writer).
* :func:`lookup` / :func:`offer_at_open`: at open, another session that has the plan open
  is shown (read-only, open anyway, quit), then the newest journal of an ended session is
  offered (recover, discard, keep both); a damaged one is set aside and reported.

This module never imports the app: it sees it through :class:`Host`, and the journal sees
only an :class:`Unsaved` snapshot, so each module imports only downward.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import termios
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from .core import journal as jr
from .core.plan import Plan
from .core.plan_diff import diff_plans
from .core.plan_save import save_plan
from .core.safe_files import MISSING, FileStamp
from .core.safe_text import printable

DELAY = 0.3  # seconds from the first unjournaled edit to the write (never pushed back)
EXIT_GRACE = 3.0  # seconds a signalled exit may take before the process is ended anyway
PIDFILE_ENV = "ALVH_TUI_PIDFILE"
HANDLED_SIGNALS = tuple(s for s in (getattr(signal, "SIGHUP", None), signal.SIGTERM) if s is not None)


@dataclass(frozen=True)
class Unsaved:
    """What the journal needs to know of the app at one moment."""

    plan: Plan
    path: Path | None
    stamp: FileStamp | None
    dirty: bool
    edits: int


class Timer(Protocol):
    def stop(self) -> None: ...


class PlanJournal:
    """This session's lock and journal for the current plan. All methods run on the event loop.

    ``state`` gives the current :class:`Unsaved`; ``schedule(delay, callback)`` starts a
    timer; ``warn(message)`` tells the user (a failure to write the journal). ``plan``, when
    given, returns the current plan alone (``state().plan``), for :meth:`touch`, which runs on
    every reprice and needs nothing else: building the whole state costs a whole-plan
    comparison (is it unsaved?) each time."""

    def __init__(
        self,
        state: Callable[[], Unsaved],
        path: Path | None,
        *,
        schedule: Callable[[float, Callable[[], Any]], Timer],
        warn: Callable[[str], None],
        base: Path | None = None,
        read_only: bool = False,
        plan: Callable[[], Plan] | None = None,
    ) -> None:
        self.state = state
        self.current_plan: Callable[[], Plan] = plan if plan is not None else (lambda: state().plan)
        self.schedule = schedule
        self.warn = warn
        self.base = base
        self.session = jr.new_session()
        self.read_only = read_only
        self.lock: jr.SessionLock | None = None
        self.lock_error: str | None = None
        self._timer: Timer | None = None
        self._settled: Plan | None = None  # the plan the journal is up to date with (written, or discarded)
        self._ours = False  # this session wrote the current file (so may remove it)
        self.last_error: str | None = None
        # The background writer: ``_pending`` is the newest state handed over and not yet
        # taken (a newer one replaces it); ``_write_lock`` is held for every write or
        # removal (re-entrant: a signal handler may run on the main thread during one);
        # ``_slot`` guards ``_pending`` and ``_writing`` and is held only for a moment.
        self._write_lock = threading.RLock()
        self._slot = threading.Condition(threading.RLock())
        self._pending: _Job | None = None
        self._writing = False  # a writer thread is running (at most one at a time)
        self._submitted: Plan | None = None  # the plan last handed to the writer
        self._loop: asyncio.AbstractEventLoop | None = None
        self.retarget(path)

    def retarget(self, path: Path | None) -> None:
        """The session now has plan ``path`` open: lock it (and let go of the previous one)."""
        self.wait_for_writer()  # a write handed over for the previous plan lands first, in its file
        if self.lock is not None and path is not None and getattr(self, "path", None) == path:
            self._settled = self._submitted = None  # the same plan (saved, reopened): keep the lock, never a gap
            self._ours = False
            if self.lock.read_only != self.read_only:
                self.lock.rewrite(self.read_only)
            return
        self.release()
        self.path = path
        self.key = jr.plan_key(path)
        self.file = jr.journal_file(path, self.key, self.base, self.session)
        self._settled = self._submitted = None
        self._ours = False
        self.lock_error = None
        try:
            self.lock = jr.SessionLock.take(self.file, path, self.read_only)
        except OSError as error:  # the journal's own error says the same when an edit comes
            self.lock = None
            self.lock_error = f"Cannot mark the plan as open in {self.file.parent}: {error.strerror or error}"

    @property
    def own_files(self) -> tuple[Path, ...]:
        return (self.file, jr.lock_file(self.file))

    def set_read_only(self, read_only: bool) -> None:
        """Opened read-only (another session edits the plan), or no longer (saved elsewhere)."""
        if read_only == self.read_only:
            return
        self.read_only = read_only
        if self.lock is not None:
            try:
                self.lock.rewrite(read_only)
            except OSError:
                pass  # the flock still says the session is alive; only the label is stale

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def adopt(self, entry: jr.JournalEntry) -> None:
        """Recovered ``entry``: its edits are now journaled here, so the ended session's file goes."""
        if self.flush():
            jr.remove_stale(entry.file)

    def touch(self) -> None:
        """The plan may have changed: write it soon (no-op when it has not)."""
        if self._up_to_date(self.current_plan()):
            return
        if self._timer is None:
            self._timer = self.schedule(DELAY, self.write_behind)

    def _up_to_date(self, plan: Plan) -> bool:
        """``plan`` is written, or handed to the writer (identity: plans are immutable)."""
        return plan is self._settled or plan is self._submitted

    def write_behind(self) -> None:
        """The debounce fired (on the event loop): hand the current state to the writer
        thread and return at once; the thread writes it (render, write, fsync, rename)."""
        self._timer = None
        now = self.state()
        if self._up_to_date(now.plan):
            return
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        job = _Job(now, self.file)
        with self._slot:
            self._submitted = now.plan
            self._pending = job  # the latest state wins: an older one not yet taken is dropped
            if self._writing:
                return
            self._writing = True
        threading.Thread(target=self._writer, name="alvh-journal-writer", daemon=True).start()

    def _writer(self) -> None:
        """The writer thread: write the newest pending state until there is none left."""
        try:
            while True:
                with self._write_lock:
                    with self._slot:
                        job = self._pending
                        self._pending = None
                        if job is None:
                            self._writing = False
                            self._slot.notify_all()
                            return
                    # Taken under the write lock, so a synchronous flush (which drops what
                    # is pending under the same lock) can never be overwritten by an older state.
                    error = self._write(job.state, job.file)
                if error is not None:
                    self._report_later(error)
        except BaseException:
            with self._slot:
                self._writing = False
                self._slot.notify_all()
            raise

    def _report_later(self, message: str) -> None:
        """A write on the writer thread failed: say so on the event loop (once per message)."""
        if message == self.last_error:
            return
        self.last_error = message
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._warn_quietly, message)
        except RuntimeError:  # the loop has closed meanwhile
            pass

    def _warn_quietly(self, message: str) -> None:
        try:
            self.warn(message)
        except Exception:
            pass

    def wait_for_writer(self, timeout: float | None = None) -> bool:
        """Block until the writer thread has written everything handed to it (False on timeout)."""
        with self._slot:
            return self._slot.wait_for(lambda: not self._writing, timeout)

    def _write(self, now: Unsaved, file: Path) -> str | None:
        """Write ``now`` to ``file`` (or remove ours when nothing is unsaved); the error
        message on failure. Call with ``_write_lock`` held."""
        try:
            if now.dirty:
                jr.write(file, jr.render(now.plan, now.path, now.stamp, edits=now.edits))
                self._ours = True
            elif self._ours:
                jr.remove(file)
                self._ours = False
        except OSError as error:
            if self._submitted is now.plan:
                self._submitted = None  # the next edit (or flush) tries again
            return f"Cannot write the recovery journal {printable(str(file))}: {error.strerror or error}. Save with ctrl+s to keep your edits."
        if file == self.file:
            self._settled = now.plan
            self.last_error = None
        return None

    def flush(self, quiet: bool = False) -> bool:
        """Write the journal now if there are unsaved edits (remove ours if there are none).

        Synchronous: a write in flight on the writer thread finishes first, one still
        pending is dropped (the current state is written instead), so when this returns
        True the journal holds the current plan.

        ``quiet``: called from a signal handler or another thread: touch neither the timer
        nor the UI (a failure is only remembered in ``last_error``).
        """
        if self._timer is not None and not quiet:
            self._timer.stop()
            self._timer = None
        with self._slot:
            self._pending = None  # dropped before waiting: the writer must not take it meanwhile
        # A signal handler must not wait forever on a writer stuck in a dead disk: after
        # the grace period it writes anyway (the older write may then land last).
        locked = self._write_lock.acquire(timeout=EXIT_GRACE if quiet else -1)
        try:
            with self._slot:
                self._pending = None  # superseded by the write below
            now = self.state()
            if now.plan is self._settled:
                return True
            error = self._write(now, self.file)
        finally:
            if locked:
                self._write_lock.release()
        if error is None:
            return True
        if error != self.last_error:
            self.last_error = error
            if not quiet:
                self._warn_quietly(error)
        return False

    def discard(self) -> None:
        """The user discarded the edits (or saved them): remove the journal."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        with self._slot:
            self._pending = None  # dropped before waiting: the writer must not take it meanwhile
        with self._write_lock:  # after any write in flight, and instead of any pending one
            with self._slot:
                self._pending = None
            try:
                jr.remove(self.file)
            except OSError:
                pass
            self._ours = False
            self._settled = self._submitted = self.state().plan


@dataclass(frozen=True)
class _Job:
    """A state handed to the writer thread, with the journal file it belongs in."""

    state: Unsaved
    file: Path


class Host(Protocol):
    """What recovery and the signal handlers need of the app (``tui.app.AlvhApp``)."""

    journal: PlanJournal
    path: Path | None
    stamp: FileStamp | None
    plan: Plan
    signals_received: int
    _signal_watchdog: threading.Timer | None

    def push_screen(self, screen: Any, callback: Any = None) -> Any: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None, markup: bool = True) -> None: ...
    def exit(self, result: Any = None, return_code: int = 0, message: Any = None) -> None: ...
    def say(self, message: str, error: bool = False) -> None: ...
    def show_problems(self, title: str, messages: list[str], footer: str) -> None: ...
    def set_read_only(self, read_only: bool) -> None: ...
    def adopt_recovered(self, plan: Plan, stamp: FileStamp | None, label: str) -> None: ...


# -- signals -----------------------------------------------------------------------


def install_signal_handlers(app: "Host") -> Callable[[], None]:
    """SIGHUP/SIGTERM → flush the journal, then exit cleanly. Returns an uninstaller.

    The handler is a plain ``signal.signal`` handler, not ``loop.add_signal_handler``: when
    the terminal vanishes, Textual's writer thread dies on EIO, its queue fills and the
    event loop blocks in ``put`` — a loop-side handler would then never run. A Python
    handler still runs (lock waits are interrupted by signals), writes the journal at once,
    and hands the exit to the loop with ``call_soon_threadsafe``; a watchdog ends the
    process if that exit cannot complete.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return lambda: None
    previous = {}
    for sig in HANDLED_SIGNALS:
        try:
            previous[sig] = signal.signal(sig, lambda signum, frame: on_signal(app, signum, loop))
        except (ValueError, OSError):  # not the main thread, or no such signal here
            continue

    def uninstall() -> None:
        # Call it once the exit has completed (after App.run returns), not at unmount: the
        # driver's close comes after unmount and is what hangs on a vanished terminal.
        watchdog = getattr(app, "_signal_watchdog", None)
        if watchdog is not None:
            watchdog.cancel()
        for sig, handler in previous.items():
            try:
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
            except (ValueError, OSError):
                pass

    return uninstall


def on_signal(app: "Host", sig: int, loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Write the journal now; exit through the event loop; a second signal ends at once."""
    app.signals_received += 1
    try:
        app.journal.flush(quiet=True)
    except Exception:
        pass
    code = 128 + int(sig)
    if app.signals_received > 1:
        _hard_exit(app, code)
        return
    watchdog = threading.Timer(EXIT_GRACE, _hard_exit, args=(app, code))
    watchdog.daemon = True
    app._signal_watchdog = watchdog
    watchdog.start()
    try:
        if loop is not None:
            loop.call_soon_threadsafe(app.exit, code)
        else:
            app.exit(code)
    except Exception:
        _hard_exit(app, code)


HARD_EXIT_NOTE = "alvh-tui: the terminal stopped responding; unsaved edits are in the recovery journal"
_RESET = "\x1b[<u\x1b[?1004l\x1b[?2004l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?7h\x1b[?25h\x1b[?1049l"


def _hard_exit(app: "Host", code: int) -> None:
    """The exit did not finish (a dead tty?): the journal is written; restore what we can and go."""
    try:
        app.journal.flush(quiet=True)
    except Exception:
        pass
    try:
        if sys.__stderr__ is None:  # no terminal to restore (pythonw, a closed stderr)
            raise OSError("no stderr")
        fd = sys.__stderr__.fileno()  # Textual's terminal output
        os.set_blocking(fd, False)
        os.write(fd, (_RESET + HARD_EXIT_NOTE + "\r\n").encode())
        attrs = getattr(getattr(app, "_driver", None), "attrs_before", None)
        if attrs is not None:
            termios.tcsetattr(fd, termios.TCSANOW, attrs)
    except Exception:
        pass
    os._exit(code)


def write_pidfile() -> None:
    target = os.environ.get(PIDFILE_ENV)
    if target:
        try:
            Path(target).write_text(f"{os.getpid()}\n")
        except OSError:
            pass


# -- recovery at open ----------------------------------------------------------------


@dataclass
class Found:
    """What :func:`lookup` found for a plan: other sessions that have it open, the newest
    readable journal of an ended session, older ones, and damaged ones (already set aside)."""

    live: list[jr.LockInfo] = field(default_factory=list)
    entry: jr.JournalEntry | None = None
    older: list[Path] = field(default_factory=list)
    more: int = 0
    corrupt: list[str] = field(default_factory=list)  # one message per damaged journal

    @property
    def editors(self) -> list[jr.LockInfo]:
        return [lock for lock in self.live if not lock.read_only]

    def __bool__(self) -> bool:
        return bool(self.editors or self.entry is not None or self.corrupt)


def lookup(path: Path | None, base: Path | None = None, own: tuple[Path, ...] = ()) -> Found:
    """The other sessions and the ended sessions' journals of plan ``path`` (``None``: untitled)."""
    found = Found()
    try:
        scanned = jr.scan(path, base, own)
    except OSError:
        return found
    if path is not None:  # untitled sessions share no file: each simply keeps its own journal
        found.live = scanned.live
    found.more = scanned.more
    for file in scanned.stale:
        if found.entry is not None:
            found.older.append(file)
            continue
        try:
            found.entry = jr.read(file)
        except jr.JournalCorrupt as bad:
            try:
                kept = jr.set_aside(file)
                found.corrupt.append(f"journal {printable(str(file))}: {bad.reason}; it was kept aside as {printable(str(kept))}")
            except OSError as error:
                found.corrupt.append(f"journal {printable(str(file))}: {bad.reason}; it could not be moved aside ({error.strerror or error})")
        except (OSError, ValueError, RecursionError, OverflowError) as error:  # never a crash at open
            found.corrupt.append(f"journal {printable(str(file))}: cannot be read ({printable(str(error), 120)})")
    return found


def _name(path: Path | None) -> str:
    return printable(path.name, 80) if path else "an untitled plan"


def offer_at_open(app: Host, found: Found, path: Path | None, *, at_start: bool = True, then: Callable[[bool], None] | None = None) -> None:
    """Tell what :func:`lookup` found for plan ``path``: first another session's lock, then the journals.

    ``then(read_only)`` opens the plan once the user has chosen to (without it the plan is
    open already and read-only is set on the app). Declining quits the app ``at_start``;
    otherwise it keeps the current plan and ``then`` is not called."""

    def open_it(read_only: bool) -> None:
        if then is not None:
            then(read_only)
        elif read_only:
            app.set_read_only(True)
        offer_recovery(app, found)

    editors = found.editors
    if not editors:
        open_it(False)
        return

    def chosen(choice: str | None) -> None:
        if choice in ("read_only", "anyway"):
            open_it(choice == "read_only")
        elif at_start:
            app.exit(0)

    from .screens.recover import LockedModal  # (the dialogs load when needed: off the start-up path)

    facts = [lock.describe() for lock in editors]
    app.push_screen(LockedModal(f"{_name(path)} is open in another session", facts, at_start=at_start), chosen)


def offer_recovery(app: Host, found: Found) -> None:
    """Push the dialog for the journals :func:`lookup` found; the choice is applied on dismiss."""
    from .screens.recover import RecoverModal  # (the dialogs load when needed: off the start-up path)

    name = _name(app.path)
    if found.corrupt:
        footer = "The plan was opened as it is on disk." if found.entry is None else "Other journals follow."
        app.show_problems(f"A recovery journal of {name} is damaged", found.corrupt, footer)
    entry = found.entry
    if entry is None:
        return
    untitled = entry.plan_path is None
    facts = [f"journaled {entry.written_at.replace('T', ' ')} by pid {entry.pid or '?'} on {entry.host or '?'}, {entry.edits} edit(s); that session has ended"]
    others = len(found.older) + found.more
    if others:
        facts.append(f"{others} older journal(s) of ended sessions: d discards them too; r or k leaves them for next time")
    if not untitled:
        now = app.stamp
        if entry.based_on is not None and now is not None and now.sha256 != entry.based_on.sha256:
            facts.append("the file has changed since these edits were made: saving will ask before overwriting")
        elif entry.based_on is None and app.path is not None and app.path.exists():
            facts.append("the edits were made before the file existed")
    changes = diff_plans(app.plan, entry.plan)
    title = "Unsaved edits of an untitled plan were found" if untitled else f"Unsaved edits of {name} were found"
    app.push_screen(RecoverModal(title, facts, changes, untitled=untitled), lambda choice: _chosen(app, found, choice))


def _chosen(app: Host, found: Found, choice: str | None) -> None:
    entry = found.entry
    assert entry is not None
    if choice == "recover":
        based_on = (entry.based_on if entry.based_on is not None else MISSING) if entry.plan_path is not None else app.stamp
        app.adopt_recovered(entry.plan, based_on, "recovered edits")
        app.journal.adopt(entry)
        app.say(f"recovered edits from {entry.written_at.replace('T', ' ')}: unsaved (ctrl+s saves, u undoes)")
    elif choice == "discard":
        kept = [file for file in (entry.file, *found.older) if not _remove_stale(app, file)]
        app.say("discarded the journaled edits" + (f" ({len(kept)} journal(s) of live sessions kept)" if kept else ""))
    elif choice == "keep" and app.path is not None:
        target = jr.recovered_path(app.path)
        try:
            save_plan(entry.plan, target, expect=MISSING, like=app.path)
        except Exception as error:  # SaveError, or FileChangedError: a file of that name appeared
            app.notify(f"Could not keep the edits beside the plan: {printable(str(error), 400)}", severity="error", markup=False, timeout=15)
            offer_recovery(app, Found(entry=entry, older=found.older, more=found.more))  # nothing lost: ask again
            return
        _remove_stale(app, entry.file)
        app.notify(f"Your journaled edits were saved as {printable(str(target))}", markup=False, timeout=8)
        app.say(f"kept both: edits saved as {printable(target.name, 80)}")
    # "later": the journals stay where they are; this session journals in its own file.


def _remove_stale(app: Host, file: Path) -> bool:
    try:
        return jr.remove_stale(file)
    except OSError as error:
        app.notify(f"Could not remove the journal {printable(str(file))}: {error.strerror or error}", severity="warning", markup=False)
        return True
