"""One function turns (plan, market, scenario settings) into a complete, immutable valuation.

Every pane of the app and every figure of ``alvh-tui price`` is read from the
:class:`Valuation` that :func:`value_plan` returns, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial

import numpy as np

from .black76 import black76
from .curve import MarketSnapshot, Regime
from .events import EventRow
from .exposure import VarBreakdown, exposure_returns, var_breakdown
from .kit import funding_cost, plan_events
from .legs import resolve_positions, roll_inputs, uncovered_warnings
from .payoff import PayoffGrid, grid_levels, payoff_grid
from .plan import CONTRACT_MULTIPLIER, Exposure, Plan, expiry_warnings
from .regime import RegimeReadout, regime_readout
from .rolls import RollStep, roll_schedule
from .scenarios import (
    NO_SCENARIO,
    PRESETS,
    LayerInputs,
    Scenario,
    ScenarioResult,
    coverage_ratio,
    find_scenario,
    library_scenarios,
    replay_futures,
    replay_grid_futures,
    scenario_arrays,
    scenario_curve,
    scenario_prices,
)
from .sizing import SizingResult, coverage_reached, size_layers

VAR_STRESS_NAME = "VaR-sized loss"


@dataclass(frozen=True, kw_only=True)
class OptionValue:
    """One option of the plan, priced per option; ``contracts`` is a count >= 0."""

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
    premium_usd: float  # price x 100 x contracts; a short leg's is negative (premium received)


@dataclass(frozen=True, kw_only=True)
class LegValue(OptionValue):
    """One financing leg of a layer."""

    side: str
    ratio: float


@dataclass(frozen=True, kw_only=True)
class LayerValue(OptionValue):
    """A layer's long call, with its legs."""

    name: str
    weight: float
    legs: tuple[LegValue, ...] = ()
    net_premium_usd: float | None = None  # the long call less the legs (None: premium_usd)
    uncovered: bool = False  # short calls outnumber long calls at some strike, or outlive the long

    @property
    def net_usd(self) -> float:
        return self.premium_usd if self.net_premium_usd is None else self.net_premium_usd

    @property
    def financing_share(self) -> float:
        """The share of the long call's premium paid for by the short legs."""
        return 0.0 if self.premium_usd <= 0.0 else 1.0 - self.net_usd / self.premium_usd


@dataclass(frozen=True)
class Totals:
    contracts: int  # long contracts of the layers
    premium_usd: float  # net of the short legs: what the hedge costs
    delta_usd: float  # USD per 1 point move of every layer's future
    gamma_usd: float
    vega_usd: float  # USD per 1 vol point on every layer
    theta_usd: float  # USD per calendar day


@dataclass(frozen=True)
class Valuation:
    plan: Plan
    regime: Regime
    layers: tuple[LayerValue, ...]
    totals: Totals
    var_usd: float
    sizing: SizingResult
    scenario: Scenario
    scenario_curve: tuple[tuple[int, float], ...]  # (dte, level) of the active shock's curve
    scenarios: tuple[ScenarioResult, ...]
    payoff: PayoffGrid
    warnings: tuple[str, ...] = field(default=())
    var: VarBreakdown | None = None  # VaR with its inputs
    stress: Scenario | None = None  # the sizing's reference stress scenario
    regime_readout: RegimeReadout | None = None
    # The roll schedule is computed on first access of ``rolls``: its dates need the
    # exchange calendar (pandas), which the app should not pay for before its first paint.
    roll_source: Callable[[], tuple[tuple[RollStep, ...], tuple[str, ...]]] | None = field(
        default=None, repr=False, compare=False
    )
    # The macro events between as_of and the last layer expiry (no pandas: plain dates).
    events: tuple[EventRow, ...] = ()
    # Layer-expiry warnings need business days (the exchange calendar, i.e. pandas): lazy.
    event_source: Callable[[], tuple[str, ...]] | None = field(default=None, repr=False, compare=False)

    @property
    def market(self) -> MarketSnapshot:
        return self.plan.market

    @cached_property
    def _roll_result(self) -> tuple[tuple[RollStep, ...], tuple[str, ...]]:
        return self.roll_source() if self.roll_source is not None else ((), ())

    @property
    def rolls(self) -> tuple[RollStep, ...]:
        """The roll schedule, in date order (frozen RollStep rows)."""
        return self._roll_result[0]

    @property
    def roll_warnings(self) -> tuple[str, ...]:
        return self._roll_result[1]

    @property
    def roll_cost_usd(self) -> float:
        return float(sum(r.cost_usd for r in self.rolls))

    @property
    def roll_cost_tenor_held_usd(self) -> float:
        return float(sum(r.cost_tenor_held_usd for r in self.rolls))

    @cached_property
    def calendar_warnings(self) -> tuple[str, ...]:
        """Futures and layer expiries that are no VIX expiry date (needs the exchange
        calendar, i.e. pandas: computed on first access, like the rolls)."""
        from .months import calendar_warnings

        return calendar_warnings(self.plan, [layer.expiry for layer in self.layers])

    @property
    def all_warnings(self) -> tuple[str, ...]:
        """Every warning: the valuation's, the roll schedule's and the calendar's."""
        return self.warnings + self.roll_warnings + self.calendar_warnings + self.event_warnings

    @property
    def signals(self):
        """The entry signals at as_of with their record (:class:`kit.SignalReadout`). The
        first read loads the daily history (pandas): never on the app's event loop."""
        from .kit import signals_at

        return signals_at(self.plan.market.as_of)

    @cached_property
    def event_warnings(self) -> tuple[str, ...]:
        """Layers that expire 1-2 business days before a scheduled FOMC or CPI day."""
        return self.event_source() if self.event_source is not None else ()


