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

from ..core.safe_files import cause_of, path_kind
from ..core.safe_text import printable
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
        try:
            path = self._check(text)
        except (OSError, ValueError, RuntimeError) as error:  # a name too long, a folder one may not enter, ~nobody
            cause = cause_of(error) if isinstance(error, OSError) else str(error)
            self._say(f"cannot use {printable(text, 120)}: {cause}")
            return
        if path is not None:
            self.dismiss(path)

    def _check(self, text: str) -> Path | None:
        """The path to use, or None after saying why not; OSError from the file system."""
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if path_kind(path) == "loop":
            self._say(f"{path} is a loop of symbolic links")
            return None
        if self.must_exist:
            if not path.exists():
                self._say(f"no such file: {path}")
                return None
            if path.is_dir():
                self._say(f"{path} is a folder; type a plan file")
                return None
        else:
            if path.is_dir():
                self._say(f"{path} is a folder; add a file name")
                return None
            if not path.parent.is_dir():
                self._say(f"no such folder: {path.parent}")
                return None
            if path.exists() and path != self.current and self._confirm_overwrite != path:
                self._confirm_overwrite = path
                self._say(f"{path.name} exists: enter again to overwrite, esc to cancel")
                return None
        return path

    def action_cancel(self) -> None:
        self.dismiss(None)
