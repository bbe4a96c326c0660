"""Speed of the backtest engine against a straightforward per-day Python loop, same run.

Run from the repository root:  python benchmarks/bench_backtest.py [--from DATE] [--to DATE] [--repeat N]

The candidate is ``tui.core.backtest.run_backtest`` on the bundled default plan over the
bundled 2006-2025 history (its layers, the VXTH benchmark and the exposure). The reference,
``per_day_loop``, walks the same days one by one: it builds each day's market snapshot,
opens, marks and closes each layer with the same rules (scalar Black-76 per layer per day)
and adds up the exposure's daily P&L on its constant notional -- the way one would first write it. Both give the same hedge
P&L (printed), so the ratio compares equal work; the reference does not even run VXTH.
Figures are the best of ``--repeat`` timings, each side timed alternately.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.core.backtest import run_backtest  # noqa: E402
from tui.core.black76 import black76_price  # noqa: E402
from tui.core.calendar import monthly_expiries  # noqa: E402
from tui.core.curve import Future, MarketSnapshot  # noqa: E402
from tui.core.history import load_history  # noqa: E402
from tui.core.plan import CONTRACT_MULTIPLIER, BacktestSettings, parse_month, resolve_strike  # noqa: E402
from tui.core.plan_io import load_plan  # noqa: E402
from tui.resources import default_plan_path  # noqa: E402


def per_day_loop(plan, history, settings: BacktestSettings):
    """The plan's hedge P&L, day by day (budget or contracts sizing; entry 'always' or
    'backwardation'; rolls, eased rolls, take profit, expiry)."""
    part = history.between(settings.start, settings.end)
    days = [d.date() for d in part.daily.index]
    vix = part.daily["vix"].to_numpy(float)
    vvix = part.daily["vvix"].to_numpy(float)
    expiries = [np.datetime64(e, "D").astype(date) for e in part.expiries]
    vol = plan.market.vol
    ratio = float(vol.vvix_ratio or 1.0)
    snapshots = []
    for i, day in enumerate(days):
        futures = tuple(Future(e, float(s)) for e, s in zip(expiries, part.settles[i], strict=True)
                        if math.isfinite(s) and e > day)
        spot = vix[i] if math.isfinite(vix[i]) else futures[0].settle
        snapshots.append(MarketSnapshot(day, float(spot), plan.market.rate, futures, vol))
    finals = {}
    for j, e in enumerate(expiries):
        i = int(np.searchsorted(part.dates, np.datetime64(e, "D")))
        if i < len(days) and days[i] == e and math.isfinite(part.settles[i, j]):
            finals[e] = float(part.settles[i, j])

    def model_price(i, expiry, strike):
        day = days[i]
        if expiry == day:
            return max(finals.get(expiry, snapshots[i].vix_spot) - strike, 0.0)
        f = snapshots[i].forward_at(expiry)
        dte = (expiry - day).days
        scale = vvix[i] / 100.0 * ratio / float(vol.atm(30.0)) if math.isfinite(vvix[i]) else 1.0
        sigma = float(vol.vol(strike, f, dte)) * scale
        return float(black76_price(f, strike, dte / 365.0, plan.market.rate, sigma))

    def backwardation(i):
        m1, m2 = monthly_expiries(days[i], 2)
        return snapshots[i].forward_at(m1) > snapshots[i].forward_at(m2)

    n = len(days)
    value = np.zeros(n)
    cash = np.zeros(n)
    state = [None] * len(plan.layers)  # (expiry, strike, contracts, cost) per layer
    month = [parse_month(layer.expiry) for layer in plan.layers]
    # (as the engine: the curve's shape only when the entry or a roll rule reads it)
    needs_back = settings.entry == "backwardation" or any(layer.roll_when == "backwardation_eases" for layer in plan.layers)
    back = [backwardation(i) for i in range(n)] if needs_back else [True] * n
    spent = 0.0
    for i in range(n):
        day = days[i]
        for j, layer in enumerate(plan.layers):
            pos = state[j]
            if pos is not None:
                expiry, strike, contracts, cost = pos
                price = model_price(i, expiry, strike)
                close = False
                if settings.take_profit is not None and price * CONTRACT_MULTIPLIER * contracts >= settings.take_profit * cost:
                    close = True
                elif layer.roll_when == "backwardation_eases" and i > 0 and back[i - 1] and not back[i] \
                        and layer.roll_at_dte is not None:
                    close = True
                elif layer.roll_at_dte is not None and i + 1 < n and (expiry - days[i + 1]).days < layer.roll_at_dte:
                    close = True
                elif layer.roll_at_dte is not None and (expiry - day).days < layer.roll_at_dte:
                    close = True
                elif day >= expiry or (i + 1 < n and days[i + 1] > expiry):
                    close = True
                if close:
                    spent -= price * CONTRACT_MULTIPLIER * contracts
                    state[j] = None
                    month[j] = parse_month(layer.roll_to) if layer.roll_to else month[j]
                else:
                    value[i] += price * CONTRACT_MULTIPLIER * contracts
                    continue
            if settings.entry == "backwardation" and not back[i]:
                continue
            k = month[j]
            candidates = monthly_expiries(day, k + 12)[k - 1:]
            expiry = next(e for e in candidates if layer.roll_at_dte is None or (e - day).days > layer.roll_at_dte)
            f = snapshots[i].forward_at(expiry)
            strike = resolve_strike(layer.strike, f)
            price = model_price(i, expiry, strike)
            if plan.sizing.mode == "contracts":
                contracts = layer.contracts or 0
            else:
                unit = price * CONTRACT_MULTIPLIER
                contracts = math.floor(plan.sizing.premium_usd * layer.weight / unit + 1e-9) if unit >= 1.0 else 0
            state[j] = (expiry, strike, contracts, price * CONTRACT_MULTIPLIER * contracts)
            spent += price * CONTRACT_MULTIPLIER * contracts
            value[i] += price * CONTRACT_MULTIPLIER * contracts
        cash[i] = -spent
    # the exposure, held at its notional: each day's P&L is notional x that day's return
    ex = plan.exposure
    spx = part.daily["spx"].ffill().to_numpy(float)
    btc = part.daily["btc"].to_numpy(float)
    pnl = 0.0
    for i in range(1, n):
        r = ex.beta_spx * (spx[i] / spx[i - 1] - 1.0)
        if ex.btc_beta > 0 and math.isfinite(btc[i]) and math.isfinite(btc[i - 1]):
            r = ex.btc_beta * (btc[i] / btc[i - 1] - 1.0)
        pnl += ex.notional_usd * r
    return value + cash, pnl


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="start", type=date.fromisoformat)
    ap.add_argument("--to", dest="end", type=date.fromisoformat)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    plan = load_plan(default_plan_path())
    history = load_history()
    settings = BacktestSettings(start=args.start, end=args.end)
    run_backtest(plan, history, settings)  # warm: calendar tables, imports
    engine, loop = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = run_backtest(plan, history, settings)
        engine.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        reference, exposure = per_day_loop(plan, history, settings)
        loop.append(time.perf_counter() - t0)
    diff = float(np.max(np.abs(result.hedge.pnl_cum - reference)))
    print(f"backtest of the default plan, {result.dates[0]} .. {result.dates[-1]} ({len(result.dates)} days, "
          f"{len(result.hedge.trades)} trades)")
    print(f"  engine (layers + VXTH + exposure): {min(engine) * 1e3:8.1f} ms")
    print(f"  per-day Python loop (layers + exposure): {min(loop) * 1e3:8.1f} ms")
    print(f"  ratio loop / engine: {min(loop) / min(engine):.1f}x")
    print(f"  same result: hedge P&L {result.hedge.pnl_cum[-1]:,.0f} vs {reference[-1]:,.0f} USD "
          f"(max daily difference {diff:.2e}); exposure {result.exposure_pnl_cum[-1]:,.0f} vs {exposure:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