# -- exposure --------------------------------------------------------------

def var_stress_scenario(exposure: Exposure, vix_spot: float, var: VarBreakdown | None = None) -> Scenario:
    """What CAPM says the market did given a VaR-sized loss of the exposure.

    The exposure loses VaR (its return is ``-VaR / notional``); the S&P moves by the
    conditional expectation ``rho sigma_m / sigma_e x (-VaR %)`` and the VIX goes to the
    level the plan's elasticity ties to it, capped at the ceiling (``exposure.py``). With
    ``beta_spx = 0`` (and no stress correlation) the VIX does not move: the hedge cannot help.
    """
    var = var_breakdown(exposure, vix_spot) if var is None else var
    return Scenario(VAR_STRESS_NAME, spot_level=var.var_vix_level, exposure_return=-var.var_pct, kind="stress")


# -- the valuation ---------------------------------------------------------

def _roll_schedule_of(plan: Plan, pos, contracts: np.ndarray) -> tuple[tuple[RollStep, ...], tuple[str, ...]]:
    rolled, expiries, strikes = roll_inputs(plan, pos)  # every leg a pseudo-layer
    return roll_schedule(rolled, expiries, strikes, contracts)


def default_scenarios(warnings: list[str] | None = None, mode: str = "level") -> tuple[Scenario, ...]:
    """The library episodes (replays, ``mode`` "level" or "move") followed by the parametric presets."""
    try:
        library = library_scenarios(mode=mode)
    except (OSError, ValueError) as error:
        if warnings is not None:
            warnings.append(f"episode library unavailable ({error}); scenarios are the presets only")
        library = ()
    return tuple(library) + PRESETS


def resolve_stress(plan: Plan, scenarios: tuple[Scenario, ...], warnings: list[str], var: VarBreakdown | None = None) -> Scenario:
    """The plan's reference stress: ``sizing.stress_scenario`` by name, episode id or the
    start of a name ("Mar 2020") among ``scenarios`` (and the library and presets),
    default the VaR-sized loss."""
    stress = var_stress_scenario(plan.exposure, plan.market.vix_spot, var)
    wanted = plan.sizing.stress_scenario
    if not wanted or wanted.strip().casefold() in (VAR_STRESS_NAME.casefold(), "var"):
        return stress
    found = find_scenario(wanted, scenarios) or find_scenario(wanted, default_scenarios(mode=plan.scenarios.replay))
    if found is None:
        warnings.append(f"stress scenario {wanted!r} is unknown; using {VAR_STRESS_NAME!r}")
        return stress
    from dataclasses import replace

    return replace(found, kind="stress")


