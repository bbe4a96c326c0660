"""One function turns (plan, market, scenario settings) into a complete, immutable valuation.

Every pane of the app and every figure of ``alvh-tui price`` is read from the
:class:`Valuation` that :func:`value_plan` returns, so they can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from statistics import NormalDist  # exact to ~1e-16 and keeps scipy off the start-up path

import numpy as np

from .black76 import black76
from .curve import MarketSnapshot, Regime
from .plan import CONTRACT_MULTIPLIER, Exposure, Plan, resolve_expiry, resolve_strike
from .scenarios import (
    DEFAULT_VIX_ELASTICITY,
    NO_SHOCK,
    PRESETS,
    LayerInputs,
    ScenarioResult,
    Shock,
    coverage_ratio,
    shocked_prices,
    spx_return_for_vix,
)


@dataclass(frozen=True)
class LayerValue:
    name: str
    weight: float
    expiry: date
    dte: int
    future: float
    strike: float
    vol: float
    price: float
    delta: float
    gamma: float
    vega: float
    theta: float
    contracts: int
    premium_usd: float


@dataclass(frozen=True)
class Totals:
    contracts: int
    premium_usd: float
    delta_usd: float  # USD per 1 point move of every layer's future
    gamma_usd: float
    vega_usd: float  # USD per 1 vol point on every layer
    theta_usd: float  # USD per calendar day


@dataclass(frozen=True)
class SizingResult:
    mode: str
    stress_scenario: str
    target_usd: float  # coverage_target x VaR
    achieved_usd: float  # hedge gain in the stress scenario
    achieved_coverage: float  # achieved / VaR
    budget_usd: float | None
    leftover_usd: float | None  # budget not spent because contracts are whole
    premium_pct_notional: float
    premium_pct_annualised: float


@dataclass(frozen=True)
class PayoffGrid:
    horizon_days: int
    levels: np.ndarray  # VIX spot levels
    hedge_usd: np.ndarray
    exposure_usd: np.ndarray
    net_usd: np.ndarray
    breakevens: tuple[float, ...]  # VIX levels where the hedge P&L crosses zero


@dataclass(frozen=True)
class Valuation:
    plan: Plan
    regime: Regime
    layers: tuple[LayerValue, ...]
    totals: Totals
    var_usd: float
    sizing: SizingResult
    shock: Shock
    shocked_curve: tuple[tuple[int, float], ...]  # (dte, level) of the active shock's curve
    scenarios: tuple[ScenarioResult, ...]
    payoff: PayoffGrid
    warnings: tuple[str, ...] = field(default=())

    @property
    def market(self) -> MarketSnapshot:
        return self.plan.market


# -- exposure --------------------------------------------------------------

def value_at_risk(exposure: Exposure) -> float:
    """Parametric VaR: notional x z(confidence) x annual vol x sqrt(horizon / 365).

    Crypto trades every calendar day, so the horizon scales with 365, not 252.
    """
    z = NormalDist().inv_cdf(exposure.var_confidence)
    return exposure.notional_usd * z * exposure.vol_annual * math.sqrt(exposure.var_horizon_days / 365.0)


def exposure_pnl(exposure: Exposure, vix_from: float, vix_to, override: float | None = None) -> np.ndarray:
    """The exposure's P&L (USD) when the VIX goes from ``vix_from`` to ``vix_to``."""
    if override is not None:
        ret = np.full(np.shape(vix_to), override, dtype=float)
    else:
        ret = exposure.beta_spx * spx_return_for_vix(vix_from, vix_to, DEFAULT_VIX_ELASTICITY)
    return exposure.notional_usd * np.maximum(ret, -1.0)


def var_stress_shock(exposure: Exposure, vix_spot: float, var_usd: float) -> Shock:
    """The VIX move that goes with a VaR-sized loss of the exposure."""
    name = "VaR-sized loss"
    if exposure.beta_spx <= 0.0:
        return Shock(name, exposure_return=-var_usd / exposure.notional_usd)
    spx_ret = max(-var_usd / (exposure.notional_usd * exposure.beta_spx), -0.95)
    level = vix_spot * (1.0 + spx_ret) ** (-DEFAULT_VIX_ELASTICITY)
    return Shock(name, spot_level=round(level, 2))


# -- the valuation ---------------------------------------------------------

def _layer_inputs(plan: Plan) -> tuple[list[date], np.ndarray, np.ndarray, np.ndarray]:
    market = plan.market
    expiries = [resolve_expiry(layer.expiry, market) for layer in plan.layers]
    dte = np.array([market.dte(e) for e in expiries], dtype=float)
    future = np.array([market.forward_at(e) for e in expiries], dtype=float)
    strike = np.array([resolve_strike(layer.strike, f) for layer, f in zip(plan.layers, future)], dtype=float)
    return expiries, dte, future, strike


