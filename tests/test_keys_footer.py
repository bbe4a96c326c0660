"""The footer (tui.widgets.keys_footer): one line with the keys Textual's Footer would show,
in its order, each clickable; it follows the focus and the screen; the palette key stays on
the right when the keys do not all fit."""

from __future__ import annotations

from screen_text import screen_text
from tui.screens.help import HelpScreen
from tui.widgets.keys_footer import KeysFooter


def _shown_bindings(screen) -> list[str]:
    """'key description' as Textual's own Footer lists them: bindings with show=True, one per
    action, in the screen's order (the palette key apart)."""
    app = screen.app
    seen, shown = set(), []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if key == app.COMMAND_PALETTE_BINDING or not binding.show or binding.action in seen:
            continue
        seen.add(binding.action)
        shown.append(f"{app.get_key_display(binding)} {binding.description}")
    return shown


async def test_the_footer_lists_the_shown_keys_in_order_with_the_palette_on_the_right(make_app):
    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        expected = _shown_bindings(app.screen)
        assert line.startswith(" ".join(expected)), line
        assert "+/- Nudge" in expected and "q Quit" in expected
        assert line.rstrip().endswith("▏^p palette") and len(line) == 200


async def test_the_footer_follows_the_focus_and_clips_before_the_palette_key(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        before = screen_text(app).splitlines()[-1]
        assert "Leave field" not in before
        # at 80 columns not every key fits: whole keys, then "…" (never "v V"), and q Quit stays
        shown, _, rest = before.partition(" …")
        keys = _shown_bindings(app.screen)
        assert shown in {" ".join(keys[:n]) for n in range(1, len(keys))} and "q Quit" in shown
        assert rest.strip() == "▏^p palette"
        await pilot.press("4")  # the scenario inputs: esc leaves them
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        assert "esc Leave field" in line
        assert line.endswith("▏^p palette")  # the keys that do not fit are cut, the palette stays
        assert line.startswith(" ".join(_shown_bindings(app.screen)))  # (these all fit)
        await pilot.press("escape")
        await pilot.pause()
        assert screen_text(app).splitlines()[-1] == before


async def test_a_click_on_a_key_in_the_footer_does_what_the_key_does(make_app):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        column = line.index("? Help")
        assert await pilot.click(KeysFooter, offset=(column + 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_a_detail_view_has_its_own_keys_in_the_footer(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")  # the rolls view
        await pilot.pause()
        line = screen_text(app).splitlines()[-1]
        assert line.startswith("esc Back") and "Nudge" not in line
        assert line == " ".join(_shown_bindings(app.screen)).ljust(80 - len("▏^p palette"))[: 80 - len("▏^p palette")] + "▏^p palette"


async def test_the_keys_are_textual_footers_keys_in_the_footer_colours(make_app):
    """The same keys, in the same order, as Textual's own Footer shows on this screen; each key
    in the theme's footer-key colour and bold, its description in the footer's, none
    underlined (the keys are clickable, but not drawn as links)."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    app = make_app()
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        reference = Footer(compact=True)
        await app.screen.mount(reference)
        focused = app.focused
        await pilot.press("4", "escape")  # a focus move and back: Footer makes its keys at the bindings signal
        await pilot.pause()
        assert app.focused is focused
        theirs = [(k.key_display, k.description) for k in reference.query(FooterKey)]
        await reference.remove()
        await pilot.pause()
        ours = [(display, description) for _key, display, description, _enabled in app.query_one(KeysFooter).keys()]
        assert ours == theirs and len(ours) > 8

        variables = app.get_css_variables()
        segments = [s for s in app.screen._compositor.render_strips()[-1] if s.text.strip()]
        key = next(s for s in segments if s.text == "+/-")
        description = next(s for s in segments if s.text == " Nudge")
        assert key.style.color.triplet.hex == variables["footer-key-foreground"].lower() and key.style.bold
        assert description.style.color.triplet.hex == variables["footer-description-foreground"].lower()
        assert not any(s.style.underline for s in segments)
