"""The screen as text, for headless tests that check what a user can read (not widget state)."""

from __future__ import annotations


def screen_text(app) -> str:
    """What the terminal shows now: one line per row, the top screen composited over the
    ones below (a modal's dimmed background included)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)
