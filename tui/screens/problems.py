"""A plan file that could not be used: every message, clearly, and nothing lost."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.util import plain


class ProblemsModal(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter,q", "dismiss_modal", "Close")]

    def __init__(self, title: str, messages: list[str], footer: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.messages = list(messages)
        self.footer_text = footer

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="problems"):
            yield Static(plain(self.title_text, style="bold"), id="dialog-title")
            with VerticalScroll(id="problem-list"):
                for message in self.messages:
                    yield Static(plain("• " + message), classes="problem")
            yield Static(plain((self.footer_text + "  " if self.footer_text else "") + "enter/esc: close", style="dim"), classes="dialog-keys")

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)
