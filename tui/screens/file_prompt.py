"""Ask for a path: used by 'save as' and 'open'."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..widgets.util import plain


class PathModal(ModalScreen[Path | None]):
    """A one-line path prompt. ``must_exist`` for open; for save-as an existing file needs
    a second enter to overwrite. Returns the path (user-expanded, absolute) or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, initial: str, *, must_exist: bool, current: Path | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.initial = initial
        self.must_exist = must_exist
        self.current = current
        self._confirm_overwrite: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Input(self.initial, id="path-input", select_on_focus=False)
            yield Static("enter: ok · esc: cancel", id="path-message")

    def on_mount(self) -> None:
        field = self.query_one("#path-input", Input)
        field.focus()
        field.cursor_position = len(field.value)

    def _say(self, message: str, error: bool = True) -> None:
        self.query_one("#path-message", Static).update(plain(message, style="bold red" if error else ""))

    @on(Input.Changed, "#path-input")
    def _changed(self) -> None:
        self._confirm_overwrite = None

    @on(Input.Submitted, "#path-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._say("type a path (esc cancels)")
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if self.must_exist:
            if not path.exists():
                self._say(f"no such file: {path}")
                return
            if path.is_dir():
                self._say(f"{path} is a folder; type a plan file")
                return
        else:
            if path.is_dir():
                self._say(f"{path} is a folder; add a file name")
                return
            if not path.parent.is_dir():
                self._say(f"no such folder: {path.parent}")
                return
            if path.exists() and path != self.current and self._confirm_overwrite != path:
                self._confirm_overwrite = path
                self._say(f"{path.name} exists: enter again to overwrite, esc to cancel")
                return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
