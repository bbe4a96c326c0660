"""Headless commands: ``alvh-tui price`` and ``alvh-tui check``.

The JSON that ``price --json`` prints is a public contract (DESIGN.md): keys and units
only ever gain members; nothing is renamed or removed within schema 1.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from .core.exposure import stress_lines
from .core.plan_io import PlanError, load_plan
from .core.safe_text import printable
from .core.valuation import VAR_STRESS_NAME, Valuation, value_plan
from .format import pct, usd

EXIT_OK = 0
EXIT_UNUSABLE = 2


def _finite(x: float | None) -> float | None:
    """JSON has no NaN or infinity: an undefined figure is null."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def _clean(obj: Any) -> Any:
    """Make a structure JSON-safe: NaN/inf -> null, numpy scalars -> Python, dates -> ISO."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _finite(float(obj))
    return obj


def _pct100(x: float | None) -> float | None:
    return None if x is None else x * 100.0


def _stress_spx_return(v: Valuation) -> float | None:
    """The S&P move of the sizing stress: CAPM's for the VaR stress, the episode's own for a replay."""
    if v.sizing.stress_scenario == VAR_STRESS_NAME:
        return v.var.var_spx_return if v.var else None
    return v.stress.spx_return if v.stress is not None else None


def valuation_to_json(v: Valuation) -> dict[str, Any]:
    """The public JSON of ``alvh-tui price --json`` (DESIGN.md), schema 1.

    Units: money in USD; dates ISO; keys ending in ``_pct`` (or ``_pct_*``) are percent
    (5.3 means 5.3 %); ``coverage``, ``vol``, ``*_return`` and ratios are fractions.
    Scenario ``kind`` is "stress" (the sizing's reference), "historical" (a library replay)
    or "parametric"; ``exposure_basis`` says where the exposure's return came from ("spx":
    beta x the S&P move implied by the VIX move; "btc": btc_beta x BTC's return over the
    episode; "override": the scenario's own). ``rolls[].cost_usd`` > 0 is a debit.
    """
    market = v.market
    e = v.plan.exposure
    var = v.var
    rr = v.regime_readout
    readout = v.signals
    out = {
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
            "roll_yield_basis": "if spot holds: (VIX - M1) / DTE(M1)",
            "vix3m": market.vix3m,
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
                "net_premium_usd": layer.net_usd,
                "financing_share": layer.financing_share,
                "uncovered": layer.uncovered,
                "legs": [
                    {
                        "side": leg.side,
                        "expiry": leg.expiry.isoformat(),
                        "strike": leg.strike,
                        "ratio": leg.ratio,
                        "contracts": leg.contracts,
                        "price": leg.price,
                        "delta": leg.delta,
                        "gamma": leg.gamma,
                        "vega": leg.vega,
                        "theta": leg.theta,
                        "dte": leg.dte,
                        "future": leg.future,
                        "vol": leg.vol,
                        "premium_usd": leg.premium_usd,
                    }
                    for leg in layer.legs
                ],
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
            "notional_usd": e.notional_usd,
            "var_usd": v.var_usd,
            "var_confidence": e.var_confidence,
            "var_horizon_days": e.var_horizon_days,
            "vol_annual": e.vol_annual,
            "beta_spx": e.beta_spx,
            "coverage_target": e.coverage_target,
            "spx_vix_elasticity": e.spx_vix_elasticity,
            "btc_beta": e.btc_beta,
            "var_method": "parametric normal: " + (var.formula if var else ""),
            "var_z": var.z if var else None,
            "var_days_per_year": var.days_per_year if var else None,
            "var_horizon_vol": var.horizon_vol if var else None,
            "var_pct": _pct100(var.var_pct) if var else None,
            "var_spx_return": var.var_spx_return if var else None,
            "var_vix_level": var.var_vix_level if var else None,
            "coverage_target_usd": var.target_usd if var else None,
            "spx_vol_annual": e.spx_vol_annual,
            "stress_correlation": e.stress_correlation,
            "basis": e.basis,
            "var_stress_correlation": var.correlation if var else None,
            "var_stress_correlation_capm": var.correlation_capm if var else None,
            "var_stress_correlation_source": var.correlation_source if var else None,
            "var_vix_uncapped": var.vix_uncapped if var else None,
            "vix_ceiling": var.vix_ceiling if var else None,
        },
        "sizing": {
            "mode": v.sizing.mode,
            "stress_scenario": v.sizing.stress_scenario,
            "stress_description": v.sizing.stress_description,
            "stress_kind": v.sizing.stress_kind,
            "target": v.sizing.target_usd,
            "achieved": v.sizing.achieved_usd,
            "achieved_coverage": v.sizing.achieved_coverage,
            "tolerance_usd": v.sizing.tolerance_usd,
            "gain_per_contract_usd": list(v.sizing.gain_per_contract_usd),
            "budget_usd": v.sizing.budget_usd,
            "leftover_usd": v.sizing.leftover_usd,
            "premium_usd": v.totals.premium_usd,
            "premium_pct_notional": v.sizing.premium_pct_notional * 100.0,
            "premium_pct_annualised": v.sizing.premium_pct_annualised * 100.0,
            "theta_pct_annualised": -v.totals.theta_usd * 365.0 / e.notional_usd * 100.0,
            "stress_spx_return": _stress_spx_return(v),
            "stress_vix": v.scenarios[0].target_spot if v.scenarios else None,
            "stress_correlation": var.correlation if var and v.sizing.stress_scenario == VAR_STRESS_NAME else None,
            "target_basis": v.sizing.target_basis,
            "target_base_usd": v.sizing.target_base_usd,
            "target_reached": v.sizing.target_reached,
            "achieved_of_target": v.sizing.achieved_of_target,
            "funding_rate": e.funding_rate,
            "funding_cost_usd": v.sizing.funding_cost_usd,
        },
        "scenario_settings": {"replay": v.plan.scenarios.replay},
        "scenarios": [
            {
                "name": s.name,
                "kind": s.kind,
                "description": s.description,
                "vix": s.target_spot,
                "hedge_pnl_usd": s.hedge_pnl_usd,
                "exposure_pnl_usd": s.exposure_pnl_usd,
                "net_pnl_usd": s.net_pnl_usd,
                "coverage": _finite(s.coverage),
                "exposure_return": s.exposure_return,
                "exposure_basis": s.exposure_basis,
                "vol_scale": s.vol_scale,
                "days_forward": s.days_forward,
                "episode_id": s.episode_id,
                "start": s.start,
                "end": s.end,
                "replay": s.replay,
            }
            for s in v.scenarios
        ],
        "rolls": [
            {
                "layer": r.layer,
                "date": r.date,
                "from_expiry": r.from_expiry,
                "to_expiry": r.to_expiry,
                "cost_usd": r.cost_usd,
                "from_strike": r.from_strike,
                "to_strike": r.to_strike,
                "from_future": r.from_future,
                "to_future": r.to_future,
                "sell_price": r.sell_price,
                "buy_price": r.buy_price,
                "contracts": r.contracts,
                "note": r.note,
                "cost_tenor_held_usd": r.cost_tenor_held_usd,
                "sell_price_tenor_held": r.sell_price_tenor_held,
                "buy_price_tenor_held": r.buy_price_tenor_held,
            }
            for r in v.rolls
        ],
        "regime": None
        if rr is None
        else {
            "name": rr.name,
            "entry_condition_met": rr.entry_condition_met,
            "depth": rr.depth,
            "reasons": list(rr.reasons),
            "m1_m2_slope_pct": rr.m1_m2_slope_pct,
            "vix_over_m1": rr.vix_over_m1,
            "vxth_forward": rr.vxth_forward,
            "vxth_band": rr.vxth_band,
            "vxth_buys": rr.vxth_buys,
            "reference": rr.reference,
            "reference_vix": rr.reference_vix,
            "cost_vs_calm": rr.cost_vs_calm,
            "cost_vs_calm_future": rr.cost_vs_calm_future,
            "vxth_weight_pct": rr.vxth_weight_pct,
            "vix3m": rr.vix3m,
            "vix_over_vix3m": rr.vix_over_vix3m,
            "vix3m_condition_met": rr.vix3m_condition_met,
            "entry_rule": rr.entry_rule,
            "layers": [
                {
                    "name": c.name,
                    "price": c.price,
                    "price_calm": c.price_calm,
                    "cost_pct_spot": c.pct_spot * 100.0,
                    "cost_pct_spot_calm": c.pct_spot_calm * 100.0,
                    "cost_pct_future": c.pct_future * 100.0,
                    "cost_pct_future_calm": c.pct_future_calm * 100.0,
                    "ratio": c.ratio,
                }
                for c in rr.layers
            ],
        },
        "signals": [
            {
                "name": sig.name,
                "label": sig.label,
                "rule": sig.rule,
                "value": sig.value,
                "state": sig.state,
                "since": sig.since,
                "day": sig.day,
                "hit_rate": sig.hit_rate,
                "base_rate": sig.base_rate,
                "days_on": sig.days_on,
            }
            for sig in readout.signals
        ],
        "signals_history": readout.history,
        "events": [
            {
                "date": e.date,
                "event": e.event,
                "days_after_as_of": e.days_after_as_of,
                "layers_expiring_before": list(e.layers_expiring_before),
            }
            for e in v.events
        ],
        "warnings": list(v.all_warnings) + ([readout.problem] if readout.problem else []),
    }
    return _clean(out)


def _num(x: float | None, fmt: str) -> str:
    return "—" if x is None or not math.isfinite(x) else format(x, fmt)


def signal_lines(readout) -> list[str]:
    """The entry signals, one line each, with their record (shared with the v view)."""
    if not readout.signals:
        return [f"signals  {readout.problem}"] if readout.problem else []
    base = readout.signals[0].base_rate
    lines = [
        f"signals  at {readout.signals[0].day or '—'}; record {readout.history}: P(VIX +50% within 20 trading days) "
        f"after the signal vs {pct(base)} on all days"
    ]
    for s in readout.signals:
        value = "—" if s.value is None else f"{s.value:.2f}"
        since = f" since {s.since.isoformat()}" if s.since else ""
        lines.append(f"  {s.label:<26}{value:>8}  {s.state.upper():<7}{since:<17} hit {pct(s.hit_rate)} of {s.days_on:,} days  ({s.rule})")
    if readout.problem:
        lines.append(f"  {readout.problem}")
    return lines


def render_table(v: Valuation) -> str:
    m = v.market
    r = v.regime
    out: list[str] = []
    out.append(f"{v.plan.name}  (as of {m.as_of.isoformat()})")
    slope = "—" if r.m1_m2_slope_pct is None else f"{r.m1_m2_slope_pct:+.1f}%"
    ratio = "—" if r.vix_over_m1 is None else f"{r.vix_over_m1:.2f}"
    out.append(
        f"VIX {m.vix_spot:.2f}   {r.name}{' (' + r.depth + ')' if r.depth else ''}   "
        f"M1->M2 {slope}   VIX/M1 {ratio}   roll yield if spot holds {_num(r.roll_yield_per_day, '+.3f')} pts/day   rate {m.rate * 100:.2f}%"
    )
    rr = v.regime_readout
    if rr is not None:
        verdict = "entry condition met" if rr.entry_condition_met else "entry condition NOT met"
        out.append(f"regime   {verdict}: {'; '.join(rr.reasons)}")
        vx = "—" if rr.vxth_forward is None else f"{rr.vxth_forward:.2f}"
        ivts = "—" if rr.vix_over_vix3m is None else f"{rr.vix_over_vix3m:.3f} ({'>' if rr.vix3m_condition_met else '<='} 1)"
        out.append(f"entry    rule {rr.entry_rule}: {'met' if rr.entry_condition_met else 'not met'}; VIX/VIX3M {ivts} (not the plan's rule)")
        out.append(f"VXTH     forward VIX (M1) {vx}: band {rr.vxth_band}, weight {rr.vxth_weight_pct:g}% of the portfolio")
        if rr.cost_vs_calm is not None:
            per_layer = "  ".join(
                f"{c.name} {c.pct_spot * 100:.1f}% vs {c.pct_spot_calm * 100:.1f}%" for c in rr.layers
            )
            out.append(
                f"cost     {_num(rr.cost_vs_calm, '.2f')}x calm per point of spot VIX "
                f"({_num(rr.cost_vs_calm_future, '.2f')}x per point of each future); {rr.reference}"
            )
            out.append(f"         price / VIX now vs calm: {per_layer}")
    for line in signal_lines(v.signals):
        out.append(line)
    out.append("")
    out.append("curve     " + "  ".join(f"{f.expiry:%b%y}:{f.settle:6.2f}" for f in m.live_futures))
    out.append("")
    header = (f"{'layer':<10}{'wt':>5}{'expiry':>12}{'dte':>5}{'future':>8}{'strike':>8}{'vol':>7}{'price':>8}"
              f"{'delta':>7}{'vega':>7}{'theta':>8}{'contracts':>10}{'premium':>11}")
    out.append(header)
    out.append("-" * len(header))
    for layer in v.layers:
        out.append(
            f"{layer.name[:10]:<10}{layer.weight:>5.2f}{layer.expiry.isoformat():>12}{layer.dte:>5d}"
            f"{layer.future:>8.2f}{layer.strike:>8.2f}{layer.vol * 100:>6.1f}%{layer.price:>8.3f}"
            f"{layer.delta:>7.3f}{layer.vega:>7.3f}{layer.theta:>8.4f}{layer.contracts:>10,d}{usd(layer.premium_usd):>11}"
        )
        for leg in layer.legs:
            sign = -1 if leg.side == "short" else 1
            out.append(
                f"{'  ' + leg.side:<10}{leg.ratio:>5g}{leg.expiry.isoformat():>12}{leg.dte:>5d}"
                f"{leg.future:>8.2f}{leg.strike:>8.2f}{leg.vol * 100:>6.1f}%{leg.price:>8.3f}"
                f"{sign * leg.delta:>7.3f}{sign * leg.vega:>7.3f}{sign * leg.theta:>8.4f}{sign * leg.contracts:>10,d}{usd(leg.premium_usd):>11}"
            )
        if layer.legs:
            out.append(
                f"{'  net':<10}{'':>5}{'':>12}{'':>5}{'':>8}{'':>8}{'':>7}{'':>8}{'':>7}{'':>7}{'':>8}{'':>10}{usd(layer.net_usd):>11}"
                f"  ({pct(layer.financing_share, 0)} financed)"
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
        f"exposure {usd(e.notional_usd)}  basis {e.basis}  beta_spx {e.beta_spx:g}  btc_beta {e.btc_beta:g}  vol {e.vol_annual * 100:.0f}%  "
        f"S&P vol {e.spx_vol_annual * 100:g}%  S&P/VIX elasticity k {e.spx_vix_elasticity:g}"
    )
    var = v.var
    if var is not None:
        out.append(
            f"VaR {var.confidence * 100:g}%/{var.horizon_days}d = {usd(var.notional_usd)} x z {var.z:.3f} x {var.vol_annual * 100:g}% "
            f"x sqrt({var.horizon_days}/{var.days_per_year:g}) = {usd(var.var_usd)} ({var.var_pct * 100:.1f}% of notional)"
        )
        out.extend(stress_lines(var))
    s = v.sizing
    line = (
        f"sizing {s.mode}: stress {s.stress_scenario} ({s.stress_description})  target {usd(s.target_usd)} "
        f"({pct(e.coverage_target, 0)} of {s.target_basis})  achieved {usd(s.achieved_usd)} "
        f"({pct(s.achieved_of_target)} of target, {pct(s.achieved_coverage)} of VaR)"
    )
    if s.mode == "coverage":
        line += f"  +/- one contract {usd(s.tolerance_usd)}"
    if s.leftover_usd is not None:
        line += f"  unspent {usd(s.leftover_usd)}"
    out.append(line)
    carry = -t.theta_usd * 365.0 / e.notional_usd
    out.append(
        f"premium {usd(t.premium_usd)} = {pct(s.premium_pct_notional, 3)} of notional, {pct(s.premium_pct_annualised, 2)} annualised "
        f"(each layer over its own life); theta carry {pct(carry, 2)}/yr"
    )
    if e.funding_rate is not None:
        out.append(
            f"funding {usd(s.funding_cost_usd)}: the premium carried to each layer's expiry at {e.funding_rate * 100:.2f}%/yr "
            f"(total cost {usd(t.premium_usd + s.funding_cost_usd)})"
        )
    out.append("")
    nets = [sc.net_pnl_usd for sc in v.scenarios]
    best = max(range(len(nets)), key=nets.__getitem__) if nets else -1
    worst = min(range(len(nets)), key=nets.__getitem__) if nets else -1
    out.append(f"  {'scenario':<36} {'kind':<10}{'VIX':>7}{'hedge':>10}{'exposure':>11} {'basis':<12}{'net':>11}{'coverage':>9}")
    for i, sc in enumerate(v.scenarios):
        mark = "+" if i == best else ("-" if i == worst else " ")
        name = sc.name if len(sc.name) <= 36 else sc.name[:35] + "…"
        out.append(
            f"{mark} {name:<36} {sc.kind:<10}{sc.target_spot:>7.2f}{usd(sc.hedge_pnl_usd):>10}{usd(sc.exposure_pnl_usd):>11}"
            f" {sc.exposure_basis:<12}{usd(sc.net_pnl_usd):>11}{pct(sc.coverage):>9}"
        )
    out.append(
        "  (+ best net, - worst net; basis: var = the VaR-sized loss, spx = beta x S&P move implied by the VIX, "
        "spx_episode = beta x the S&P's return in the episode, btc = btc_beta x BTC's return in the episode; "
        f"replays: {'the market the episode ended in' if v.plan.scenarios.replay == 'level' else 'the episode moves added to today'} "
        f"(scenarios.replay = {v.plan.scenarios.replay!r}); time passes with futures held by expiry)"
    )
    out.append("")
    if v.rolls:
        out.append("rolls at today's curve (futures held by expiry; tenor-held: the curve rolled to spot) and vols; cost > 0 is a debit")
        out.append(f"{'date':<12}{'layer':<10}{'from':>12}{'to':>12}{'strike':>14}{'contracts':>10}{'cost':>11}{'tenor-held':>12}  note")
        for step in v.rolls:
            out.append(
                f"{step.date.isoformat():<12}{step.layer[:10]:<10}{step.from_expiry.isoformat():>12}{step.to_expiry.isoformat():>12}"
                f"{f'{step.from_strike:g}->{step.to_strike:g}':>14}{step.contracts:>10,d}{usd(step.cost_usd):>11}"
                f"{usd(step.cost_tenor_held_usd):>12}  {step.note}".rstrip()
            )
        out.append(f"{'total':<12}{'':<10}{'':>12}{'':>12}{'':>14}{'':>10}{usd(v.roll_cost_usd):>11}{usd(v.roll_cost_tenor_held_usd):>12}")
    else:
        out.append("rolls: none (no layer has a roll rule that falls before the last expiry)")
    if v.events:
        out.append("")
        out.append("macro events before the last expiry: " + "  ".join(f"{e.date:%b%d} {e.event}" for e in v.events))
    for w in v.all_warnings:
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
    shown = printable(str(path))  # a hostile file name must not drive the terminal
    print(f"{shown}: ok — {len(plan.layers)} layers, {len(plan.market.live_futures)} live months, as of {plan.market.as_of}")
    for w in valuation.all_warnings:
        print(f"{shown}: warning: {printable(w)}")
    return EXIT_OK
