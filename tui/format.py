"""Number formats shared by the panes (the money and percent formats come from the CLI)."""

from __future__ import annotations

import math

from .cli import pct, signal_lines, usd

__all__ = ["usd", "pct", "usd_short", "num", "signed", "signal_lines"]


def usd_short(x: float) -> str:
    """Axis-label money: $578M, -$1.2B, $35M, $2.5M, $800k, $0."""
    if x is None or not math.isfinite(x):
        return "—"
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 999.5e6:
        return f"{sign}${a / 1e9:.3g}B"
    if a >= 999.5e3:
        return f"{sign}${a / 1e6:.3g}M"
    if a >= 999.5:
        return f"{sign}${a / 1e3:.3g}k"
    return f"{sign}${a:.0f}"


def num(x: float | None, fmt: str = ".2f") -> str:
    """A number, or an em dash for a missing or non-finite one (never 'nan')."""
    if x is None or not math.isfinite(x):
        return "—"
    return format(x, fmt)


def signed(x: float | None, fmt: str = "+.2f") -> str:
    return num(x, fmt)
