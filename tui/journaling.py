"""The app side of "nothing lost": the recovery journal, SIGHUP/SIGTERM, recovery at open.

* :class:`PlanJournal` writes the app's plan to its journal (``tui.core.journal``) at most
  :data:`DELAY` seconds after an edit while there are unsaved changes, and removes the
  journal after a save or an explicit discard. The plan file is never written here.
* :func:`install_signal_handlers`: SIGHUP and SIGTERM (an SSH drop, a closed terminal)
  flush the journal synchronously in the handler and exit through ``App.exit`` on the
  event loop (``call_soon_threadsafe``) so the driver restores the terminal. A watchdog
  (and a second signal) end the process after flushing if the exit does not complete
  (a dead tty blocks Textual's writer).
* :func:`lookup` / :func:`offer_recovery`: at open, a journal for the plan is offered
  (recover, discard, keep both); a corrupt one is set aside and reported.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import termios
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .core import journal as jr
from .core.plan import Plan
from .core.plan_diff import diff_plans
from .core.plan_save import SaveError, save_plan
from .core.safe_files import MISSING
from .screens.problems import ProblemsModal
from .screens.recover import RecoverModal

if TYPE_CHECKING:
    from .app import AlvhApp

DELAY = 0.3  # seconds from the first unjournaled edit to the write (never pushed back)
EXIT_GRACE = 3.0  # seconds a signalled exit may take before the process is ended anyway
PIDFILE_ENV = "ALVH_TUI_PIDFILE"
HANDLED_SIGNALS = tuple(s for s in (getattr(signal, "SIGHUP", None), signal.SIGTERM) if s is not None)


class PlanJournal:
    """The journal of the app's current plan. All methods run on the event loop."""

    def __init__(self, app: "AlvhApp", path: Path | None, *, base: Path | None = None) -> None:
        self.app = app
        self.base = base
        self._timer = None
        self._settled: Plan | None = None  # the plan the journal is up to date with (written, or discarded)
        self._ours = False  # this session wrote the current file (so may remove it)
        self.last_error: str | None = None
        self.retarget(path)

    def retarget(self, path: Path | None, key: str | None = None) -> None:
        self.path = path
        self.key = key or jr.plan_key(path)
        self.file = jr.journal_file(path, self.key, self.base)
        self._settled = None
        self._ours = False

    def adopt(self, entry: jr.JournalEntry) -> None:
        """Continue an existing journal (after "recover"): it is now this session's."""
        if entry.plan_path is None:
            self.retarget(None, key=entry.file.name[: -len(jr.SUFFIX)])
        self._ours = True

    def touch(self) -> None:
        """The plan may have changed: write it soon (no-op when it has not)."""
        if self.app.plan is self._settled:
            return
        if self._timer is None:
            self._timer = self.app.set_timer(DELAY, self.flush, name="journal")

    def flush(self, quiet: bool = False) -> bool:
        """Write the journal now if there are unsaved edits (remove ours if there are none).

        ``quiet``: called from a signal handler or another thread: touch neither the timer
        nor the UI (a failure is only remembered in ``last_error``).
        """
        if self._timer is not None and not quiet:
            self._timer.stop()
            self._timer = None
        app = self.app
        plan = app.plan
        if plan is self._settled:
            return True
        try:
            if app.dirty:
                text = jr.render(plan, app.path, app.stamp, edits=len(app.undo_stack))
                jr.write(self.file, text)
                self._ours = True
            elif self._ours:
                jr.remove(self.file)
                self._ours = False
        except OSError as error:
            message = f"Cannot write the recovery journal {self.file}: {error.strerror or error}. Save with ctrl+s to keep your edits."
            if message != self.last_error:
                self.last_error = message
                if quiet:
                    return False
                try:
                    app.notify(message, title="Journal", severity="warning", timeout=10, markup=False)
                except Exception:
                    pass
            return False
        self._settled = plan
        self.last_error = None
        return True

    def discard(self) -> None:
        """The user discarded the edits (or saved them): remove the journal."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        try:
            jr.remove(self.file)
        except OSError:
            pass
        self._ours = False
        self._settled = self.app.plan


# -- signals -----------------------------------------------------------------------


def install_signal_handlers(app: "AlvhApp") -> Callable[[], None]:
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


def on_signal(app: "AlvhApp", sig: int, loop: asyncio.AbstractEventLoop | None = None) -> None:
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


def _hard_exit(app: "AlvhApp", code: int) -> None:
    """The exit did not finish (a dead tty?): the journal is written; restore what we can and go."""
    try:
        app.journal.flush(quiet=True)
    except Exception:
        pass
    try:
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
    """What :func:`lookup` found: a readable journal, or a corrupt one already set aside."""

    entry: jr.JournalEntry | None = None
    corrupt_reason: str = ""
    corrupt_file: Path | None = None
    kept_as: Path | None = None
    move_error: str = ""


def lookup(path: Path | None, base: Path | None = None) -> Found | None:
    """The journal of plan ``path`` (``None``: the newest untitled one), if any."""
    try:
        file = jr.find(path, base)
    except OSError:
        return None
    if file is None:
        return None
    try:
        return Found(entry=jr.read(file))
    except jr.JournalCorrupt as bad:
        found = Found(corrupt_reason=bad.reason, corrupt_file=file)
        try:
            found.kept_as = jr.set_aside(file)
        except OSError as error:
            found.move_error = error.strerror or str(error)
        return found


def offer_recovery(app: "AlvhApp", found: Found) -> None:
    """Push the dialog for what :func:`lookup` found; the choice is applied on dismiss."""
    name = app.path.name if app.path else "an untitled plan"
    if found.entry is None:
        messages = [f"journal {found.corrupt_file}: {found.corrupt_reason}"]
        if found.kept_as is not None:
            messages.append(f"it was kept aside as {found.kept_as}")
        else:
            messages.append(f"it could not be moved aside ({found.move_error}); it will be replaced by new edits")
        app.push_screen(ProblemsModal(f"The recovery journal of {name} is damaged", messages, "The plan was opened as it is on disk."))
        return
    entry = found.entry
    untitled = entry.plan_path is None
    facts = [f"journaled {entry.written_at.replace('T', ' ')}, {entry.edits} edit(s)"]
    if entry.writer_alive():
        facts.append(f"WARNING: the session that wrote it (pid {entry.pid}) is still running")
    if not untitled:
        now = getattr(app, "stamp", None)
        if entry.based_on is not None and now is not None and now.sha256 != entry.based_on.sha256:
            facts.append("the file has changed since these edits were made: saving will ask before overwriting")
        elif entry.based_on is None and app.path is not None and app.path.exists():
            facts.append("the edits were made before the file existed")
    changes = diff_plans(app.plan, entry.plan)
    title = "Unsaved edits of an untitled plan were found" if untitled else f"Unsaved edits of {name} were found"
    base = app.plan
    app.push_screen(RecoverModal(title, facts, changes, untitled=untitled), lambda choice: _chosen(app, found, base, choice))


def _chosen(app: "AlvhApp", found: Found, base: Plan, choice: str | None) -> None:
    entry = found.entry
    assert entry is not None
    if choice == "recover":
        if app.plan is not base:  # the plan changed meanwhile; keep it undoable
            base = app.plan
        app.plan = entry.plan
        if entry.plan_path is not None:
            app.stamp = entry.based_on if entry.based_on is not None else MISSING
        app.undo_stack.append((base, "recovered edits"))
        app.redo_stack.clear()
        app.journal.adopt(entry)
        app.reprice()
        app.journal.flush()
        app.editor.say(f"recovered edits from {entry.written_at.replace('T', ' ')}: unsaved (ctrl+s saves, u undoes)")
    elif choice == "discard":
        try:
            jr.remove(entry.file)
        except OSError as error:
            app.notify(f"Could not remove the journal: {error.strerror or error}", severity="warning", markup=False)
        app.editor.say("discarded the journaled edits")
    elif choice == "keep" and app.path is not None:
        target = jr.recovered_path(app.path)
        try:
            save_plan(entry.plan, target, expect=MISSING)
        except Exception as error:  # SaveError, or FileChangedError: a file of that name appeared
            app.notify(f"Could not keep the edits beside the plan: {error}", severity="error", markup=False, timeout=15)
            offer_recovery(app, found)  # nothing lost: ask again
            return
        try:
            jr.remove(entry.file)
        except OSError:
            pass
        app.notify(f"Your journaled edits were saved as {target}", markup=False, timeout=8)
        app.editor.say(f"kept both: edits saved as {target.name}")
    # "later": the journal stays where it is; this session journals under its own key.
