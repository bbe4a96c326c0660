"""Black-76 prices and greeks against independent numbers.

Reference values are from shared/notes/domain.md section 3 (Haug, Hull, py_vollib doctests);
the random-grid checks compare against a scalar implementation written here with math.erf,
against put-call parity and against finite differences of the price -- never against the
function under test itself. Every case runs through both code paths of black76: the
scalar path (N <= SMALL_N) and the blocked vector path (N > SMALL_N, across a block edge).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from tui.core import black76 as b76mod
from tui.core.black76 import BLOCK, SMALL_N, Greeks, black76, black76_price

# ------------------------------------------------------------------ independent reference


def ref_ncdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def ref_black76(F, K, T, r, sigma, call=True):
    """Textbook Black-76, scalar floats, math.erf only (live options)."""
    F, K, T, r, sigma = float(F), float(K), float(T), float(r), float(sigma)
    sq = math.sqrt(T)
    d1 = (math.log(F / K) + 0.5 * sigma * sigma * T) / (sigma * sq)
    d2 = d1 - sigma * sq
    df = math.exp(-r * T)
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi)
    if call:
        price = df * (F * ref_ncdf(d1) - K * ref_ncdf(d2))
        delta = df * ref_ncdf(d1)
    else:
        price = df * (K * ref_ncdf(-d2) - F * ref_ncdf(-d1))
        delta = -df * ref_ncdf(-d1)
    gamma = df * pdf / (F * sigma * sq)
    vega = df * F * pdf * sq / 100.0
    theta = (r * price - df * F * pdf * sigma / (2.0 * sq)) / 365.0
    return price, delta, gamma, vega, theta


def both_paths(F, K, T, r, sigma, call=True):
    """Price one option through the scalar path (N=1) and the vector path (tiled)."""
    one = black76(F, K, T, r, sigma, call)
    n = BLOCK + 5  # the last option sits in a second, partial block
    many = black76(np.full(n, F), K, T, r, sigma, call)
    out = []
    for a, b in zip(one, many, strict=True):
        assert a.shape == ()
        assert b.shape == (n,)
        np.testing.assert_allclose(b, a, rtol=1e-14, atol=0)
        out.append(float(a))
    return out


def random_grid(n, seed, wide=False):
    rng = np.random.default_rng(seed)
    if wide:
        F = np.exp(rng.uniform(np.log(5.0), np.log(150.0), n))
        K = np.exp(rng.uniform(np.log(5.0), np.log(300.0), n))
        T = np.exp(rng.uniform(np.log(1 / 365), np.log(2.0), n))
        s = np.exp(rng.uniform(np.log(0.05), np.log(5.0), n))
    else:
        F = rng.uniform(10, 80, n)
        K = rng.uniform(10, 100, n)
        T = rng.uniform(1 / 365, 1.0, n)
        s = rng.uniform(0.5, 1.5, n)
    r = rng.uniform(-0.01, 0.10, n)
    c = rng.random(n) < 0.5
    return F, K, T, r, s, c


@pytest.fixture(autouse=True)
def _no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", invalid="raise", over="raise", under="ignore"):
            yield


# ------------------------------------------------------------------ textbook values


def test_haug_2_8_call_equals_put():
    c = both_paths(19.0, 19.0, 0.75, 0.10, 0.28, True)
    p = both_paths(19.0, 19.0, 0.75, 0.10, 0.28, False)
    assert c[0] == pytest.approx(1.701051, abs=1e-6)
    assert p[0] == pytest.approx(1.701051, abs=1e-6)
    assert c[0] == pytest.approx(1.7011, abs=1e-4)  # Haug's printed figure
    # computed greeks from domain.md
    assert c[1] == pytest.approx(0.508636, abs=1e-6)
    assert p[1] == pytest.approx(-0.419107, abs=1e-6)
    assert c[2] == pytest.approx(0.079745, abs=1e-6)
    assert c[3] == pytest.approx(0.060455, abs=1e-6)
    assert c[4] == pytest.approx(-0.002626, abs=1e-6)
    assert p[4] == pytest.approx(-0.002626, abs=1e-6)


def test_hull_crude_oil_put():
    p = both_paths(20.0, 20.0, 4 / 12, 0.09, 0.25, False)
    assert p[0] == pytest.approx(1.116641, abs=1e-6)
    assert p[0] == pytest.approx(1.12, abs=5e-3)


def test_py_vollib_price():
    c = both_paths(100.0, 100.0, 0.5, 0.02, 0.20, True)
    assert c[0] == pytest.approx(5.5811067246, abs=1e-10)
    undiscounted = both_paths(100.0, 100.0, 0.5, 0.0, 0.20, True)
    assert undiscounted[0] == pytest.approx(5.6371977797, abs=1e-10)


def test_py_vollib_greeks():
    c = both_paths(49.0, 50.0, 0.3846, 0.05, 0.20, True)
    p = both_paths(49.0, 50.0, 0.3846, 0.05, 0.20, False)
    assert c[1] == pytest.approx(0.45107017, abs=1e-8)
    assert c[2] == pytest.approx(0.0640646706, abs=1e-10)
    assert p[2] == pytest.approx(0.0640646706, abs=1e-10)
    assert c[3] == pytest.approx(0.118317785624, abs=1e-12)
    assert p[3] == pytest.approx(0.118317785624, abs=1e-12)
    assert c[4] == pytest.approx(-0.00816236877, abs=1e-11)
    assert p[4] == pytest.approx(-0.00802799155, abs=1e-11)


def test_vix_like_case():
    c = both_paths(20.0, 20.0, 30 / 365, 0.04, 1.00, True)
    expected = [2.272172, 0.555163, 0.068640, 0.022567, -0.037362]
    for got, want in zip(c, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-6)


# ------------------------------------------------------------------ random grids


@pytest.mark.parametrize("wide", [False, True])
def test_against_math_erf_reference(wide):
    F, K, T, r, s, c = random_grid(12_000, seed=11 + wide, wide=wide)
    vec = black76(F, K, T, r, s, c)  # vector path, two blocks
    small = [black76(F[i : i + 3], K[i : i + 3], T[i : i + 3], r[i : i + 3], s[i : i + 3], c[i : i + 3])
             for i in range(0, 600, 3)]  # scalar path
    ref = np.array([ref_black76(*args) for args in zip(F, K, T, r, s, c, strict=True)]).T
    scale = np.maximum(F, K)
    for j, name in enumerate(Greeks._fields):
        got, want = vec[j], ref[j]
        # 1e-9 relative; the absolute floor covers the cancellation in F N(d1) - K N(d2)
        # (and its theta), present in both implementations alike, for worthless options.
        floor = 1e-13 * scale if name in ("price", "theta") else 1e-300
        err = np.abs(got - want)
        assert np.all(err <= 1e-9 * np.abs(want) + floor), (name, np.max(err / np.abs(want)))
        got_small = np.concatenate([g[j] for g in small])
        np.testing.assert_allclose(got_small, got[:600], rtol=1e-13, atol=1e-15 * 100)


def test_put_call_parity_random_grid():
    F, K, T, r, s, _ = random_grid(20_000, seed=3, wide=True)
    c = black76(F, K, T, r, s, True)
    p = black76(F, K, T, r, s, False)
    df = np.exp(-r * T)
    np.testing.assert_allclose(c.price - p.price, df * (F - K), rtol=0, atol=1e-12 * (F + K).max())
    np.testing.assert_allclose(c.delta - p.delta, df, rtol=0, atol=1e-14)
    np.testing.assert_allclose(c.gamma, p.gamma, rtol=1e-13)
    np.testing.assert_allclose(c.vega, p.vega, rtol=1e-13)
    # theta parity: -d/dT [e^{-rT}(F-K)] / 365 = r e^{-rT} (F-K) / 365
    np.testing.assert_allclose(c.theta - p.theta, r * df * (F - K) / 365.0, rtol=0, atol=1e-12 * (F + K).max())


@pytest.mark.parametrize("call", [True, False])
@pytest.mark.parametrize("n", [7, 5000])  # scalar path and vector path
def test_greeks_against_finite_differences(call, n):
    rng = np.random.default_rng(7 + n)
    F = rng.uniform(10, 80, n)
    K = F * np.exp(rng.uniform(-0.5, 0.5, n))
    T = rng.uniform(10 / 365, 1.0, n)
    s = rng.uniform(0.3, 1.5, n)
    r = 0.04
    g = black76(F, K, T, r, s, call)

    def P(**kw):
        a = dict(F=F, K=K, T=T, r=r, sigma=s, is_call=call)
        a.update(kw)
        return black76_price(**a)

    hF = 1e-5 * F
    fd_delta = (P(F=F + hF) - P(F=F - hF)) / (2 * hF)
    hs = 1e-5
    fd_vega = (P(sigma=s + hs) - P(sigma=s - hs)) / (2 * hs) * 0.01
    hT = 1e-6
    fd_theta = -(P(T=T + hT) - P(T=T - hT)) / (2 * hT) / 365.0
    dplus = black76(F + hF, K, T, r, s, call).delta
    dminus = black76(F - hF, K, T, r, s, call).delta
    fd_gamma = (dplus - dminus) / (2 * hF)
    # second difference of the price too
    fd_gamma2 = (P(F=F + 30 * hF) - 2 * g.price + P(F=F - 30 * hF)) / (30 * hF) ** 2

    def close(a, b, rtol, atol):
        assert np.all(np.abs(a - b) <= rtol * np.abs(b) + atol), np.max(np.abs(a - b))

    close(g.delta, fd_delta, 1e-7, 1e-9)
    close(g.gamma, fd_gamma, 1e-6, 1e-9)
    close(g.gamma, fd_gamma2, 2e-4, 1e-7)
    close(g.vega, fd_vega, 1e-7, 1e-10)
    close(g.theta, fd_theta, 1e-6, 1e-9)


def test_theta_is_analytic_not_one_day_difference():
    # Near expiry the one-day difference differs a lot; DESIGN asks for -dP/dT / 365.
    F, K, T, r, s = 20.0, 20.0, 2 / 365, 0.04, 1.0
    th = float(black76(F, K, T, r, s).theta)
    exact = ref_black76(F, K, T, r, s)[4]
    assert th == pytest.approx(exact, rel=1e-12)
    one_day = float(black76_price(F, K, T - 1 / 365, r, s) - black76_price(F, K, T, r, s))
    assert abs(one_day - th) > 0.1 * abs(th)
    assert th < 0


# ------------------------------------------------------------------ edges


def test_expired_is_undiscounted_intrinsic():
    F = np.array([25.0, 20.0, 15.0] * 7)  # 21 options: vector path
    K = 20.0
    for T in (0.0, -0.5):
        for n in (3, 21):
            g = black76(F[:n], K, T, 0.05, 0.8, True)
            np.testing.assert_array_equal(g.price, np.tile([5.0, 0.0, 0.0], n // 3))
            np.testing.assert_array_equal(g.delta, np.tile([1.0, 0.5, 0.0], n // 3))
            for z in (g.gamma, g.vega, g.theta):
                np.testing.assert_array_equal(z, 0.0)
            p = black76(F[:n], K, T, 0.05, 0.8, False)
            np.testing.assert_array_equal(p.price, np.tile([0.0, 0.0, 5.0], n // 3))
            np.testing.assert_array_equal(p.delta, np.tile([0.0, -0.5, -1.0], n // 3))


def test_zero_vol_is_discounted_intrinsic():
    F = np.array([25.0, 20.0, 15.0] * 7)
    T, r = 0.5, 0.05
    df = math.exp(-r * T)
    for sigma in (0.0, -0.3):
        for n in (3, 21):
            g = black76(F[:n], 20.0, T, r, sigma, True)
            np.testing.assert_allclose(g.price, df * np.tile([5.0, 0.0, 0.0], n // 3), rtol=1e-15)
            np.testing.assert_allclose(g.delta, df * np.tile([1.0, 0.5, 0.0], n // 3), rtol=1e-15)
            np.testing.assert_array_equal(g.gamma, 0.0)
            np.testing.assert_array_equal(g.vega, 0.0)
            np.testing.assert_allclose(g.theta, r * g.price / 365.0, rtol=1e-15)


def test_nonpositive_F_or_K_without_nan():
    F = np.array([0.0, -5.0, 20.0, 20.0, 0.0] * 4)
    K = np.array([20.0, 20.0, 0.0, -5.0, 0.0] * 4)
    df = math.exp(-0.04 * 0.5)
    for n in (5, 20):
        c = black76(F[:n], K[:n], 0.5, 0.04, 0.8, True)
        p = black76(F[:n], K[:n], 0.5, 0.04, 0.8, False)
        for g in (c, p):
            for a in g:
                assert np.all(np.isfinite(a))
        np.testing.assert_allclose(c.price, df * np.maximum(F[:n] - K[:n], 0.0), rtol=1e-15)
        np.testing.assert_allclose(p.price, df * np.maximum(K[:n] - F[:n], 0.0), rtol=1e-15)
        # a strike of zero: the call is a discounted forward
        assert c.price[2] == pytest.approx(df * 20.0)
        assert c.delta[2] == pytest.approx(df)


@pytest.mark.parametrize("n_tile", [1, 40])
def test_extremes_are_finite_and_bounded(n_tile):
    vals = [1e-8, 1e-3, 1.0, 20.0, 1e4, 1e8]
    Ts = [1e-14, 1e-6, 1 / 365, 1.0, 30.0]
    sig = [1e-12, 1e-6, 0.05, 1.0, 5.0, 50.0]
    F, K, T, s = (a.ravel() for a in np.meshgrid(vals, vals, Ts, sig, indexing="ij"))
    F, K, T, s = (np.tile(a, n_tile) for a in (F, K, T, s))
    r = 0.05
    df = np.exp(-r * T)
    chunks = [slice(i, i + 5) for i in range(0, F.size, 5)] if n_tile == 1 else [slice(None)]
    for call in (True, False):
        for sl in chunks:
            g = black76(F[sl], K[sl], T[sl], r, s[sl], call)
            for a in g:
                assert np.all(np.isfinite(a))
            lo = df[sl] * np.maximum((F[sl] - K[sl]) if call else (K[sl] - F[sl]), 0.0)
            hi = df[sl] * (F[sl] if call else K[sl])
            scale = np.maximum(F[sl], K[sl])
            assert np.all(g.price >= lo - 1e-12 * scale)
            assert np.all(g.price <= hi * (1 + 1e-12))
            assert np.all(g.gamma >= 0) and np.all(g.vega >= 0)
            assert np.all(np.abs(g.delta) <= df[sl] * (1 + 1e-12))


def test_limits_t_to_zero_and_sigma_to_zero():
    F = np.array([30.0, 20.0, 10.0])
    K = 20.0
    for T in (1e-12, 1e-9):
        g = black76(F, K, T, 0.04, 1.0, True)
        v = math.sqrt(T)
        # ITM/OTM go to intrinsic; ATM to F v / sqrt(2 pi) (first order in v)
        np.testing.assert_allclose(g.price, [10.0, 20.0 * v / math.sqrt(2 * math.pi), 0.0], rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(g.delta, [1.0, 0.5, 0.0], atol=1e-5)
    g = black76(F, K, 0.5, 0.04, 1e-12, True)
    df = math.exp(-0.02)
    np.testing.assert_allclose(g.price, [10.0 * df, 0.0, 0.0], atol=1e-10)
    np.testing.assert_allclose(g.delta, [df, 0.5 * df, 0.0], atol=1e-10)
    # deep ITM/OTM saturate
    g = black76(np.array([1e8, 1e-8]), 20.0, 1.0, 0.0, 0.5, True)
    assert g.delta[0] == 1.0 and g.delta[1] == 0.0
    assert g.price[0] == pytest.approx(1e8 - 20.0, rel=1e-15)
    assert g.price[1] == 0.0


def test_nan_in_nan_out_without_warning():
    F = np.array([20.0, np.nan, 20.0, 20.0] * 5)
    s = np.array([0.5, 0.5, np.nan, 0.5] * 5)
    T = np.array([0.5, 0.5, 0.5, np.nan] * 5)
    for n in (4, 20):
        g = black76(F[:n], 21.0, T[:n], 0.04, s[:n])
        for a in g:
            assert np.isfinite(a[0])
            assert np.all(np.isnan(a[1:4]))


# ------------------------------------------------------------------ API and shapes


def test_api_shapes_and_types():
    g = black76(20.0, 21.0, 0.5, 0.04, 0.8)
    assert isinstance(g, Greeks) and g._fields == ("price", "delta", "gamma", "vega", "theta")
    for a in g:
        assert isinstance(a, np.ndarray) and a.shape == ()
    F = np.linspace(10, 40, 4)[:, None]
    K = np.array([15.0, 20.0, 25.0])
    for shape_t in [(), (3,)]:
        T = np.full(shape_t, 0.25)
        g = black76(F, K, T, 0.04, 0.9, np.array([True, False, True]))
        for a in g:
            assert a.shape == (4, 3)
        for i in range(4):
            for j in range(3):
                ref = ref_black76(float(F[i, 0]), K[j], 0.25, 0.04, 0.9, j != 1)
                for k in range(5):
                    assert g[k][i, j] == pytest.approx(ref[k], rel=1e-12, abs=1e-15)
    big = black76(np.linspace(10, 40, 40).reshape(5, 8), 20.0, 0.5, 0.04, 0.9)
    assert big.price.shape == (5, 8)
    np.testing.assert_array_equal(black76_price(F, K, 0.25, 0.04, 0.9), black76(F, K, 0.25, 0.04, 0.9).price)
    assert SMALL_N < 40  # the vector path was exercised above


def test_no_textual_import():
    import sys

    assert "textual" not in sys.modules or not any(
        "textual" in getattr(m, "__name__", "") for m in [b76mod]
    )
    from pathlib import Path

    src = Path(b76mod.__file__).read_text()
    assert "textual" not in src


def test_small_and_large_normal_cdf_paths_agree():
    # The app's small arrays take libm's erf/erfc (no scipy import at start-up);
    # large ones take scipy's ndtr. Both must be the same function.
    from scipy.special import ndtr as scipy_ndtr

    from tui.core import black76 as b

    x = np.concatenate([np.linspace(-40, 40, 4001), [-1e-300, 0.0, 1e-300, 0.7071, -0.7072]])
    small = b._ndtr_for(10)(x, np.empty_like(x))
    assert np.all(np.abs(small - scipy_ndtr(x)) <= 1e-13 * scipy_ndtr(x) + 1e-300)  # scipy flushes subnormals to 0
    assert b._ndtr_for(b.SCIPY_NDTR_MIN) is scipy_ndtr
