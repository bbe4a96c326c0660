"""Dialogs of "nothing lost": a plan open in another session, recover a journal, a plan file changed on disk."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.util import plain


class RecoverModal(ModalScreen[str]):
    """Unsaved edits found in the journal. Returns "recover", "discard", "keep" or "later".

    ``untitled``: the journal of a plan that never had a file; "keep both" has no file to
    keep beside, so its third choice is "later" (leave the journal for another time).
    """

    def __init__(self, title: str, facts: list[str], changes: list[str], *, untitled: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.facts = facts
        self.changes = changes
        self.untitled = untitled

    BINDINGS = [
        Binding("r", "choose('recover')", "Recover"),
        Binding("d", "choose('discard')", "Discard"),
        Binding("k", "choose('keep')", "Keep both"),
        Binding("l", "choose('later')", "Later"),
        Binding("escape", "hint", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="recover"):
            yield Static(plain(self.title_text, style="bold"), id="dialog-title")
            third = (
                "  [b]l[/b]  later: open the sample, keep the journal for another time"
                if self.untitled
                else "  [b]k[/b]  keep both: save the journal beside the plan as a new file, open the file"
            )
            with Vertical(classes="dialog-keys"):  # the choices stay on screen; the diff scrolls
                yield Static(
                    "  [b]r[/b]  recover the edits (unsaved until ctrl+s)\n"
                    "  [b]d[/b]  discard the edits and open the file\n" + third,
                    markup=True,
                    id="recover-keys",
                )
                yield Static("", id="recover-message")
            with VerticalScroll(id="recover-changes"):
                for fact in self.facts:
                    yield Static(plain(fact), classes="recover-fact")
                if self.changes:
                    yield Static(Text(f"file -> journal ({len(self.changes)} changes; ↑ ↓ scroll):", style="bold"))
                    for line in self.changes:
                        yield Static(plain("  " + line), classes="recover-change")
                else:
                    yield Static(Text("(the journal holds the same plan as the file)"))

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "choose" and parameters:
            if parameters[0] == "keep" and self.untitled:
                return False
            if parameters[0] == "later" and not self.untitled:
                return False
        return True

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_hint(self) -> None:
        keys = "r, d or l" if self.untitled else "r, d or k"
        self.query_one("#recover-message", Static).update(Text(f"choose {keys}: nothing is lost either way", style="bold"))


class LockedModal(ModalScreen[str | None]):
    """The plan is open in another session (vim's ATTENTION). Returns "read_only", "anyway" or
    None (at start: quit; when opening from the app: keep the current plan)."""

    BINDINGS = [
        Binding("r", "choose('read_only')", "Read-only"),
        Binding("o", "choose('anyway')", "Open anyway"),
        Binding("q,escape", "choose(None)", "Quit"),
    ]

    def __init__(self, title: str, holders: list[str], *, at_start: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.holders = holders
        self.at_start = at_start

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="locked"):
            yield Static(plain(self.title_text, style="bold"), id="dialog-title")
            leave = "quit" if self.at_start else "keep the current plan"
            yield Static(
                "  [b]r[/b]  open read-only: explore freely; saving asks for another file\n"
                "  [b]o[/b]  open anyway and edit (each session keeps its own journal)\n"
                f"  [b]q[/b]  {leave}",
                markup=True,
                classes="dialog-keys",
            )
            with VerticalScroll(id="lock-holders"):
                for holder in self.holders:
                    yield Static(plain("  open in " + holder), classes="lock-holder")
                yield Static(Text("Two sessions editing one plan overwrite each other's saves (each save asks first)."))

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)


class FileChangedModal(ModalScreen[str | None]):
    """The plan file changed on disk since it was opened. Returns "overwrite", "save_as" or None."""

    BINDINGS = [
        Binding("o", "choose('overwrite')", "Overwrite"),
        Binding("a", "choose('save_as')", "Save as"),
        Binding("escape,c", "choose(None)", "Cancel"),
    ]

    def __init__(self, path_text: str, changes: list[str]) -> None:
        super().__init__()
        self.path_text = path_text
        self.changes = changes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="changed"):
            yield Static(plain(f"{self.path_text} changed on disk since it was opened", style="bold"), id="dialog-title")
            yield Static(
                "  [b]o[/b]  overwrite it with your plan (the file on disk goes to the backup~)\n"
                "  [b]a[/b]  save yours as another file\n"
                "  [b]esc[/b]  cancel: keep editing (your edits stay in the journal)",
                markup=True,
                classes="dialog-keys",
            )
            with VerticalScroll(id="changed-list"):
                for line in self.changes:
                    yield Static(plain("  " + line))

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
