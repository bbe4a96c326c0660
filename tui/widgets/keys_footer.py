"""The screen's keys on the bottom line, drawn as one widget.

Textual's Footer makes a widget per key (about twenty here), each styled, laid out and
rendered on its own, and composes them after the first frame: it cost a tenth of the app's
start-up. This footer is one line of text: the same keys in the same order and colours
(the theme's footer variables), each clickable, the command palette's key on the right.
It is redrawn only when the keys it shows change (focus, a modal, a disabled action).
"""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.style import Style
from textual.widget import Widget


class KeysFooter(Widget, can_focus=False):
    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"keys-footer--key", "keys-footer--description", "keys-footer--palette-rule"}
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        text-wrap: nowrap;
        color: $footer-foreground;
        background: $footer-background;
        & > .keys-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keys-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keys-footer--palette-rule {
            color: $foreground 20%;
        }
    }
    """

    _shown: tuple = ()

    def __init__(self) -> None:
        super().__init__()
        # The @click on each key would make it a link, and Textual draws links in its link
        # style (underlined, its colour over the key's): the keys keep the footer's colours.
        self.set_reactive(KeysFooter.auto_links, False)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._shown = self.keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            keys = self.keys()
            if keys != self._shown:  # (the signal comes at every focus move; most leave the keys as they are)
                self._shown = keys
                self.refresh()

    def keys(self) -> tuple[tuple[str, str, str, bool], ...]:
        """(key, key as shown, description, enabled) of each key to show, one per action, in
        the screen's order; the command palette's key last (drawn on the right)."""
        app = self.app
        palette_key = app.COMMAND_PALETTE_BINDING if app.ENABLE_COMMAND_PALETTE else None
        shown: dict[str, tuple[str, str, str, bool]] = {}
        palette: tuple[str, str, str, bool] | None = None
        for key, (_node, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if key == palette_key:
                palette = (key, app.get_key_display(binding), binding.description, enabled)
            elif binding.show and binding.action not in shown:
                shown[binding.action] = (key, app.get_key_display(binding), binding.description, enabled)
        return (*shown.values(), *((palette,) if palette else ()))

    def render(self) -> Content:
        keys = self._shown or self.keys()
        palette_key = self.app.COMMAND_PALETTE_BINDING if self.app.ENABLE_COMMAND_PALETTE else None
        key_style = self.get_visual_style("keys-footer--key", partial=True)
        description_style = self.get_visual_style("keys-footer--description", partial=True)
        dim = Style(dim=True)

        def item(key: str, display: str, description: str, enabled: bool) -> Content:
            click = Style.from_meta({"@click": f"app.simulate_key({key!r})"} if enabled else {})
            parts = [(display, key_style + click)]
            if description:
                parts.append((" " + description, description_style + click))
            content = Content.assemble(*parts)
            return content if enabled else content.stylize(dim)

        palette = next((k for k in keys if k[0] == palette_key), None)
        right = Content("") if palette is None else Content.assemble(("▏", self.get_visual_style("keys-footer--palette-rule", partial=True)), item(*palette))
        room = max(0, self.size.width - right.cell_length)
        # Whole keys only: the ones that do not fit go (? lists every key), and "…" says so.
        left = [item(*k) for k in keys if k[0] != palette_key]
        shown: list[Content] = []
        width = 0
        for n, content in enumerate(left):
            more = n < len(left) - 1  # (the last key needs no room for the "…")
            if width + (1 if shown else 0) + content.cell_length + (2 if more else 0) > room:
                shown.append(Content("…"))
                break
            width += (1 if shown else 0) + content.cell_length
            shown.append(content)
        return Content.assemble(Content(" ").join(shown).truncate(room, pad=True), right)