def value_plan(
    plan: Plan,
    scenario: Scenario = NO_SCENARIO,
    horizon_days: int | None = None,
    scenarios: tuple[Scenario, ...] | None = None,
    grid_points: int = 161,
    rolls: bool = True,
) -> Valuation:
    """Price every layer, size the hedge, run the scenario set, the payoff grid and the rolls.

    ``shock`` is the active scenario (it drives the curve overlay and the payoff chart's
    vol scale); ``horizon_days`` is the payoff chart's horizon (default: the shock's days
    forward). ``scenarios`` defaults to the library episodes plus the parametric presets;
    the reference stress is always the first row. ``rolls=False`` skips the roll schedule
    (its first use loads the exchange calendar, i.e. pandas).
    """
    market = plan.market
    warnings: list[str] = []
    # Every option: the layers' long calls first (positions 0..L-1), then their legs.
    pos = resolve_positions(plan)
    n_layers = len(plan.layers)
    expiries = list(pos.expiries[:n_layers])
    dte, future, strike = pos.dte, pos.future, pos.strike
    per_layer = pos.by_layer(n_layers)  # (P, L) signed contracts per long contract
    uncovered = uncovered_warnings(plan, pos)
    warnings.extend(uncovered.values())
    warnings += expiry_warnings(plan.layers, expiries, market)
    T = dte / 365.0
    vol = market.vol.vol(strike, future, dte)
    greeks = black76(future, strike, T, market.rate, vol, True)
    price = greeks.price

    var = var_breakdown(plan.exposure, market.vix_spot)
    var_usd = var.var_usd
    scenario_set = default_scenarios(warnings, mode=plan.scenarios.replay) if scenarios is None else tuple(scenarios)
    stress = resolve_stress(plan, scenario_set, warnings, var)
    rest = tuple(s for s in scenario_set if s.name != stress.name)
    all_scenarios = (stress,) + rest

    # One vectorised evaluation of the whole scenario set and the payoff grid's levels;
    # row 0 (the stress) also sizes the hedge.
    inputs = LayerInputs(dte, future, strike, price, np.zeros_like(price))
    horizon = scenario.days_forward if horizon_days is None else horizon_days
    levels = grid_levels(market.vix_spot, grid_points)
    n_s, n_g = len(all_scenarios), len(levels)
    targets, scales, days, rolled = scenario_arrays(all_scenarios, market.vix_spot, market.vol)
    override = replay_futures(inputs, all_scenarios)
    grid_override = replay_grid_futures(inputs, scenario, levels, market.vix_spot) if scenario.replay is not None else None
    if override is not None or grid_override is not None:
        if override is None:
            override = np.full((n_s, len(dte)), np.nan)
        if grid_override is None:
            grid_override = np.full((n_g, len(dte)), np.nan)
        override = np.vstack([override, grid_override])
    grid_scale = scenario.replay_vol_scale(market.vol)
    all_prices = scenario_prices(
        inputs,
        market.vix_spot,
        market.rate,
        market.vol,
        np.concatenate([targets, levels]),
        np.concatenate([scales, np.full(n_g, grid_scale)]),
        np.concatenate([days, np.full(n_g, float(horizon))]),
        forward=market.forward,
        future_override=override,
        roll_to_spot=np.concatenate([rolled, np.full(n_g, scenario.hold == "tenor")]),
    )
    prices, grid_prices = all_prices[:n_s], all_prices[n_s:]
    gain_per_contract = (prices - price) * CONTRACT_MULTIPLIER  # (S, P) USD per contract
    # Per long contract of each layer, net of its legs: the price and the stress gain.
    unit_price = price @ per_layer
    stress_gain = gain_per_contract[0] @ per_layer
    rets, basis = exposure_returns(plan.exposure, market.vix_spot, all_scenarios, targets)

    # The target: a share of VaR for the VaR stress; of the exposure's loss in the named
    # scenario otherwise.
    notional = plan.exposure.notional_usd
    if stress.name == VAR_STRESS_NAME:
        target_basis, target_base = "VaR", var_usd
    else:
        target_basis, target_base = f"the exposure's loss in {stress.name}", max(-float(rets[0]) * notional, 0.0)
        if target_base <= 0.0:
            warnings.append(f"the exposure does not lose in the stress scenario {stress.name!r}: the coverage target is zero")
    target_usd = plan.exposure.coverage_target * target_base

    weights = np.array([layer.weight for layer in plan.layers], dtype=float)
    layer_contracts, budget = size_layers(plan, unit_price, weights, stress_gain, target_usd, warnings)
    contracts = pos.contracts(layer_contracts)  # signed, every position
    contracts_f = contracts.astype(float)

    premium = price * CONTRACT_MULTIPLIER * contracts_f  # signed, every position
    net_premium = premium @ (per_layer != 0.0)  # per layer
    # Unspent budget: from the premium paid, legs rounded to whole contracts included.
    leftover = None if budget is None else budget - float(net_premium.sum())
    mult = CONTRACT_MULTIPLIER * contracts_f
    totals = Totals(
        contracts=int(layer_contracts.sum()),
        premium_usd=float(premium.sum()),
        delta_usd=float((greeks.delta * mult).sum()),
        gamma_usd=float((greeks.gamma * mult).sum()),
        vega_usd=float((greeks.vega * mult).sum()),
        theta_usd=float((greeks.theta * mult).sum()),
    )
    def priced(p: int) -> dict:
        """The figures every option has (position ``p``), leg or long call."""
        return dict(
            expiry=pos.expiries[p],
            dte=int(dte[p]),
            future=float(future[p]),
            strike=float(strike[p]),
            vol=float(vol[p]),
            price=float(price[p]),
            delta=float(greeks.delta[p]),
            gamma=float(greeks.gamma[p]),
            vega=float(greeks.vega[p]),
            theta=float(greeks.theta[p]),
            premium_usd=float(premium[p]),
        )

    layers = tuple(
        LayerValue(
            **priced(i),
            contracts=int(contracts[i]),
            name=layer.name,
            weight=layer.weight,
            legs=tuple(
                LegValue(
                    **priced(int(p)),
                    contracts=int(abs(contracts[p])),
                    side=layer.legs[pos.leg[p]].side,
                    ratio=float(layer.legs[pos.leg[p]].ratio),
                )
                for p in np.flatnonzero((pos.owner == i) & (pos.leg >= 0))
            ),
            net_premium_usd=float(net_premium[i]) if layer.legs else None,
            uncovered=i in uncovered,
        )
        for i, layer in enumerate(plan.layers)
    )
    inputs = LayerInputs(dte, future, strike, price, contracts_f)

    achieved = float(gain_per_contract[0] @ contracts_f)
    layer_dte = dte[:n_layers]
    tolerance = float(stress_gain[stress_gain > 0.0].max()) if np.any(stress_gain > 0.0) else 0.0
    reached = coverage_reached(
        plan.sizing.mode, target_usd, achieved, tolerance, float(premium.sum()), stress.name, float(targets[0]), warnings
    )
    annualised = float((net_premium * 365.0 / np.maximum(layer_dte, 1.0)).sum()) / notional if n_layers else 0.0
    sizing = SizingResult(
        mode=plan.sizing.mode,
        stress_scenario=stress.name,
        target_usd=target_usd,
        achieved_usd=achieved,
        achieved_coverage=achieved / var_usd if var_usd > 0 else 0.0,
        budget_usd=budget,
        leftover_usd=leftover,
        premium_pct_notional=totals.premium_usd / notional,
        premium_pct_annualised=annualised,
        stress_description=stress.describe(),
        stress_kind=stress.kind,
        gain_per_contract_usd=tuple(float(g) for g in stress_gain),
        tolerance_usd=tolerance,
        premium_usd=totals.premium_usd,
        funding_cost_usd=funding_cost(net_premium, layer_dte, plan.exposure.funding_rate),
        target_basis=target_basis,
        target_base_usd=target_base,
        target_reached=reached,
    )

    hedge = gain_per_contract @ contracts_f
    results = _results(plan, all_scenarios, targets, hedge, rets, basis)

    payoff = payoff_grid(plan, inputs, scenario, horizon, levels, grid_prices)

    # The schedule is worked out on first use, from copies of today's contracts.
    roll_source = partial(_roll_schedule_of, plan, pos, contracts.copy()) if rolls else None

    events, event_source = plan_events(plan, expiries, warnings)

    regime = market.regime()
    longs = slice(0, n_layers)  # the read-out compares the layers' long calls with calm
    held = contracts_f[longs] if contracts_f[longs].sum() > 0 else weights
    readout = regime_readout(
        market, regime, [x.name for x in plan.layers], dte[longs], future[longs], strike[longs], price[longs], held
    )

    return Valuation(
        plan=plan,
        regime=regime,
        layers=layers,
        totals=totals,
        var_usd=var_usd,
        sizing=sizing,
        scenario=scenario,
        scenario_curve=scenario_curve(market, scenario),
        scenarios=results,
        payoff=payoff,
        warnings=tuple(warnings),
        var=var,
        stress=stress,
        regime_readout=readout,
        roll_source=roll_source,
        events=events,
        event_source=event_source,
    )


def _results(plan: Plan, all_scenarios, targets, hedge, rets, basis) -> tuple[ScenarioResult, ...]:
    notional = plan.exposure.notional_usd
    out = []
    for i, s in enumerate(all_scenarios):
        exp_pnl = float(notional * rets[i])
        h = float(hedge[i])
        out.append(
            ScenarioResult(
                name=s.name,
                description=s.describe(),
                kind=s.kind,
                target_spot=float(targets[i]),
                hedge_pnl_usd=h,
                exposure_pnl_usd=exp_pnl,
                net_pnl_usd=h + exp_pnl,
                coverage=coverage_ratio(h, exp_pnl),
                exposure_return=float(rets[i]),
                exposure_basis=basis[i],
                vol_scale=float(s.vol_scale),
                days_forward=int(s.days_forward),
                episode_id=s.episode_id,
                start=s.start,
                end=s.end,
                replay=s.replay,
                scenario=s,
            )
        )
    return tuple(out)
