"""Independent reference formulas the tests check the core against (never the core's code)."""

from __future__ import annotations

import math


def bs76_call(F, K, T, r, s):
    """Scalar Black-76 call from the textbook formula (math.erf); intrinsic at or after expiry."""
    if T <= 0:
        return max(F - K, 0.0)
    N = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    d1 = (math.log(F / K) + 0.5 * s * s * T) / (s * math.sqrt(T))
    return math.exp(-r * T) * (F * N(d1) - K * N(d1 - s * math.sqrt(T)))
