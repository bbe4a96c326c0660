"""Speed of the pricing core, as ratios against a plain numpy reference timed in the same run.

Run from the repository root:  python benchmarks/bench_core.py  [--quick]

Method (see shared notes/performance.md): inputs F in [10, 80], K in [10, 100],
T in [1/365, 1], sigma in [0.5, 1.5], r = 0.04, float64. Every sample draws *fresh*
inputs (scipy's ndtr branches on its argument, and a repeated input trains the branch
predictor), times one call, and the figure is the median over samples; the reference and
the candidate are interleaved so that machine noise hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.special import ndtr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.black76 import black76  # noqa: E402
from tui.core.implied_vol import implied_vol  # noqa: E402

R = 0.04


def plain_black76(F, K, T, r, sigma):
    """Textbook numpy Black-76 call + 4 greeks: one temporary per operation."""
    sqrt_t = np.sqrt(T)
    vol_sqrt_t = sigma * sqrt_t
    d1 = (np.log(F / K) + 0.5 * sigma**2 * T) / vol_sqrt_t
    d2 = d1 - vol_sqrt_t
    disc = np.exp(-r * T)
    pdf = np.exp(-0.5 * d1**2) / np.sqrt(2.0 * np.pi)
    price = disc * (F * ndtr(d1) - K * ndtr(d2))
    delta = disc * ndtr(d1)
    gamma = disc * pdf / (F * vol_sqrt_t)
    vega = disc * F * pdf * sqrt_t * 0.01
    theta = (r * price - disc * F * pdf * sigma / (2.0 * sqrt_t)) / 365.0
    return price, delta, gamma, vega, theta


def draw(rng, n):
    return (
        rng.uniform(10.0, 80.0, n),
        rng.uniform(10.0, 100.0, n),
        rng.uniform(1.0 / 365.0, 1.0, n),
        rng.uniform(0.5, 1.5, n),
    )


def timed(fn, *args, inner=1):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn(*args)
    return (time.perf_counter() - t0) / inner


def compare(rng, n, samples, make_args, candidate, reference, inner=1):
    """Median seconds of candidate and reference, interleaved, fresh inputs each sample."""
    tc, tr = [], []
    for i in range(samples):
        args = make_args(rng, n)
        pair = ((candidate, tc), (reference, tr))
        for fn, acc in pair if i % 2 == 0 else pair[::-1]:
            acc.append(timed(fn, *args, inner=inner))
    return statistics.median(tc), statistics.median(tr)


def fmt_t(sec):
    if sec < 1e-3:
        return f"{sec * 1e6:8.1f} us"
    return f"{sec * 1e3:8.2f} ms"


def row(label, n, t_c, t_r, target):
    ratio = t_c / t_r
    ns = t_c / n * 1e9
    print(f"{label:34s} {n:>9,} {fmt_t(t_c)} {fmt_t(t_r)} {ratio:7.3f}x {ns:8.1f}  {target}")


def b76_args(rng, n):
    F, K, T, s = draw(rng, n)
    return F, K, T, R, s


def quoted_iv_args(rng, n):
    """Quoted calls and puts (time value >= 0.01 point) with their true vols."""
    F, K, T, s = draw(rng, 3 * n)
    is_call = rng.random(3 * n) < 0.5
    price = black76(F, K, T, R, s, is_call).price
    disc = np.exp(-R * T)
    tv = price - disc * np.maximum(np.where(is_call, F - K, K - F), 0.0)
    keep = np.flatnonzero(tv >= 0.01)[:n]
    assert keep.size == n, "not enough quoted options drawn"
    return price[keep], F[keep], K[keep], T[keep], R, is_call[keep], s[keep]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer samples")
    ap.add_argument("--seed", type=int, default=20261120)
    a = ap.parse_args(argv)
    rng = np.random.default_rng(a.seed)
    k = 1 if a.quick else 3
    try:  # the anchors in notes/performance.md were taken with AVX-512 exp/log (0.85 ns)
        from numpy._core._multiarray_umath import __cpu_features__ as cpu

        simd = "AVX-512" if cpu.get("AVX512_SKX") else ("AVX2" if cpu.get("AVX2") else "baseline")
    except ImportError:  # pragma: no cover
        simd = "?"
    print(f"numpy {np.__version__} ({simd} loops), python {sys.version.split()[0]}; "
          "medians, fresh inputs per sample")
    print(f"{'work':34s} {'N':>9s} {'ours':>11s} {'plain':>11s} {'ratio':>8s} {'ns/opt':>8s}  target")

    # Black-76, price + 4 greeks, for a plan's 3 layers (per-call overhead).
    t_c, t_r = compare(rng, 3, 15 * k, b76_args, black76, plain_black76, inner=2000)
    row("Black-76 5 outputs (plan layers)", 3, t_c, t_r, "<= 20 us")
    for n, samples, target in ((100_000, 11 * k, "<= 0.45x plain"), (1_000_000, 5 * k, "<= 0.70x plain")):
        t_c, t_r = compare(rng, n, samples, b76_args, black76, plain_black76)
        row("Black-76 5 outputs", n, t_c, t_r, target)

    # Implied vol on quoted prices, against one plain Black-76 (price + greeks) of the same N.
    n = 100_000
    tiv, tref, errs = [], [], []
    for i in range(5 * k):
        price, F, K, T, r, c, s = quoted_iv_args(rng, n)
        F2, K2, T2, _, s2 = b76_args(rng, n)
        if i % 2:
            tref.append(timed(plain_black76, F2, K2, T2, R, s2))
        t0 = time.perf_counter()
        iv = implied_vol(price, F, K, T, r, c)
        tiv.append(time.perf_counter() - t0)
        if not i % 2:
            tref.append(timed(plain_black76, F2, K2, T2, R, s2))
        errs.append(float(np.max(np.abs(iv - s))))
    t_c, t_r = statistics.median(tiv), statistics.median(tref)
    row("implied vol, quoted (vs plain B76)", n, t_c, t_r, "IV max err <= 1e-12")
    print(f"{'  IV max |error| over all samples':34s} {max(errs):.2e}  ({'ok' if max(errs) <= 1e-12 else 'ABOVE TARGET'})")

    # Scalar brentq loop (the textbook root-finder), timed on 1,000 and extrapolated.
    try:
        from scipy.optimize import brentq

        price, F, K, T, r, c, s = quoted_iv_args(rng, 1000)

        def brent_loop():
            for j in range(price.size):
                brentq(
                    lambda v, j=j: float(black76(F[j], K[j], T[j], r, v, c[j]).price) - price[j],
                    1e-4, 20.0, xtol=1e-14,
                )

        t_b = timed(brent_loop) / 1000 * n
        print(f"{'  scipy brentq loop (from 1e3)':34s} {n:>9,} {fmt_t(t_b)}   ours is {t_b / t_c:,.0f}x faster  (target >= 50x)")
    except ImportError:  # pragma: no cover
        pass

    # The full plan repricing, once the core's plan I/O and valuation are merged.
    try:
        from tui.core.plan_io import load_plan
        from tui.core.valuation import value_plan
        from tui.resources import default_plan_path

        plan = load_plan(default_plan_path())
        value_plan(plan)  # warm-up (lazy imports)
        ts = []
        for _ in range(7 * k):
            ts.append(timed(value_plan, plan, inner=5))
        print(f"{'full plan reprice (value_plan)':34s} {'':>9s} {fmt_t(statistics.median(ts))}")
    except (ImportError, FileNotFoundError):
        print(f"{'full plan reprice (value_plan)':34s} skipped (core not merged yet)")


if __name__ == "__main__":
    main()
