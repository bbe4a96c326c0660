"""The app's file side: save, save as, open, the unsaved-changes guard, read-only and recovery.

:class:`PlanFiles` is the base of :class:`tui.app.AlvhApp`; it holds the flows that move a
plan between the app and its file (and the recovery journal), so that the app module keeps
the panes, pricing and views. It imports only downward (core, screens, journaling); what it
needs of the app (repricing, the editor, the border title) it declares here and the app
provides.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

from textual.app import App

from .core.plan import Plan
from .core.plan_io import PlanError, load_plan_stamped, plan_problems
from .core.plan_save import FileChangedError, SaveError, file_stamp, save_plan
from .core.safe_files import FileStamp
from .journaling import PlanJournal, Unsaved, lookup, offer_at_open
from .widgets.util import typable

if TYPE_CHECKING:
    from .core.valuation import Valuation
    from .widgets.layer_editor import LayerEditor


class PlanFiles(App[int]):
    """The plan's file and session state, and the flows that change it."""

    plan: Plan
    saved_plan: Plan  # as last read or written: the plan is modified when it differs
    path: Path | None
    stamp: FileStamp | None  # the file as opened or saved (a changed file is not overwritten silently)
    is_new: bool
    read_only: bool
    needs_fix: list[str]
    journal: PlanJournal
    undo_stack: list[tuple[Plan, str]]
    redo_stack: list[tuple[Plan, str]]
    signals_received: int  # (the journal's Host: see journaling.install_signal_handlers)
    _signal_watchdog: threading.Timer | None

    # -- provided by the app -------------------------------------------------------
    @property
    def editor(self) -> LayerEditor:
        raise NotImplementedError

    def reprice(self) -> Valuation | None:
        raise NotImplementedError

    def say(self, message: str, error: bool = False) -> None:
        raise NotImplementedError

    def _update_chrome(self) -> None:
        raise NotImplementedError

    # -- state -----------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.plan != self.saved_plan

    def _unsaved(self) -> Unsaved:
        return Unsaved(self.plan, self.path, self.stamp, self.dirty, len(self.undo_stack))

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.journal.set_read_only(read_only)
        self._update_chrome()

    def adopt_recovered(self, plan: Plan, stamp: FileStamp | None, label: str) -> None:
        """Make a recovered plan current, unsaved and undoable back to the file."""
        self.undo_stack.append((self.plan, label))
        self.redo_stack.clear()
        self.plan = plan
        self.stamp = stamp
        self.reprice()

    def display_path(self) -> str:
        return str(self.path) if self.path else "the sample plan (not saved yet)"

    # -- files ------------------------------------------------------------------
    def action_save(self) -> None:
        if self.path is None:
            self.action_save_as()
            return
        self.save_to(self.path)

    def save_to(self, path: Path, then: Callable[[], None] | None = None, *, expect: FileStamp | None | Literal[True] = True) -> bool:
        """Save to ``path``; ``then`` runs after a successful save (also one confirmed in a dialog).

        ``expect=True``: the stamp taken at open when ``path`` is the plan's own file (a file
        changed on disk since then is not overwritten silently: the user is asked).
        """
        if expect is True:
            expect = self.stamp if path == self.path else None
        problems = plan_problems(self.plan, path.name)
        if problems:  # never write a file that would not open again
            self.notify("Not saved: the plan needs a fix first:\n" + "\n".join(problems), severity="error", markup=False, timeout=10)
            self.say("not saved: the plan needs a fix first (n renormalises the weights)", error=True)
            return False
        if self.read_only and path == self.path:
            self.journal.flush()
            self.say("opened read-only (the plan is open in another session): S saves as another file", error=True)
            return False
        try:
            save_plan(self.plan, path, expect=expect, like=self.path)
        except FileChangedError as error:
            changed = error  # (the except name is unbound when the block ends)
            self.journal.flush()

            def decided(choice: str | None) -> None:
                if choice == "overwrite":
                    self.save_to(path, then, expect=changed.actual)
                elif choice == "save_as":
                    self.action_save_as(then=then)

            from .screens.recover import FileChangedModal

            self.push_screen(FileChangedModal(str(path), changed.changes), decided)
            return False
        except OSError as error:
            self.journal.flush()
            message = str(error) if isinstance(error, SaveError) else f"cannot save {path}: {error.strerror or error}"
            self.notify(f"Could not save: {message}. Your edits are kept here and in the recovery journal.", severity="error", markup=False, timeout=15)
            return False
        self.journal.discard()
        self.path = path
        try:
            self.stamp = file_stamp(path)
        except OSError:
            self.stamp = None
        self.saved_plan = self.plan
        self.is_new = False
        self.read_only = self.journal.read_only = False
        self.journal.retarget(path)
        self._update_chrome()
        # In the message line (a toast would cover the net and cover columns), replacing
        # whatever it said before ("nothing to redo").
        self.editor.say(f"saved {path}")
        if then is not None:
            then()
        return True

    def action_save_as(self, then: Callable[[], None] | None = None) -> None:
        initial = typable(self.path) or typable(Path.cwd() / "plan.toml") or ""

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.save_to(path, then)

        from .screens.file_prompt import PathModal

        self.push_screen(PathModal("Save plan as", initial, must_exist=False, current=self.path), chosen)

    def action_open(self) -> None:
        def ask() -> None:
            initial = (typable(self.path.parent if self.path else Path.cwd()) or "") + "/"
            from .screens.file_prompt import PathModal

            def chosen(path: Path | None) -> None:
                self.open_path(path)

            self.push_screen(PathModal("Open plan", initial, must_exist=True), chosen)

        self._guard_unsaved("open another plan", ask)

    def open_path(self, path: Path | None) -> bool:
        if path is None:
            return False
        needs_fix: list[str] = []
        stamp: FileStamp | None
        try:
            plan, stamp = load_plan_stamped(path)
        except PlanError as error:
            if error.draft is None:
                self.show_problems(f"Cannot open {path}", error.messages, "The current plan is unchanged.")
                return False
            plan, stamp, needs_fix = error.draft, error.stamp, error.messages

        def open_it(read_only: bool) -> None:
            self.needs_fix = needs_fix
            self.plan = plan
            self.saved_plan = plan
            self.path = path
            self.stamp = stamp
            self.is_new = False
            self.read_only = self.journal.read_only = read_only
            self.journal.retarget(path)
            self.undo_stack.clear()
            self.redo_stack.clear()
            self.editor.table.reset_scroll()  # the old plan's scroll position means nothing here
            self.reprice()
            self.say(f"opened {path.name}")
            if self.needs_fix:
                self._show_needs_fix(needs_fix)

        offer_at_open(self, lookup(path, own=self.journal.own_files), path, at_start=False, then=open_it)
        return True

    def _show_needs_fix(self, messages: list[str]) -> None:
        name = self.path.name if self.path else "the plan"
        self.show_problems(
            f"{name} needs a fix",
            messages,
            "Opened as it is and marked; n renormalises the weights. Saving is refused until the plan is valid.",
        )

    def show_problems(self, title: str, messages: list[str], footer: str) -> None:
        """The problems dialog (loaded on first use: it is off the start-up path)."""
        from .screens.problems import ProblemsModal

        self.push_screen(ProblemsModal(title, messages, footer))

    def _guard_unsaved(self, verb: str, proceed: Callable[[], None]) -> None:
        if not self.dirty:
            proceed()
            return
        from .screens.confirm import ConfirmQuitModal

        if isinstance(self.screen, ConfirmQuitModal):
            return

        def decided(choice: str | None) -> None:
            if choice == "discard":
                self.journal.discard()
                proceed()
            elif choice == "save":
                if self.path is None or self.read_only:
                    self.action_save_as(then=proceed)
                else:
                    self.save_to(self.path, proceed)

        self.push_screen(ConfirmQuitModal(self.display_path(), verb), decided)

    async def action_quit(self) -> None:
        self._guard_unsaved("quit", lambda: self.exit(0))


