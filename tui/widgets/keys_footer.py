"""Textual's Footer, with its keys in the first frame and re-made only when they change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


def _shown_keys(screen: Screen) -> tuple:
    """What the footer shows of the screen's bindings (its compose reads no more)."""
    return tuple(
        (key, b.binding.action, b.binding.description, b.binding.key_display, b.binding.show, b.enabled, b.tooltip)
        for key, b in screen.active_bindings.items()
    )


class KeysFooter(Footer):
    """Footer composes its keys at the screen's first bindings signal, which comes after the
    first frame (the keys then pop in), and re-makes them at every signal. Here
    :meth:`show_keys` composes them at once (call it once the focus is set), and a signal
    that changes nothing re-makes nothing."""

    _shown: tuple | None = None

    def show_keys(self) -> None:
        self._bindings_ready = True  # (Footer's private flag, textual 8.2.8)
        self.call_next(self.recompose)  # (in the footer's own context: it data-binds its keys)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = _shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if self._shown is not None and screen is self.screen and _shown_keys(screen) == self._shown:
            return
        super().bindings_changed(screen)
