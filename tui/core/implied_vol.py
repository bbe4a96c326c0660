"""Black-76 implied volatility, vectorised.

``implied_vol(price, F, K, T, r, is_call=True)`` inverts :func:`tui.core.black76.black76_price`
for arrays of options at once (all inputs broadcast), with no Python loop over options.

Method. Work on the out-of-the-money side, as Jaeckel does: an in-the-money option is
turned into its out-of-the-money twin by put-call parity (``otm = price - e^{-rT} max(+-(F-K), 0)``),
and the price is normalised to ``b = otm / (e^{-rT} sqrt(F K))``, a function of
``x = -|ln(F/K)|`` and ``s = sigma sqrt(T)`` alone:

    b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2),   0 <= b < e^{x/2}.

``b`` is increasing in ``s``, convex below the inflection point ``s_c = sqrt(2|x|)`` and
concave above it. The root is found with a fixed number of Halley steps (``ITERATIONS``) on
an objective chosen per option so that it is nearly linear near the root:

* below the inflection point, on the log-price ``ln b(s) - ln b*`` (tiny prices);
* above it, on the price ``b(s) - b*``;
* close to the upper bound, on ``ln(b_max - b*) - ln(b_max - b(s))``, where ``b_max - b``
  is computed from the complementary CDFs, without cancellation.

Each option starts from an estimate made for its region (an asymptotic expansion in the
tails, the tangent at the inflection point in the middle) and keeps a bracket
``[lo, hi]``: a Halley step that would leave it is replaced by a bisection.

Accuracy: the vol is recovered to about 1e-12 or better (absolute, in sigma) for quoted
prices (time value >= 0.01 point), and to 1e-10 wherever the price itself determines
sigma to that precision, i.e. while the rounding of the price (``eps * price``) moves sigma
by less than that (a deep-ITM option whose time value is lost in its rounding has no
recoverable vol, for any method).

Outcomes where no volatility fits (the status codes of :func:`implied_vol_status`):

========================================  ==========  ======
case                                      result      status
========================================  ==========  ======
solved                                    sigma > 0   OK = 0
price exactly the discounted intrinsic    0.0         NO_TIME_VALUE = 1
  value (no time value)
price below the discounted intrinsic      NaN         BELOW_INTRINSIC = 2
price at or above the upper bound         NaN         ABOVE_UPPER_BOUND = 3
  (e^{-rT} F for a call, e^{-rT} K for a put)
T <= 0, F <= 0, K <= 0, or any NaN/inf    NaN         BAD_INPUT = 4
========================================  ==========  ======
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = [
    "implied_vol",
    "implied_vol_status",
    "OK",
    "NO_TIME_VALUE",
    "BELOW_INTRINSIC",
    "ABOVE_UPPER_BOUND",
    "BAD_INPUT",
    "ITERATIONS",
]

OK = 0
NO_TIME_VALUE = 1
BELOW_INTRINSIC = 2
ABOVE_UPPER_BOUND = 3
BAD_INPUT = 4

ITERATIONS = 3
_BLOCK = 8192
_LN_SQRT_2PI = 0.9189385332046728
_INV_SQRT_2PI = 0.3989422804014327
_S_MAX = 80.0  # beyond this, b_max - b underflows: no information
_TINY = 1e-300


def _normalised(x, s, ex, upper):
    """(b, gap, ln b') at s for x <= 0; gap = b_max - b, exact only where ``upper``."""
    d1 = x / s + 0.5 * s
    d2 = d1 - s
    n1 = ndtr(np.where(upper, -d1, d1))
    n2 = ndtr(d2) / ex
    n1 *= ex
    b = n1 - n2  # meaningful off the upper region
    gap = n1 + n2  # b_max - b, meaningful in the upper region
    ln_db = -0.5 * (x / s) ** 2 - 0.125 * s * s - _LN_SQRT_2PI  # ln b'(s)
    return b, gap, ln_db


def _solve(x, b_star, iterations):
    """s = sigma sqrt(T) with b(x, s) = b_star; x <= 0, 0 < b_star < e^{x/2} (arrays)."""
    ax = -x
    ex = np.exp(0.5 * x)
    b_max = ex
    s_c = np.sqrt(2.0 * ax)
    # Price at the inflection point, where d1 = 0: b_c = e^{x/2}/2 - e^{-x/2} N(-s_c).
    b_c = 0.5 * ex - ndtr(-s_c) / ex
    db_c = _INV_SQRT_2PI * ex  # b'(s_c)
    # Low region: below s_l, where the tangent at the inflection point reaches b = 0
    # (Jaeckel's split); there b is far from linear and ln b is used.
    s_l = s_c - b_c / db_c
    with np.errstate(divide="ignore", invalid="ignore"):
        s_lp = np.where(s_l > 0.0, s_l, 1.0)
        b_l = np.where(s_l > 0.0, ex * ndtr(x / s_lp + 0.5 * s_lp) - ndtr(x / s_lp - 0.5 * s_lp) / ex, 0.0)
    low = b_star < b_l
    gap_star = b_max - b_star
    # Upper region: the top quarter of the price range above the inflection point.
    upper = (b_star > b_c + 0.75 * (b_max - b_c))
    mid = ~low & ~upper
    ln_b_star = np.log(np.maximum(b_star, _TINY))
    ln_gap_star = np.log(np.maximum(gap_star, _TINY))

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Low: leading asymptotic term ln b ~ -x^2 / (2 s^2), a lower bound of the root.
        s_low = ax / np.sqrt(np.maximum(-2.0 * ln_b_star, 1e-300))
        # Any x: b(x, s) <= b(0, s) = 2 N(s/2) - 1, so s* >= 2 N^-1((1 + b*)/2).
        s_atm = 2.0 * ndtri(0.5 + 0.5 * b_star)
        # A Newton step in u = 1/s^2 on ln b from s_l, where b and b' are known.
        ln_db_l = -0.5 * (x / s_lp) ** 2 - 0.125 * s_lp * s_lp - _LN_SQRT_2PI
        g_u = np.exp(ln_db_l - np.log(np.maximum(b_l, _TINY))) * (-0.5 * s_lp**3)
        u_n = 1.0 / (s_lp * s_lp) + (ln_b_star - np.log(np.maximum(b_l, _TINY))) / g_u
        s_n = np.where(u_n > 0.0, 1.0 / np.sqrt(u_n), 0.0)
        s_low = np.minimum(np.maximum(np.maximum(s_low, s_atm), s_n), s_l)
        # Mid: tangent at the inflection point (a lower bound, b is concave there).
        # (an upper bound below s_c, where b is convex; a lower bound above it)
        s_mid = np.maximum(s_c + (b_star - b_c) / db_c, s_atm)
        # Upper: b_max - b ~ (e^{x/2} + e^{-x/2}) N(-s/2) for large s.
        s_up = -2.0 * ndtri(np.minimum(gap_star / (ex + 1.0 / ex), 0.5))
        s_up = np.maximum(s_up, s_c)
    s = np.where(low, s_low, np.where(mid, s_mid, s_up))
    below = b_star < b_c
    lo = np.where(low, 0.0, np.where(below, np.maximum(s_l, 0.0), s_c))
    hi = np.where(low, s_l, np.where(below, s_c, _S_MAX))
    bad = ~(s > lo) | ~(s < hi)
    s = np.where(bad, np.where(below, 0.5 * (lo + hi), np.maximum(2.0 * s_c, s_c + 1.0)), s)
    s = np.minimum(s, hi * 0.999999)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for _ in range(iterations):
            b, gap, ln_db = _normalised(x, s, ex, upper)
            h = ax * ax / (s * s * s) - 0.25 * s  # b''/b'
            db = np.exp(ln_db)
            ln_b = np.log(np.maximum(b, _TINY))
            # objective f and its ratios nu = f/f', k = f''/f'
            f = np.where(low, ln_b - ln_b_star, np.where(upper, ln_gap_star - np.log(np.maximum(gap, _TINY)), b - b_star))
            fp = np.where(low, np.exp(ln_db - ln_b), np.where(upper, db / gap, db))
            k = np.where(low, h - fp, np.where(upper, h + fp, h))
            # the low branch steps in u = 1/s^2, where ln b is nearly linear:
            # g_u = g_s * (-s^3/2), g_uu / g_u = k * (-s^3/2) - 3 s^2 / 2
            ds_du = -0.5 * s * s * s
            fpu = np.where(low, fp * ds_du, fp)
            ku = np.where(low, k * ds_du - 1.5 * s * s, k)
            nu = f / fpu
            den = 1.0 - 0.5 * nu * ku
            step = np.where(den > 0.25, nu / den, nu)
            # bracket update
            lo = np.where(f < 0.0, s, lo)
            hi = np.where(f > 0.0, s, hi)
            u_new = 1.0 / (s * s) - step
            s_new = np.where(low, 1.0 / np.sqrt(u_new), s - step)
            ok = (s_new >= lo) & (s_new <= hi)  # False for NaN
            s_new = np.where(ok, s_new, 0.5 * (lo + hi))
            s = np.where(f == 0.0, s, s_new)
    return s


def _prepare(price, F, K, T, r, is_call):
    arrs = np.broadcast_arrays(
        np.asarray(price, dtype=float),
        np.asarray(F, dtype=float),
        np.asarray(K, dtype=float),
        np.asarray(T, dtype=float),
        np.asarray(r, dtype=float),
        np.asarray(is_call, dtype=bool),
    )
    shape = arrs[0].shape
    return [a.reshape(-1) for a in arrs], shape


def implied_vol_status(price, F, K, T, r, is_call=True, *, iterations: int = ITERATIONS):
    """(sigma, status) arrays of the broadcast shape; see the module docstring for codes."""
    (p, F, K, T, r, c), shape = _prepare(price, F, K, T, r, is_call)
    n = p.size
    sigma = np.full(n, np.nan)
    status = np.full(n, BAD_INPUT, dtype=np.int8)
    with np.errstate(invalid="ignore", over="ignore"):
        good = (T > 0.0) & (F > 0.0) & (K > 0.0) & np.isfinite(p) & np.isfinite(F) & np.isfinite(K)
        good &= np.isfinite(T) & np.isfinite(r)
    idx = np.flatnonzero(good)
    if idx.size:
        p, F, K, T, r, c = p[idx], F[idx], K[idx], T[idx], r[idx], c[idx]
        df = np.exp(-r * T)
        intrinsic = df * np.maximum(np.where(c, F - K, K - F), 0.0)
        otm = p - intrinsic
        upper_price = df * np.where(c, F, K)
        st = np.full(idx.size, OK, dtype=np.int8)
        st[otm == 0.0] = NO_TIME_VALUE
        st[otm < 0.0] = BELOW_INTRINSIC
        st[p >= upper_price] = ABOVE_UPPER_BOUND
        sg = np.where(st == NO_TIME_VALUE, 0.0, np.nan)
        live = np.flatnonzero(st == OK)
        if live.size:
            Fl, Kl = F[live], K[live]
            x = -np.abs(np.log(Fl / Kl))
            b = otm[live] / (df[live] * np.sqrt(Fl) * np.sqrt(Kl))
            # the price bound and the normalised bound can disagree by an ulp
            b = np.minimum(b, np.exp(0.5 * x) * (1.0 - 1e-16))
            s = np.empty_like(x)
            for lo in range(0, x.size, _BLOCK):  # blocks stay in cache: ~40 temporaries/iteration
                s[lo : lo + _BLOCK] = _solve(x[lo : lo + _BLOCK], b[lo : lo + _BLOCK], iterations)
            sg[live] = s / np.sqrt(T[live])
        sigma[idx] = sg
        status[idx] = st
    return sigma.reshape(shape), status.reshape(shape)


def implied_vol(price, F, K, T, r, is_call=True, *, iterations: int = ITERATIONS) -> np.ndarray:
    """Black-76 implied volatility (annual, 1.0 = 100 %), broadcast over all inputs.

    price: option price in index points; F, K, T, r, is_call as for
    :func:`tui.core.black76.black76`. Where no volatility fits the result is documented,
    not raised: exactly the discounted intrinsic value (no time value) gives 0.0; a price
    below the discounted intrinsic value, or at/above the upper bound (e^{-rT} F for a
    call, e^{-rT} K for a put), gives NaN; T <= 0, F <= 0, K <= 0 or non-finite inputs give
    NaN. :func:`implied_vol_status` returns the reason alongside.
    """
    return implied_vol_status(price, F, K, T, r, is_call, iterations=iterations)[0]
