"""Headless commands: ``alvh-tui price`` and ``alvh-tui check``.

The JSON that ``price --json`` prints is a public contract (DESIGN.md): keys and units
only ever gain members; nothing is renamed or removed within schema 1.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from .core.plan_io import PlanError, load_plan
from .core.valuation import Valuation, value_plan

EXIT_OK = 0
EXIT_UNUSABLE = 2


def _finite(x: float | None) -> float | None:
    """JSON has no NaN or infinity: an undefined figure is null."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def valuation_to_json(v: Valuation) -> dict[str, Any]:
    market = v.market
    return {
        "schema": v.plan.schema,
        "plan": v.plan.name,
        "as_of": market.as_of.isoformat(),
        "market": {
            "vix_spot": market.vix_spot,
            "rate": market.rate,
            "regime": v.regime.name,
            "m1_m2_slope_pct": _finite(v.regime.m1_m2_slope_pct),
            "vix_over_m1": _finite(v.regime.vix_over_m1),
            "roll_yield_per_day": _finite(v.regime.roll_yield_per_day),
            "curve": [
                {"expiry": f.expiry.isoformat(), "dte": market.dte(f.expiry), "settle": f.settle}
                for f in market.live_futures
            ],
        },
        "layers": [
            {
                "name": layer.name,
                "expiry": layer.expiry.isoformat(),
                "dte": layer.dte,
                "future": layer.future,
                "strike": layer.strike,
                "vol": layer.vol,
                "price": layer.price,
                "delta": layer.delta,
                "gamma": layer.gamma,
                "vega": layer.vega,
                "theta": layer.theta,
                "contracts": layer.contracts,
                "premium_usd": layer.premium_usd,
            }
            for layer in v.layers
        ],
        "totals": {
            "premium_usd": v.totals.premium_usd,
            "delta_usd": v.totals.delta_usd,
            "vega_usd": v.totals.vega_usd,
            "theta_usd": v.totals.theta_usd,
        },
        "exposure": {
            "notional_usd": v.plan.exposure.notional_usd,
            "var_usd": v.var_usd,
            "var_confidence": v.plan.exposure.var_confidence,
            "var_horizon_days": v.plan.exposure.var_horizon_days,
            "vol_annual": v.plan.exposure.vol_annual,
            "beta_spx": v.plan.exposure.beta_spx,
            "coverage_target": v.plan.exposure.coverage_target,
        },
        "sizing": {
            "mode": v.sizing.mode,
            "stress_scenario": v.sizing.stress_scenario,
            "target": v.sizing.target_usd,
            "achieved": v.sizing.achieved_usd,
            "achieved_coverage": v.sizing.achieved_coverage,
            "budget_usd": v.sizing.budget_usd,
            "leftover_usd": v.sizing.leftover_usd,
            "premium_pct_notional": v.sizing.premium_pct_notional * 100.0,
            "premium_pct_annualised": v.sizing.premium_pct_annualised * 100.0,
        },
        "scenarios": [
            {
                "name": s.name,
                "description": s.description,
                "kind": s.kind,
                "vix": s.target_spot,
                "hedge_pnl_usd": s.hedge_pnl_usd,
                "exposure_pnl_usd": s.exposure_pnl_usd,
                "net_pnl_usd": s.net_pnl_usd,
                "coverage": _finite(s.coverage),
            }
            for s in v.scenarios
        ],
        "warnings": list(v.warnings),
    }


def usd(x: float) -> str:
    """Compact money: $1.23M, -$45.6k, $812."""
    sign = "-" if x < 0 else ""
    a = abs(x)
    if a >= 999.5e6:
        return f"{sign}${a / 1e9:,.2f}B"
    if a >= 999.5e3:
        return f"{sign}${a / 1e6:,.2f}M"
    if a >= 1e4:
        return f"{sign}${a / 1e3:,.1f}k"
    return f"{sign}${a:,.0f}"


def pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x * 100:.{digits}f}%"