def _scenario_arrays(shocks: tuple[Shock, ...], spot: float):
    target = np.array([s.target_spot(spot) for s in shocks], dtype=float)
    scale = np.array([s.vol_scale for s in shocks], dtype=float)
    days = np.array([s.days_forward for s in shocks], dtype=float)
    return target, scale, days


def value_plan(
    plan: Plan,
    shock: Shock = NO_SHOCK,
    horizon_days: int | None = None,
    scenarios: tuple[Shock, ...] | None = None,
    grid_points: int = 161,
) -> Valuation:
    """Price every layer, size the hedge, run the scenario set and the payoff grid.

    ``shock`` is the active scenario (it drives the curve overlay and the payoff chart's
    vol scale); ``horizon_days`` is the payoff chart's horizon (default: the shock's days
    forward). ``scenarios`` defaults to the parametric presets.
    """
    market = plan.market
    warnings: list[str] = []
    expiries, dte, future, strike = _layer_inputs(plan)
    T = dte / 365.0
    vol = market.vol.vol(strike, future, dte)
    greeks = black76(future, strike, T, market.rate, vol, True)
    price = greeks.price

    var_usd = value_at_risk(plan.exposure)
    stress = var_stress_shock(plan.exposure, market.vix_spot, var_usd)
    if plan.sizing.stress_scenario and plan.sizing.stress_scenario != stress.name:
        named = {s.name: s for s in (scenarios or PRESETS)}
        if plan.sizing.stress_scenario in named:
            stress = named[plan.sizing.stress_scenario]
        else:
            warnings.append(f"stress scenario {plan.sizing.stress_scenario!r} is unknown; using {stress.name!r}")

    weights = np.array([layer.weight for layer in plan.layers], dtype=float)
    # Gain per contract in the stress scenario, for coverage sizing and the read-out.
    inputs = LayerInputs(dte, future, strike, price, np.zeros_like(price))
    t, s, d = _scenario_arrays((stress,), market.vix_spot)
    stress_gain = (shocked_prices(inputs, market.vix_spot, market.rate, market.vol, t, s, d)[0] - price) * CONTRACT_MULTIPLIER

    contracts, budget, leftover = _size(plan, price, weights, stress_gain, var_usd, warnings)
    contracts_f = contracts.astype(float)

    premium = price * CONTRACT_MULTIPLIER * contracts_f
    mult = CONTRACT_MULTIPLIER * contracts_f
    totals = Totals(
        contracts=int(contracts.sum()),
        premium_usd=float(premium.sum()),
        delta_usd=float((greeks.delta * mult).sum()),
        gamma_usd=float((greeks.gamma * mult).sum()),
        vega_usd=float((greeks.vega * mult).sum()),
        theta_usd=float((greeks.theta * mult).sum()),
    )
    layers = tuple(
        LayerValue(
            name=layer.name,
            weight=layer.weight,
            expiry=expiries[i],
            dte=int(dte[i]),
            future=float(future[i]),
            strike=float(strike[i]),
            vol=float(vol[i]),
            price=float(price[i]),
            delta=float(greeks.delta[i]),
            gamma=float(greeks.gamma[i]),
            vega=float(greeks.vega[i]),
            theta=float(greeks.theta[i]),
            contracts=int(contracts[i]),
            premium_usd=float(premium[i]),
        )
        for i, layer in enumerate(plan.layers)
    )
    inputs = LayerInputs(dte, future, strike, price, contracts_f)

    achieved = float(stress_gain @ contracts_f)
    max_dte = float(dte.max()) if len(dte) else 0.0
    pct = totals.premium_usd / plan.exposure.notional_usd
    sizing = SizingResult(
        mode=plan.sizing.mode,
        stress_scenario=stress.describe() if stress.name == "VaR-sized loss" else stress.name,
        target_usd=plan.exposure.coverage_target * var_usd,
        achieved_usd=achieved,
        achieved_coverage=achieved / var_usd if var_usd > 0 else 0.0,
        budget_usd=budget,
        leftover_usd=leftover,
        premium_pct_notional=pct,
        premium_pct_annualised=pct * 365.0 / max_dte if max_dte > 0 else 0.0,
    )

    scenario_set = (stress,) + tuple(scenarios if scenarios is not None else PRESETS)
    results = _run_scenarios(plan, inputs, scenario_set)

    horizon = shock.days_forward if horizon_days is None else horizon_days
    payoff = _payoff_grid(plan, inputs, shock, horizon, grid_points)

    return Valuation(
        plan=plan,
        regime=market.regime(),
        layers=layers,
        totals=totals,
        var_usd=var_usd,
        sizing=sizing,
        shock=shock,
        shocked_curve=_shocked_curve(market, shock),
        scenarios=results,
        payoff=payoff,
        warnings=tuple(warnings),
    )


