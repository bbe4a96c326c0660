"""Cboe's VIX Tail Hedge index (VXTH) rule: the share of the portfolio put into one-month VIX
calls at each monthly roll, by the level of the forward VIX (the VX future that expires with
the next roll).

Published tiers (Cboe VXTH methodology): forward VIX below 15: 0 %; 15 to 30: 1 %;
above 30 to 50: 0.5 %; above 50: 0 %. Boundaries: 15 and 30 are in the 1 % tier, 50 in the
0.5 % tier. One function, used by the regime read-out and by the backtest's benchmark rule.
"""

from __future__ import annotations

import numpy as np

# (lower bound inclusive, upper bound inclusive, weight in % of the portfolio)
VXTH_TIERS: tuple[tuple[float, float, float], ...] = ((15.0, 30.0, 1.0), (30.0, 50.0, 0.5))


def vxth_weight_pct(forward_vix):
    """The VXTH weight in % of the portfolio for a forward VIX level (scalar or array).

    NaN or a missing level buys nothing (0 %)."""
    f = np.asarray(forward_vix, dtype=float)
    w = np.where((f >= 15.0) & (f <= 30.0), 1.0, np.where((f > 30.0) & (f <= 50.0), 0.5, 0.0))
    return float(w) if w.ndim == 0 else w