def render_table(v: Valuation) -> str:
    m = v.market
    r = v.regime
    out: list[str] = []
    out.append(f"{v.plan.name}  (as of {m.as_of.isoformat()})")
    slope = "—" if r.m1_m2_slope_pct is None else f"{r.m1_m2_slope_pct:+.1f}%"
    ratio = "—" if r.vix_over_m1 is None else f"{r.vix_over_m1:.2f}"
    out.append(
        f"VIX {m.vix_spot:.2f}   {r.name}{' (' + r.depth + ')' if r.depth else ''}   "
        f"M1->M2 {slope}   VIX/M1 {ratio}   rate {m.rate * 100:.2f}%"
    )
    out.append("")
    out.append("curve     " + "  ".join(f"{f.expiry:%b%y}:{f.settle:6.2f}" for f in m.live_futures))
    out.append("")
    header = f"{'layer':<10}{'wt':>5}{'expiry':>12}{'dte':>5}{'future':>8}{'strike':>8}{'vol':>7}{'price':>8}{'delta':>7}{'vega':>7}{'theta':>8}{'contracts':>10}{'premium':>11}"
    out.append(header)
    out.append("-" * len(header))
    for layer in v.layers:
        out.append(
            f"{layer.name[:10]:<10}{layer.weight:>5.2f}{layer.expiry.isoformat():>12}{layer.dte:>5d}"
            f"{layer.future:>8.2f}{layer.strike:>8.2f}{layer.vol * 100:>6.1f}%{layer.price:>8.3f}"
            f"{layer.delta:>7.3f}{layer.vega:>7.3f}{layer.theta:>8.4f}{layer.contracts:>10,d}{usd(layer.premium_usd):>11}"
        )
    t = v.totals
    out.append("-" * len(header))
    out.append(
        f"{'total':<10}{'':>5}{'':>12}{'':>5}{'':>8}{'':>8}{'':>7}{'':>8}{'':>7}{'':>7}{'':>8}{t.contracts:>10,d}{usd(t.premium_usd):>11}"
    )
    out.append(f"$delta {usd(t.delta_usd)}/pt   $vega {usd(t.vega_usd)}/vol pt   $theta {usd(t.theta_usd)}/day")
    out.append("")
    e = v.plan.exposure
    out.append(
        f"exposure {usd(e.notional_usd)}  beta {e.beta_spx:g}  vol {e.vol_annual * 100:.0f}%   "
        f"VaR {e.var_confidence * 100:g}%/{e.var_horizon_days}d = {usd(v.var_usd)}"
    )
    s = v.sizing
    line = (
        f"sizing {s.mode}: stress {s.stress_scenario}  target {usd(s.target_usd)} ({pct(e.coverage_target, 0)} of VaR)  "
        f"achieved {usd(s.achieved_usd)} ({pct(s.achieved_coverage)})"
    )
    if s.leftover_usd is not None:
        line += f"  unspent {usd(s.leftover_usd)}"
    out.append(line)
    out.append(f"premium {pct(s.premium_pct_notional, 3)} of notional, {pct(s.premium_pct_annualised, 2)} annualised")
    out.append("")
    out.append(f"{'scenario':<26}{'VIX':>7}{'hedge':>11}{'exposure':>12}{'net':>12}{'coverage':>10}")
    for sc in v.scenarios:
        out.append(
            f"{sc.name[:26]:<26}{sc.target_spot:>7.2f}{usd(sc.hedge_pnl_usd):>11}{usd(sc.exposure_pnl_usd):>12}"
            f"{usd(sc.net_pnl_usd):>12}{pct(sc.coverage):>10}"
        )
    for w in v.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)


def _load(path: Path):
    try:
        return load_plan(path)
    except PlanError as error:
        for message in error.messages:
            print(message, file=sys.stderr)
        return None


def price(path: Path, as_json: bool = False) -> int:
    plan = _load(path)
    if plan is None:
        return EXIT_UNUSABLE
    valuation = value_plan(plan)
    if as_json:
        json.dump(valuation_to_json(valuation), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(render_table(valuation))
    return EXIT_OK


def check(path: Path) -> int:
    plan = _load(path)
    if plan is None:
        return EXIT_UNUSABLE
    valuation = value_plan(plan)
    print(f"{path}: ok — {len(plan.layers)} layers, {len(plan.market.live_futures)} live months, as of {plan.market.as_of}")
    for w in valuation.warnings:
        print(f"{path}: warning: {w}")
    return EXIT_OK
