"""Textual's Footer, with its keys in the first frame and re-made only when they change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class KeysFooter(Footer):
    """Footer composes its keys at the screen's first bindings signal, which comes after the
    first frame (the keys then pop in), and re-makes them at every signal. Here
    :meth:`show_keys` composes them at once (call it once the focus is set), and a
    recompose that would show the same keys is skipped."""

    _shown: tuple | None = None

    def _keys(self) -> tuple:
        """What compose shows: the screen's bindings as the footer reads them, and its mode."""
        bindings = tuple(
            (key, b.binding.action, b.binding.description, b.binding.key_display, b.binding.show, b.enabled, b.tooltip)
            for key, b in self.screen.active_bindings.items()
        )
        return (self.compact, self.show_command_palette, bindings)

    def show_keys(self) -> None:
        self._bindings_ready = True  # (Footer's private flag, textual 8.2.8)
        self.call_next(self.recompose)  # (in the footer's own context: it data-binds its keys)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys()
        yield from super().compose()

    async def recompose(self) -> None:
        if self._shown is not None and self.is_attached and self._keys() == self._shown:
            return  # the same keys: making them again would only cost a layout pass
        await super().recompose()
