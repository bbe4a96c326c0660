"""Number formats shared by the command line and the panes (no textual, no rich: the CLI's
``price`` table uses them without loading the app)."""

from __future__ import annotations

import math

__all__ = ["usd", "pct", "usd_short", "num"]


def usd(x: float | None) -> str:
    """Compact money: $1.23M, -$45.6k, $812."""
    if x is None or not math.isfinite(x):
        return "—"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 999.5e6:
        return f"{sign}${a / 1e9:,.2f}B"
    if a >= 999.5e3:
        return f"{sign}${a / 1e6:,.2f}M"
    if a >= 1e4:
        return f"{sign}${a / 1e3:,.1f}k"
    return f"{sign}${a:,.0f}"


def pct(x: float | None, digits: int = 1) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    text = f"{x * 100:.{digits}f}%"
    return text[1:] if text.startswith("-") and float(text[1:-1]) == 0 else text  # never "-0%"


def usd_short(x: float) -> str:
    """Axis-label money: $578M, -$1.2B, $35M, $2.5M, $800k, $0."""
    if x is None or not math.isfinite(x):
        return "—"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 999.5e6:
        return f"{sign}${_three(a / 1e9)}B"
    if a >= 999.5e3:
        return f"{sign}${_three(a / 1e6)}M"
    if a >= 999.5:
        return f"{sign}${_three(a / 1e3)}k"
    return f"{sign}${a:.0f}"


def _three(x: float) -> str:
    """Three significant digits, trailing zeros kept ($23.0M beside $22.4M, not $23M)."""
    return f"{x:#.3g}".rstrip(".")


def num(x: float | None, fmt: str = ".2f") -> str:
    """A number, or an em dash for a missing or non-finite one (never 'nan')."""
    if x is None or not math.isfinite(x):
        return "—"
    return format(x, fmt)