def _size(plan, price, weights, stress_gain, var_usd, warnings):
    mode = plan.sizing.mode
    budget = plan.sizing.premium_usd
    if mode == "contracts":
        contracts = np.array([layer.contracts or 0 for layer in plan.layers], dtype=np.int64)
        return contracts, None, None
    cost = price * CONTRACT_MULTIPLIER
    affordable = cost > 1e-9
    for i in np.flatnonzero(~affordable):
        warnings.append(f"layer {plan.layers[i].name!r} is worth nothing at this strike; it gets no contracts")
    if mode == "budget":
        budget = float(budget or 0.0)
        wanted = np.where(affordable, budget * weights / np.where(affordable, cost, 1.0), 0.0)
        contracts = np.floor(wanted + 1e-9).astype(np.int64)
        leftover = budget - float((contracts * cost).sum())
        return contracts, budget, leftover
    # coverage: spend premium P split by weight so that the stress gain covers the target.
    target = plan.exposure.coverage_target * var_usd
    per_dollar = np.where(affordable, weights * stress_gain / np.where(affordable, cost, 1.0), 0.0)
    gain_per_dollar = float(per_dollar.sum())
    if gain_per_dollar <= 0.0:
        warnings.append("the hedge does not gain in the stress scenario; coverage sizing bought nothing")
        return np.zeros(len(price), dtype=np.int64), None, None
    from scipy.optimize import brentq  # lazily: only coverage sizing needs it

    premium = brentq(lambda p: p * gain_per_dollar - target, 0.0, 2.0 * target / gain_per_dollar + 1.0, xtol=1e-6)
    contracts = np.rint(np.where(affordable, premium * weights / np.where(affordable, cost, 1.0), 0.0)).astype(np.int64)
    return contracts, None, None


def _run_scenarios(plan: Plan, inputs: LayerInputs, shocks: tuple[Shock, ...]) -> tuple[ScenarioResult, ...]:
    market = plan.market
    target, scale, days = _scenario_arrays(shocks, market.vix_spot)
    prices = shocked_prices(inputs, market.vix_spot, market.rate, market.vol, target, scale, days)
    hedge = (prices - inputs.price) @ (inputs.contracts * CONTRACT_MULTIPLIER)
    results = []
    for i, s in enumerate(shocks):
        exp_pnl = float(exposure_pnl(plan.exposure, market.vix_spot, target[i], s.exposure_return))
        h = float(hedge[i])
        results.append(
            ScenarioResult(
                name=s.name,
                description=s.describe(),
                kind=s.kind,
                target_spot=float(target[i]),
                hedge_pnl_usd=h,
                exposure_pnl_usd=exp_pnl,
                net_pnl_usd=h + exp_pnl,
                coverage=coverage_ratio(h, exp_pnl),
            )
        )
    return tuple(results)


def _payoff_grid(plan: Plan, inputs: LayerInputs, shock: Shock, horizon: int, points: int) -> PayoffGrid:
    spot = plan.market.vix_spot
    lo = max(5.0, 0.5 * spot)
    hi = max(2.5 * spot, lo + 40.0)
    levels = np.linspace(lo, hi, points)
    prices = shocked_prices(
        inputs, spot, plan.market.rate, plan.market.vol, levels, np.full(points, shock.vol_scale), np.full(points, float(horizon))
    )
    hedge = (prices - inputs.price) @ (inputs.contracts * CONTRACT_MULTIPLIER)
    exposure = exposure_pnl(plan.exposure, spot, levels, shock.exposure_return)
    return PayoffGrid(horizon, levels, hedge, exposure, hedge + exposure, zero_crossings(levels, hedge))


def zero_crossings(x: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """Where a sampled curve crosses zero, linearly interpolated; a touch counts once."""
    found: list[float] = []
    sign = np.sign(y)
    for i in range(len(y) - 1):
        if sign[i] == 0.0:
            found.append(float(x[i]))
        elif sign[i] * sign[i + 1] < 0.0:
            found.append(float(x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i])))
    if len(y) and sign[-1] == 0.0:
        found.append(float(x[-1]))
    return tuple(found)


def _shocked_curve(market: MarketSnapshot, shock: Shock) -> tuple[tuple[int, float], ...]:
    from .scenarios import tenor_beta

    move = shock.target_spot(market.vix_spot) - market.vix_spot
    points = [(0, market.vix_spot + move)]
    for f in market.live_futures:
        d = market.dte(f.expiry)
        points.append((d, float(max(f.settle + move * tenor_beta(d), 0.01))))
    return tuple(points)
