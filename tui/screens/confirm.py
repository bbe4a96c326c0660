"""Yes/no style questions: the quit guard and 'discard unsaved changes?'."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.util import plain


class ConfirmQuitModal(ModalScreen[str | None]):
    """Unsaved changes: s saves first, d discards, esc (or n) stays. Returns "save", "discard" or None."""

    BINDINGS = [
        Binding("s", "choose('save')", "Save"),
        Binding("d", "choose('discard')", "Discard"),
        Binding("escape,n", "choose(None)", "Cancel"),
    ]

    def __init__(self, what: str, verb: str = "quit") -> None:
        super().__init__()
        self.what = what
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text.assemble(("Unsaved changes", "bold"), " to ", plain(self.what), "."), id="dialog-title")
            yield Static(
                f"  [b]s[/b]  save, then {self.verb}\n  [b]d[/b]  discard the changes and {self.verb}\n  [b]esc[/b]  go back to the plan",
                markup=True,
            )

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
