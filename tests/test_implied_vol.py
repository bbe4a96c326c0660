"""Implied volatility: round trips against the true vol, and the documented no-solution cases.

Prices are made from known vols (with black76, itself tested against independent numbers in
test_black76.py); the solver must give the known vol back. "Information floor": a price
rounded to float64 pins sigma only to about eps * price / (dprice/dsigma); below a floor of
1e-12 the solver must reach 1e-10, and on quoted prices (time value >= 0.01 point) 1e-12.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.black76 import black76, black76_price
from tui.core.implied_vol import (
    ABOVE_UPPER_BOUND,
    BAD_INPUT,
    BELOW_INTRINSIC,
    NO_TIME_VALUE,
    OK,
    implied_vol,
    implied_vol_status,
)

EPS = np.finfo(float).eps


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def wide_grid(n, seed):
    """The grid of the brief: F 5..150, K 5..300, T 1/365..2, sigma 0.05..5 (log-uniform)."""
    rng = np.random.default_rng(seed)
    F = np.exp(rng.uniform(np.log(5.0), np.log(150.0), n))
    K = np.exp(rng.uniform(np.log(5.0), np.log(300.0), n))
    T = np.exp(rng.uniform(np.log(1 / 365), np.log(2.0), n))
    s = np.exp(rng.uniform(np.log(0.05), np.log(5.0), n))
    c = rng.random(n) < 0.5
    r = rng.uniform(0.0, 0.08, n)
    return F, K, T, r, s, c


def priced(F, K, T, r, s, c):
    g = black76(F, K, T, r, s, c)
    df = np.exp(-r * T)
    tv = g.price - df * np.maximum(np.where(c, F - K, K - F), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        floor = EPS * g.price / (100.0 * g.vega)  # vol uncertainty carried by the price
    return g.price, tv, floor


def test_py_vollib_round_trip():
    iv = implied_vol(5.5811067246, 100.0, 100.0, 0.5, 0.02, True)
    assert isinstance(iv, np.ndarray) and iv.shape == ()
    assert float(iv) == pytest.approx(0.2, abs=1e-10)
    # undiscounted price with r = 0
    assert float(implied_vol(5.6371977797, 100.0, 100.0, 0.5, 0.0)) == pytest.approx(0.2, abs=1e-10)


def test_textbook_round_trips():
    # Haug 2-8 (call = put), Hull's put, the py_vollib greeks case
    assert float(implied_vol(1.701051, 19.0, 19.0, 0.75, 0.10, True)) == pytest.approx(0.28, abs=1e-6)
    assert float(implied_vol(1.701051, 19.0, 19.0, 0.75, 0.10, False)) == pytest.approx(0.28, abs=1e-6)
    assert float(implied_vol(1.116641, 20.0, 20.0, 4 / 12, 0.09, False)) == pytest.approx(0.25, abs=1e-6)


def test_wide_grid_round_trip():
    F, K, T, r, s, c = wide_grid(120_000, seed=42)
    price, tv, floor = priced(F, K, T, r, s, c)
    iv, status = implied_vol_status(price, F, K, T, r, c)
    err = np.abs(iv - s)
    informative = (tv > 1e-280) & (floor < 1e-12)
    assert informative.mean() > 0.5  # the grid is not vacuous
    assert np.all(status[informative] == OK)
    assert np.all(err[informative] <= 1e-10), np.nanmax(err[informative])
    # quoted prices: 1e-12, except where the price itself does not pin sigma that well
    quoted = tv >= 0.01
    assert np.all(err[quoted] <= np.maximum(1e-12, 4.0 * floor[quoted])), np.nanmax(err[quoted])
    # wherever a vol was found it reproduces the price
    ok = status == OK
    again = black76_price(F[ok], K[ok], T[ok], r[ok], iv[ok], c[ok])
    np.testing.assert_allclose(again, price[ok], rtol=1e-11, atol=1e-13 * np.maximum(F, K).max())


def test_quoted_prices_on_the_benchmark_domain_to_1e_12():
    rng = np.random.default_rng(7)
    n = 60_000
    F = rng.uniform(10, 80, n)
    K = rng.uniform(10, 100, n)
    T = rng.uniform(1 / 365, 1, n)
    s = rng.uniform(0.5, 1.5, n)
    c = rng.random(n) < 0.5
    price, tv, _ = priced(F, K, T, 0.04, s, c)
    q = tv >= 0.01
    iv = implied_vol(price[q], F[q], K[q], T[q], 0.04, c[q])
    assert np.max(np.abs(iv - s[q])) <= 1e-12


def test_extreme_time_values_to_the_information_floor():
    # Time value >= 1e-8: deep ITM options lose digits in price - intrinsic, for any method;
    # the floor counts one rounding of the price, the parity step adds a few more.
    F, K, T, r, s, c = wide_grid(60_000, seed=9)
    price, tv, floor = priced(F, K, T, r, s, c)
    m = tv >= 1e-8
    iv = implied_vol(price[m], F[m], K[m], T[m], r[m], c[m])
    err = np.abs(iv - s[m])
    assert np.all(err <= np.maximum(1e-10, 16.0 * floor[m])), np.nanmax(err / floor[m])


def test_itm_and_otm_give_the_same_vol():
    F, K, T, r = 30.0, np.array([20.0, 25.0, 30.0, 35.0, 45.0]), 0.2, 0.04
    s = 0.9
    call = black76_price(F, K, T, r, s, True)
    put = black76_price(F, K, T, r, s, False)
    np.testing.assert_allclose(implied_vol(call, F, K, T, r, True), s, atol=1e-12)
    np.testing.assert_allclose(implied_vol(put, F, K, T, r, False), s, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(
    F=st.floats(5, 150),
    k=st.floats(-1.5, 1.5),
    T=st.floats(1 / 365, 2),
    s=st.floats(0.05, 5),
    call=st.booleans(),
)
def test_round_trip_property(F, k, T, s, call):
    K = F * math.exp(k)
    price, tv, floor = priced(np.array([F]), np.array([K]), np.array([T]), np.array([0.03]), np.array([s]), np.array([call]))
    if tv[0] <= 1e-280 or floor[0] >= 1e-12:
        return  # the price does not carry the vol
    iv = implied_vol(price, F, K, T, 0.03, call)
    assert abs(iv[0] - s) <= 1e-10


# ------------------------------------------------------------------ no solution


def test_no_solution_cases_calls_and_puts():
    F, K, T, r = 30.0, 25.0, 0.5, 0.04
    df = math.exp(-r * T)
    cases = [
        # (price, is_call, expected sigma, status)
        (df * 5.0, True, 0.0, NO_TIME_VALUE),  # exactly intrinsic
        (df * 5.0 - 1e-6, True, np.nan, BELOW_INTRINSIC),
        (-0.1, True, np.nan, BELOW_INTRINSIC),
        (df * F, True, np.nan, ABOVE_UPPER_BOUND),  # at the upper bound
        (df * F + 1.0, True, np.nan, ABOVE_UPPER_BOUND),
        (0.0, False, 0.0, NO_TIME_VALUE),  # OTM put worth nothing
        (-1e-9, False, np.nan, BELOW_INTRINSIC),
        (df * K, False, np.nan, ABOVE_UPPER_BOUND),
        (df * K * 1.01, False, np.nan, ABOVE_UPPER_BOUND),
    ]
    p = np.array([c[0] for c in cases])
    call = np.array([c[1] for c in cases])
    iv, status = implied_vol_status(p, F, K, T, r, call)
    np.testing.assert_array_equal(iv, np.array([c[2] for c in cases]))
    np.testing.assert_array_equal(status, np.array([c[3] for c in cases]))
    np.testing.assert_array_equal(implied_vol(p, F, K, T, r, call), iv)


def test_bad_inputs_give_nan():
    p = np.full(6, 1.0)
    F = np.array([30.0, 30.0, 0.0, -1.0, 30.0, np.nan])
    K = np.array([30.0, 30.0, 30.0, 30.0, 0.0, 30.0])
    T = np.array([0.0, -0.1, 0.5, 0.5, 0.5, 0.5])
    iv, status = implied_vol_status(p, F, K, T, 0.04)
    assert np.all(np.isnan(iv))
    assert np.all(status == BAD_INPUT)
    assert np.isnan(implied_vol(np.nan, 30.0, 30.0, 0.5, 0.04))


def test_just_inside_the_bounds_is_solved():
    F, K, T, r = 30.0, 30.0, 0.5, 0.04
    for s in (1e-3, 5.0, 15.0):
        p = black76_price(F, K, T, r, s)
        assert float(implied_vol(p, F, K, T, r)) == pytest.approx(s, rel=1e-9)


def test_broadcasting_and_shape():
    K = np.array([[20.0], [30.0], [40.0]])
    s = np.array([0.6, 0.9, 1.2, 1.5])
    p = black76_price(30.0, K, 0.25, 0.04, s)
    iv = implied_vol(p, 30.0, K, 0.25, 0.04)
    assert iv.shape == (3, 4)
    np.testing.assert_allclose(iv, np.broadcast_to(s, (3, 4)), atol=1e-12)
