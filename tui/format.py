"""Number formats shared by the command line and the panes (no textual, no rich: the CLI's
``price`` table uses them without loading the app)."""

from __future__ import annotations

import math

__all__ = ["usd", "pct", "usd_short", "num"]


# (unit size, suffix, from where usd() uses it, from where usd(short=True) does)
_UNITS = ((1e9, "B", 999.5e6, 999.5e6), (1e6, "M", 999.5e3, 999.5e3), (1e3, "k", 1e4, 999.5))


def usd(x: float | None, short: bool = False) -> str:
    """Compact money: $1.23M, -$45.6k, $812. ``short`` (axis labels, narrow columns): three
    significant digits, trailing zeros kept ($578M, -$1.20B, $2.50M, $800k, $0)."""
    if x is None or not math.isfinite(x):
        return "—"
    sign = "-" if x < 0 else ""
    a = abs(x)
    for size, suffix, long_from, short_from in _UNITS:
        if a >= (short_from if short else long_from):
            amount = _three(a / size) if short else f"{a / size:,.{1 if suffix == 'k' else 2}f}"
            return f"{sign}${amount}{suffix}"
    return f"{sign}${a:,.0f}"


def usd_short(x: float | None) -> str:
    """Axis-label money: ``usd(x, short=True)``."""
    return usd(x, short=True)


def pct(x: float | None, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    text = f"{x * 100:.{digits}f}%"
    return text[1:] if text.startswith("-") and float(text[1:-1]) == 0 else text  # never "-0%"


def _three(x: float) -> str:
    """Three significant digits, trailing zeros kept ($23.0M beside $22.4M, not $23M)."""
    return f"{x:#.3g}".rstrip(".")


def num(x: float | None, fmt: str = ".2f") -> str:
    """A number, or an em dash for a missing or non-finite one (never 'nan')."""
    if x is None or not math.isfinite(x):
        return "—"
    return format(x, fmt)
