"""Speed of calibration: import + implied vols + fit of a 1,000-quote chain.

Run from the repository root:  python benchmarks/bench_calibrate.py  [--quick]

The chain is synthetic but shaped like the real one: 6 monthly expiries (15-170 days) on
the 2024-06-03 curve, OTM puts and calls priced by Black-76 from a calibrated smile plus
1 vol point of noise, daily-bar layout, written to a temporary CSV. Timed: reading the
file (``load_chain``), then ``calibrate`` (implied vols of every row, then the fit), i.e.
what ``alvh-tui calibrate`` does after start-up. Reference: pricing the same 1,000 options
once with ``black76_price``. Printed: the median over samples of each, and their ratio;
goal: the whole under 0.3 s on this machine. The one-off import of scipy.optimize (paid
once per process) is printed separately. Not a test: nothing is asserted.

BLAS threads: ``alvh-tui calibrate`` runs with OPENBLAS_NUM_THREADS=1 (its matrices are
small; threads only contend). Run this script both ways to see the difference:
``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_calibrate.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.black76 import black76_price  # noqa: E402
from tui.core.chain import load_chain  # noqa: E402
from tui.core.curve import Future, MarketSnapshot  # noqa: E402
from tui.core.volmodel import SmileNode, VolModel  # noqa: E402

AS_OF = date(2024, 6, 3)
CURVE = (
    (date(2024, 6, 18), 13.6535),
    (date(2024, 7, 17), 14.5124),
    (date(2024, 8, 21), 15.1131),
    (date(2024, 9, 18), 15.65),
    (date(2024, 10, 16), 17.899),
    (date(2024, 11, 20), 16.9),
)
TRUE = VolModel(
    0.73, 0.24, 365.0, 2.0,
    smile=tuple(SmileNode(float((e - AS_OF).days), s, c) for (e, _), s, c in zip(CURVE, (2.4, 1.6, 1.3, 1.1, 0.8, 0.87), (0.31, 0.27, 0.26, 0.2, 0.09, 0.12))),
)
R = 0.054


def build(n_quotes: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    per = n_quotes // len(CURVE)
    rows, arrays = [], []
    for expiry, F in CURVE:
        days = (expiry - AS_OF).days
        K = np.round(np.geomspace(0.75 * F, 6.0 * F, per), 2)
        call = K >= F
        sigma = TRUE.vol(K, F, days) + rng.normal(0.0, 0.01, per)
        price = np.maximum(black76_price(F, K, days / 365.0, R, sigma, call), 0.01)
        arrays.append((np.full(per, F), K, np.full(per, days / 365.0), sigma, call))
        for k, c, p in zip(K, call, price):
            rows.append(f"{AS_OF},{'call' if c else 'put'},{k},{expiry},{p:.4f},{int(rng.integers(1, 500))},{F}")
    text = "as_of_date,contract_type,strike_price,expiration_date,close,volume,vx_future_settle_same_expiry\n" + "\n".join(rows) + "\n"
    F, K, T, S, C = (np.concatenate(a) for a in zip(*arrays))
    return text, (F, K, T, S, C)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--quotes", type=int, default=1000)
    args = parser.parse_args()
    samples = 3 if args.quick else 9
    market = MarketSnapshot(AS_OF, 13.11, R, tuple(Future(e, s) for e, s in CURVE))
    t0 = time.perf_counter()
    import scipy.optimize  # noqa: F401  (what the first calibrate of a process pays once)

    from tui.core.calibrate import calibrate

    import_s = time.perf_counter() - t0
    text, (F, K, T, S, C) = build(args.quotes)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chain.csv"
        path.write_text(text)
        calibrate(load_chain(path), market)  # warm-up
        fits, prices = [], []
        for _ in range(samples):
            t = time.perf_counter()
            black76_price(F, K, T, R, S, C)
            prices.append(time.perf_counter() - t)
            t = time.perf_counter()
            cal = calibrate(load_chain(path), market)
            fits.append(time.perf_counter() - t)
    fit_s, price_s = statistics.median(fits), statistics.median(prices)
    print(f"chain: {len(K)} quotes, {len(CURVE)} expiries; fit used {cal.points}, RMSE {cal.rmse_vol_pts:.2f} vol pts (1 pt of noise)")
    print(f"import + implied vols + fit : {fit_s * 1e3:8.1f} ms   (goal < 300 ms)  {'ok' if fit_s < 0.3 else 'OVER'}")
    print(f"price the chain once        : {price_s * 1e3:8.3f} ms")
    print(f"ratio fit / price           : {fit_s / price_s:8.0f}x")
    import os

    print(f"BLAS threads: OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(default)')}")
    print(f"one-off import of scipy.optimize + tui.core.calibrate: {import_s * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
