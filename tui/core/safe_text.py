"""Text that reaches a terminal: what may be shown as is, and how the rest is escaped.

Control characters (C0, DEL, C1) move a terminal's cursor or retitle it, lone surrogates
cannot be written as UTF-8, line/paragraph separators break a line and bidi controls
reorder what is shown, and invisible characters (zero-width spaces, soft hyphens,
byte-order marks, tag characters, Hangul fillers) let two different names look the
same. Names and sources carrying any of them are refused
(:func:`text_problem`); messages that echo user input escape them (:func:`printable`).
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters by category (Lo) that draw nothing: the Hangul fillers and the braille blank.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def unsafe_char(ch: str) -> bool:
    """Control characters (C0, DEL, C1), lone surrogates, line/paragraph separators, format
    characters (bidi controls, zero-width spaces, soft hyphen, BOM, tags) and invisible
    letters: they move a terminal's cursor, hide text or cannot be written as UTF-8."""
    if ch.isprintable() and ch not in INVISIBLE_LETTERS and ch != "\u00ad":
        return False  # the common case, fast: printable excludes C*, Z* but the space
    return unicodedata.category(ch) in ("Cc", "Cs", "Cf", "Zl", "Zp") or ch in BIDI_CONTROLS or ch in INVISIBLE_LETTERS


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe to show in a terminal: unsafe characters escaped, at most ``limit`` long."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if not any(unsafe_char(c) for c in text):
        return text
    return "".join(f"\\u{ord(c):04x}" if unsafe_char(c) else c for c in text)


def text_problem(value: str, limit: int) -> str | None:
    """Why ``value`` may not be a name or source shown in a terminal (None when it may)."""
    for i, ch in enumerate(value):
        if unsafe_char(ch):
            return f"must not contain control characters or invisible ones (found U+{ord(ch):04X} at position {i + 1})"
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are allowed"
    return None
