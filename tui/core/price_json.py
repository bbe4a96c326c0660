"""The public JSON of ``alvh-tui price --json`` (DESIGN.md), schema 1: keys and units only
ever gain members; nothing is renamed or removed within schema 1."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np

from .valuation import VAR_STRESS_NAME, Valuation


def _finite(x: float | None) -> float | None:
    """JSON has no NaN or infinity: an undefined figure is null."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def json_safe(obj: Any) -> Any:
    """Make a structure JSON-safe: NaN/inf -> null, numpy scalars -> Python, dates -> ISO."""
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
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
    return json_safe(out)
