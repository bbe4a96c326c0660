"""Black-76 prices and greeks for European options on a future, vectorised.

Units follow DESIGN.md: price in index points per option; delta per 1 point of the
future; gamma per point squared; vega per 1 volatility point (sigma + 0.01); theta per
calendar day, the analytic -dP/dT / 365 (negative for a long option).

Every input broadcasts (numpy arrays of any shape). Edges are finite and warning-free:
T <= 0 gives intrinsic value (no discounting), sigma <= 0 gives the discounted intrinsic
value of the forward, and deep in/out-of-the-money strikes saturate cleanly.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

_INV_SQRT_2PI = 0.3989422804014327
_DAYS_PER_YEAR = 365.0


class Greeks(NamedTuple):
    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray


def black76(F, K, T, r, sigma, is_call=True) -> Greeks:
    """Price and the four greeks of Black-76 options, broadcast over all inputs."""
    F, K, T, r, sigma, is_call = np.broadcast_arrays(
        np.asarray(F, dtype=float),
        np.asarray(K, dtype=float),
        np.asarray(T, dtype=float),
        np.asarray(r, dtype=float),
        np.asarray(sigma, dtype=float),
        np.asarray(is_call, dtype=bool),
    )
    sign = np.where(is_call, 1.0, -1.0)
    live = (T > 0.0) & (sigma > 0.0)
    # Safe stand-ins where the formula does not apply, so no warning is raised;
    # those entries are overwritten below.
    Ts = np.where(live, T, 1.0)
    ss = np.where(live, sigma, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        Fs = np.where(F > 0.0, F, 1.0)
        Ks = np.where(K > 0.0, K, 1.0)
        sqrt_t = np.sqrt(Ts)
        vol_sqrt_t = ss * sqrt_t
        d1 = (np.log(Fs / Ks) + 0.5 * vol_sqrt_t * vol_sqrt_t) / vol_sqrt_t
    d2 = d1 - vol_sqrt_t
    disc = np.exp(-r * np.maximum(T, 0.0))
    nd1 = ndtr(sign * d1)
    nd2 = ndtr(sign * d2)
    pdf_d1 = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)

    price = sign * disc * (F * nd1 - K * nd2)
    delta = sign * disc * nd1
    gamma = disc * pdf_d1 / (F_safe := np.where(F > 0.0, F, 1.0)) / vol_sqrt_t
    vega = disc * F_safe * pdf_d1 * sqrt_t * 0.01
    theta = (r * price - disc * F_safe * pdf_d1 * ss / (2.0 * sqrt_t)) / _DAYS_PER_YEAR

    # Dead options: at or after expiry, intrinsic; with zero vol, discounted intrinsic.
    intrinsic = np.maximum(sign * (F - K), 0.0)
    in_money = sign * (F - K) > 0.0
    expired = T <= 0.0
    dead_disc = np.where(expired, 1.0, disc)
    dead_price = dead_disc * intrinsic
    dead_delta = np.where(in_money, sign * dead_disc, 0.0)
    # With sigma = 0 and T > 0 the value still earns carry: -dP/dT = r * P.
    dead_theta = np.where(expired, 0.0, r * dead_price / _DAYS_PER_YEAR)
    zero = np.zeros_like(price)
    return Greeks(
        price=np.where(live, price, dead_price),
        delta=np.where(live, delta, dead_delta),
        gamma=np.where(live, gamma, zero),
        vega=np.where(live, vega, zero),
        theta=np.where(live, theta, dead_theta),
    )


def black76_price(F, K, T, r, sigma, is_call=True) -> np.ndarray:
    """Price only (same conventions as :func:`black76`)."""
    return black76(F, K, T, r, sigma, is_call).price
