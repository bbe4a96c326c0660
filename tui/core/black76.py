"""Black-76 prices and greeks for European options on a future, vectorised.

Units follow DESIGN.md: price in index points per option; delta per 1 point of the
future; gamma per point squared; vega per 1 volatility point (sigma + 0.01); theta per
calendar day, the analytic -dP/dT / 365 (negative for a long option):

    theta = [r * P - e^{-rT} F n(d1) sigma / (2 sqrt T)] / 365

Every input broadcasts (numpy arrays of any shape, or scalars); every output is an
ndarray of the broadcast shape. Edges are finite and warning-free:

* ``T <= 0``: intrinsic value against F, not discounted; delta is the step
  (+-1 in the money, 0 out of it, +-0.5 exactly at the money); gamma, vega, theta are 0.
* ``sigma <= 0`` (with ``T > 0``), and ``F <= 0`` or ``K <= 0``: the forward is
  deterministic, so the value is the *discounted* intrinsic value, delta the discounted
  step, gamma = vega = 0, and theta = r * P / 365 (the carry of a riskless amount).
  ``sigma * sqrt(T) <= 1e-100`` is treated the same way (the difference is below 1e-100).
* deep in/out of the money, tiny or huge F and K (1e-100 .. 1e100), T -> 0, sigma -> 0:
  the formulas saturate to their limits without overflow or NaN.
* NaN in any input gives NaN in the outputs of that option (no warning).

Speed: the vector path computes d1, d2, sigma*sqrt(T) and the density once, folds the
discount and 1/sqrt(2 pi) into the density's exponential, and writes every ufunc into
pre-allocated scratch rows or the (5, N) output, in blocks of 8192 options that stay in
cache. Up to ``SMALL_N`` options (a plan's layers) go through a scalar ``math`` path
instead, because numpy's per-call overhead (~0.4 us x ~35 ufuncs) would dominate there.
Both paths use the same formulas and agree to a few ulps.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = ["Greeks", "black76", "black76_price", "SMALL_N", "BLOCK"]

_INV_SQRT_2PI = 0.3989422804014327
_LN_SQRT_2PI = 0.9189385332046728  # ln(sqrt(2 pi))
_SQRT1_2 = 0.7071067811865476
_DAYS_PER_YEAR = 365.0
_V_TINY = 1e-100  # sigma*sqrt(T) at or below this counts as zero volatility

SMALL_N = 16  # at or below this many options, the scalar path is faster
BLOCK = 8192  # options per block in the vector path (scratch rows stay in L2)


class Greeks(NamedTuple):
    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray


# --------------------------------------------------------------------------- helpers


def _greeks(out: np.ndarray) -> Greeks:
    # rows of one (5, ...) buffer; out[i, ...] keeps 0-d results as ndarrays
    return tuple.__new__(Greeks, (out[0, ...], out[1, ...], out[2, ...], out[3, ...], out[4, ...]))


def _ndtr_scalar(x: float) -> float:
    """Standard normal CDF, the same split as cephes/scipy ``ndtr``."""
    y = x * _SQRT1_2
    z = abs(y)
    if z < _SQRT1_2:
        return 0.5 + 0.5 * math.erf(y)
    h = 0.5 * math.erfc(z)
    return 1.0 - h if y > 0.0 else h


_ndtr_object = None  # np.frompyfunc(_ndtr_scalar), made on first use (numpy may load after import)

# Below this many options the normal CDF comes from libm through _ndtr_scalar: it keeps
# scipy.special (0.15-0.4 s to import) off the app's start-up path, and for the app's
# per-keystroke work (a few hundred options) it costs tens of microseconds.
SCIPY_NDTR_MIN = 8192


def _ndtr_small(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    global _ndtr_object
    if _ndtr_object is None:
        _ndtr_object = np.frompyfunc(_ndtr_scalar, 1, 1)
    out[...] = _ndtr_object(x)
    return out


_scipy_ndtr = None  # scipy.special.ndtr once loaded (load_scipy_ndtr)


def load_scipy_ndtr() -> None:
    """Import scipy's ``ndtr`` now; from then on every call uses it, whatever its size (it
    is 3-9x faster than the libm path from 17 options up). The app calls this in a thread
    after its first frame, so the import stays off the start-up path."""
    global _scipy_ndtr
    from scipy.special import ndtr

    _scipy_ndtr = ndtr


def _ndtr_for(n: int):
    """The normal CDF (x, out) -> out to use for a call on ``n`` options."""
    if _scipy_ndtr is not None:
        return _scipy_ndtr
    if n < SCIPY_NDTR_MIN:
        return _ndtr_small
    load_scipy_ndtr()
    return _scipy_ndtr


def _prepare(F, K, T, r, sigma, is_call):
    """Arrays for the inputs and the broadcast shape (cheap when shapes already agree)."""
    arrs = [
        np.asarray(F, dtype=float),
        np.asarray(K, dtype=float),
        np.asarray(T, dtype=float),
        np.asarray(r, dtype=float),
        np.asarray(sigma, dtype=float),
        np.asarray(is_call, dtype=bool),
    ]
    shape = ()
    for a in arrs:
        s = a.shape
        if s and s != shape:
            shape = s if not shape else np.broadcast_shapes(shape, s)
    return arrs, shape


def _flat(a: np.ndarray, shape, n: int):
    """A 1-D view/copy of length n, or a Python scalar when the input is one value."""
    if a.size == 1:
        return a.reshape(()).item()
    if a.shape != shape:
        a = np.broadcast_to(a, shape)
    return a.reshape(n)  # a view when contiguous


def _min_positive(a) -> bool:
    """True when every entry is > 0 (False for NaN)."""
    if isinstance(a, float):
        return a > 0.0
    return bool(a.min() > 0.0)


# --------------------------------------------------------------------------- scalar path


def _scalar_one(F, K, T, r, sigma, call):
    """Price and greeks of one option with plain floats (same formulas as the kernel)."""
    s = 1.0 if call else -1.0
    if F > 0.0 and K > 0.0 and T > 0.0 and sigma > 0.0:
        sqrt_t = math.sqrt(T)
        v = sigma * sqrt_t
        if v > _V_TINY:
            q = F / K
            x = math.log(q) if q > 0.0 else -math.inf
            d1 = x / v + 0.5 * v
            d2 = d1 - v
            rt = -r * T
            df = math.exp(rt)
            n1 = _ndtr_scalar(s * d1)
            n2 = _ndtr_scalar(s * d2)
            price = s * df * (F * n1 - K * n2)
            delta = s * df * n1
            pdf = math.exp(-0.5 * d1 * d1 + rt - _LN_SQRT_2PI)  # e^{-rT} n(d1)
            g = F * pdf
            gamma = pdf / (F * v)
            vega = g * sqrt_t * 0.01
            theta = (r * price - 0.5 * g * v / T) / _DAYS_PER_YEAR
            return price, delta, gamma, vega, theta
    # Dead: intrinsic (undiscounted at/after expiry, discounted otherwise).
    if T != T or F != F or K != K or sigma != sigma or r != r:
        nan = math.nan
        return nan, nan, nan, nan, nan
    expired = T <= 0.0
    df = 1.0 if expired else math.exp(-r * T)
    m = s * (F - K)
    price = df * m if m > 0.0 else 0.0
    delta = s * df * (1.0 if m > 0.0 else (0.5 if m == 0.0 else 0.0))
    theta = 0.0 if expired else r * price / _DAYS_PER_YEAR
    return price, delta, 0.0, 0.0, theta


def _scalar_path(arrs, shape, n: int) -> Greeks:
    cols = []
    for a in arrs:
        if a.shape == shape and a.ndim == 1:
            cols.append(a.tolist())
        elif a.size == 1:
            cols.append([a.item()] * n)
        else:
            cols.append(np.broadcast_to(a, shape).reshape(n).tolist())
    flat = [0.0] * (5 * n)
    for i, row in enumerate(map(_scalar_one, *cols)):
        flat[i] = row[0]
        flat[n + i] = row[1]
        flat[2 * n + i] = row[2]
        flat[3 * n + i] = row[3]
        flat[4 * n + i] = row[4]
    out = np.array(flat).reshape((5,) + shape)
    return _greeks(out)


# --------------------------------------------------------------------------- vector path


def _kernel(F, K, T, r, sigma, sign, out, A, B, C, D, ndtr):
    """Live options only (F, K, T > 0, sigma*sqrt(T) > 1e-100); every ufunc writes in place.

    F, K, T, r, sigma: 1-D arrays of the block length m, or Python floats.
    sign: None (all calls), -1.0 (all puts) or a float array of +-1.
    ndtr: the normal CDF, (x, out) -> out.
    out: (5, m) output rows; A, B, C, D: scratch rows of length m.
    """
    P, De, G, V, Th = out
    np.sqrt(T, A)  # A = sqrt T
    np.multiply(sigma, A, B)  # B = v = sigma sqrt T
    np.divide(F, K, C)
    np.log(C, C)
    np.divide(C, B, C)
    np.multiply(B, 0.5, D)
    np.add(C, D, C)  # C = d1
    np.subtract(C, B, D)  # D = d2
    if sign is None:
        ndtr(C, De)  # N(d1)
        ndtr(D, D)  # N(d2)
    else:
        np.multiply(C, sign, De)
        ndtr(De, De)  # N(s d1)
        np.multiply(D, sign, D)
        ndtr(D, D)  # N(s d2)
    np.multiply(D, K, D)
    np.multiply(F, De, P)
    np.subtract(P, D, P)  # undiscounted, unsigned price
    # D = -rT (the log-discount), then e^{-rT} into Th as scratch.
    if isinstance(r, float):
        np.multiply(T, -r, D)
    else:
        np.multiply(T, r, D)
        np.negative(D, D)
    np.exp(D, Th)
    if sign is not None:
        np.multiply(Th, sign, V)  # V = s e^{-rT} (scratch)
        np.multiply(P, V, P)
        np.multiply(De, V, De)
    else:
        np.multiply(P, Th, P)
        np.multiply(De, Th, De)
    # G = e^{-rT} n(d1) = exp(-d1^2/2 - rT - ln sqrt(2 pi))
    np.multiply(C, C, G)
    np.multiply(G, -0.5, G)
    np.add(G, D, G)
    np.subtract(G, _LN_SQRT_2PI, G)
    np.exp(G, G)
    np.multiply(G, F, V)  # V = g = e^{-rT} F n(d1)
    np.multiply(B, F, C)
    np.divide(G, C, G)  # gamma
    # theta = r P / 365 - 0.5 g v / T / 365
    np.multiply(V, B, Th)
    np.divide(Th, T, Th)
    np.multiply(Th, -0.5 / _DAYS_PER_YEAR, Th)
    if isinstance(r, float):
        np.multiply(P, r / _DAYS_PER_YEAR, C)
    else:
        np.multiply(P, r, C)
        np.multiply(C, 1.0 / _DAYS_PER_YEAR, C)
    np.add(Th, C, Th)
    # vega per vol point = g sqrt T / 100
    np.multiply(V, A, V)
    np.multiply(V, 0.01, V)


def _dead_fill(out, idx, F, K, T, r, sigma, cflag):
    """Overwrite the entries idx of the (5, n) output with the dead-option values."""

    def take(a):
        return a if isinstance(a, (float, bool)) else a[idx]

    Fd, Kd, Td, rd = take(F), take(K), take(T), take(r)
    s = np.where(take(cflag), 1.0, -1.0)
    expired = Td <= 0.0
    df = np.where(expired, 1.0, np.exp(-rd * np.where(expired, 0.0, Td)))
    m = s * (Fd - Kd)
    price = df * np.maximum(m, 0.0)
    step = np.where(m > 0.0, 1.0, np.where(m == 0.0, 0.5, 0.0))
    out[0, idx] = price
    out[1, idx] = s * df * step
    out[2, idx] = 0.0
    out[3, idx] = 0.0
    out[4, idx] = np.where(expired, 0.0, rd * price / _DAYS_PER_YEAR)
    # NaN in sigma leaves the other formulas finite: mark the option NaN explicitly.
    sd = take(sigma)
    bad = np.isnan(sd) | np.isnan(Fd) | np.isnan(Kd) | np.isnan(Td) | np.isnan(rd)
    if np.any(bad):
        out[:, idx[bad] if np.ndim(bad) else idx] = np.nan


def _vector_path(arrs, shape, n: int) -> Greeks:
    F, K, T, r, sigma, cflag = (_flat(a, shape, n) for a in arrs)
    sign: float | np.ndarray | None
    if isinstance(cflag, bool):
        sign = None if cflag else -1.0
    else:
        sign = np.where(cflag, 1.0, -1.0)

    out = np.empty((5, n))
    idx = None
    live_all = (
        _min_positive(F)
        and _min_positive(K)
        and _min_positive(T)
        and _min_positive(sigma)
        # sufficient for sigma*sqrt(T) > _V_TINY everywhere
        and (min(np.min(sigma), 1e300) * math.sqrt(min(np.min(T), 1e300)) > _V_TINY)
    )
    if not live_all:
        # Some options are dead (or NaN): find them, run the kernel on safe stand-ins,
        # and overwrite them afterwards.
        with np.errstate(invalid="ignore"):
            Ta = np.broadcast_to(T, (n,))
            sa = np.broadcast_to(sigma, (n,))
            live = (np.broadcast_to(F, (n,)) > 0.0) & (np.broadcast_to(K, (n,)) > 0.0)
            live &= (Ta > 0.0) & (sa > 0.0)
            live &= sa * np.sqrt(np.where(Ta > 0.0, Ta, 0.0)) > _V_TINY
            live &= np.isfinite(np.broadcast_to(r, (n,)))
        idx = np.flatnonzero(~live)
        kF, kK, kT, ks = (np.where(live, a, 1.0) for a in (F, K, T, sigma))
        kr = np.where(live, r, 0.0) if not isinstance(r, float) else (r if r == r else 0.0)
    else:
        kF, kK, kT, kr, ks = F, K, T, r, sigma

    m = min(n, BLOCK)
    scratch = np.empty((4, m))
    ndtr = _ndtr_for(n)

    def cut(a, sl: slice):
        return a if isinstance(a, float) else a[sl]

    with np.errstate(over="ignore", under="ignore"):
        for lo in range(0, n, BLOCK):
            hi = min(lo + BLOCK, n)
            w = hi - lo
            sl = slice(lo, hi)
            A, B, C, D = scratch[:, :w] if w != m else scratch
            _kernel(
                cut(kF, sl), cut(kK, sl), cut(kT, sl), cut(kr, sl), cut(ks, sl),
                sign if sign is None or isinstance(sign, float) else sign[sl],
                out[:, sl], A, B, C, D, ndtr,
            )
    if idx is not None and idx.size:
        _dead_fill(out, idx, F, K, T, r, sigma, cflag)
    return _greeks(out.reshape((5,) + shape))


# --------------------------------------------------------------------------- public API


def black76(F, K, T, r, sigma, is_call=True) -> Greeks:
    """Price and the four greeks of Black-76 options, broadcast over all inputs.

    F: future price; K: strike; T: years to expiry; r: continuously compounded rate;
    sigma: annual volatility (1.0 = 100 %); is_call: bool (or bool array).
    Returns a :class:`Greeks` of ndarrays of the broadcast shape, in DESIGN units.
    """
    arrs, shape = _prepare(F, K, T, r, sigma, is_call)
    n = math.prod(shape)
    if n <= SMALL_N:
        return _scalar_path(arrs, shape, n)
    return _vector_path(arrs, shape, n)


def black76_price(F, K, T, r, sigma, is_call=True) -> np.ndarray:
    """Price only (same conventions as :func:`black76`)."""
    return black76(F, K, T, r, sigma, is_call).price
