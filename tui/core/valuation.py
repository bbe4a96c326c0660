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
from .exposure import (  # noqa: F401  (value_at_risk and exposure_pnl are re-exported)
    VarBreakdown,
    exposure_pnl,
    exposure_returns,
    value_at_risk,
    var_breakdown,
)
from .kit import funding_cost, plan_events
from .legs import resolve_positions, roll_inputs, uncovered_warnings
from .limits import MAX_CONTRACTS
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

VAR_STRESS_NAME = "VaR-sized loss"


def usd_text(x: float) -> str:
    """Money for a warning: $1.23M, $45.6k, $812."""
    a = abs(x)
    sign = "-" if x < 0 else ""
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.2f}M"
    if a >= 1e4:
        return f"{sign}${a / 1e3:,.1f}k"
    return f"{sign}${a:,.0f}"


@dataclass(frozen=True)
class LegValue:
    """One financing leg of a layer, priced (per option; ``contracts`` is a count >= 0)."""

    side: str
    expiry: date
    dte: int
    future: float
    strike: float
    ratio: float
    vol: float
    price: float
    delta: float
    gamma: float
    vega: float
    theta: float
    contracts: int
    premium_usd: float  # signed: negative for a short leg (premium received)


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
    premium_usd: float  # the long call's premium: price x 100 x contracts
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
class SizingResult:
    mode: str
    stress_scenario: str  # the stress scenario's name (a row of the scenario table)
    target_usd: float  # coverage_target x VaR
    achieved_usd: float  # hedge gain in the stress scenario
    achieved_coverage: float  # achieved / VaR
    budget_usd: float | None
    leftover_usd: float | None  # budget not spent because contracts are whole
    premium_pct_notional: float
    # Each layer's premium spread over its own life, summed: sum(premium_i x 365 / dte_i)
    # / notional -- the yearly cost of keeping every layer on by buying it again at today's
    # price when it expires (ignoring what a roll recovers).
    premium_pct_annualised: float
    stress_description: str = ""
    stress_kind: str = ""
    gain_per_contract_usd: tuple[float, ...] = ()  # stress gain of one contract of each layer
    tolerance_usd: float = 0.0  # one contract's stress P&L: the whole-contract rounding bound
    premium_usd: float = 0.0
    # The carry cost of the premium over each layer's life at exposure.funding_rate
    # (0 when no rate is set); see kit.funding_cost.
    funding_cost_usd: float = 0.0
    # What the target is a share of: "VaR", or "the exposure's loss in <episode>" when
    # sizing.stress_scenario names a scenario; and that loss in USD.
    target_basis: str = "VaR"
    target_base_usd: float = 0.0
    target_reached: bool = True  # False: coverage mode cannot reach its target (a warning says why)

    @property
    def achieved_of_target(self) -> float | None:
        """Achieved stress gain / target (1.0 = on target)."""
        return self.achieved_usd / self.target_usd if self.target_usd > 0 else None


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


def _layer_inputs(plan: Plan) -> tuple[list[date], np.ndarray, np.ndarray, np.ndarray]:
    """The layers' long calls only (their legs: :func:`legs.resolve_positions`)."""
    pos = resolve_positions(plan)
    n = len(plan.layers)
    return list(pos.expiries[:n]), pos.dte[:n], pos.future[:n], pos.strike[:n]


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
    levels = _grid_levels(market.vix_spot, grid_points)
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
    layer_contracts, budget, leftover = _size(plan, unit_price, weights, stress_gain, target_usd, warnings)
    contracts = pos.contracts(layer_contracts)  # signed, every position
    contracts_f = contracts.astype(float)

    premium = price * CONTRACT_MULTIPLIER * contracts_f  # signed, every position
    net_premium = premium @ (per_layer != 0.0)  # per layer
    if budget is not None and n_layers:
        leftover = budget - float(net_premium.sum())
    mult = CONTRACT_MULTIPLIER * contracts_f
    totals = Totals(
        contracts=int(layer_contracts.sum()),
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
            legs=tuple(
                LegValue(
                    side=layer.legs[pos.leg[p]].side,
                    expiry=pos.expiries[p],
                    dte=int(dte[p]),
                    future=float(future[p]),
                    strike=float(strike[p]),
                    ratio=float(layer.legs[pos.leg[p]].ratio),
                    vol=float(vol[p]),
                    price=float(price[p]),
                    delta=float(greeks.delta[p]),
                    gamma=float(greeks.gamma[p]),
                    vega=float(greeks.vega[p]),
                    theta=float(greeks.theta[p]),
                    contracts=int(abs(contracts[p])),
                    premium_usd=float(premium[p]),
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
    reached = True
    if plan.sizing.mode == "coverage" and target_usd > 0.0 and achieved < target_usd - tolerance - 1e-6:
        reached = False
        warnings.append(
            f"coverage sizing cannot reach its target: {usd_text(achieved)} of {usd_text(target_usd)} "
            f"({achieved / target_usd:.1%}) in the stress scenario {stress.name!r}"
        )
    if plan.sizing.mode == "coverage" and target_usd > 0.0 and float(premium.sum()) > target_usd:
        warnings.append(
            f"coverage sizing pays {usd_text(float(premium.sum()))} of premium for a stress gain of {usd_text(achieved)}: "
            f"the hedge gains little in the stress scenario {stress.name!r} (VIX {float(targets[0]):.2f})"
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

    payoff = _payoff_grid(plan, inputs, scenario, horizon, levels, grid_prices)

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


def _size(plan, price, weights, stress_gain, target_usd, warnings):
    mode = plan.sizing.mode
    budget = plan.sizing.premium_usd
    if mode == "contracts":
        contracts = np.array([layer.contracts or 0 for layer in plan.layers], dtype=np.int64)
        return contracts, None, None
    cost = price * CONTRACT_MULTIPLIER
    affordable = cost >= MIN_CONTRACT_USD
    for i in np.flatnonzero(~affordable):
        if plan.layers[i].legs:
            warnings.append(f"layer {plan.layers[i].name!r} costs nothing net (its legs bring in as much as the long call costs); it gets no contracts")
        else:
            warnings.append(f"layer {plan.layers[i].name!r} is worth nothing at this strike; it gets no contracts")
    if mode == "budget":
        budget = float(budget or 0.0)
        wanted = np.where(affordable, budget * weights / np.where(affordable, cost, 1.0), 0.0)
        contracts = _whole_contracts(np.floor(wanted + 1e-9), warnings)
        for i in np.flatnonzero(affordable & (weights > 0) & (contracts == 0)):
            share = budget * weights[i]
            shown = f"${share:,.2f}" if share >= 0.01 else f"${share:.2g}"
            warnings.append(
                f"the budget buys no contract of layer {plan.layers[i].name!r}: its share "
                f"{shown} is less than one contract (${cost[i]:,.2f})"
            )
        leftover = budget - float((contracts * cost).sum())
        return contracts, budget, leftover
    return coverage_contracts(target_usd, cost, weights, stress_gain, affordable, warnings), None, None


# An option worth less than the 0.01-point minimum price (1 USD a contract) is treated
# as worthless: dividing a budget by it would buy an absurd number of contracts.
MIN_CONTRACT_USD = 1.0


def _whole_contracts(wanted: np.ndarray, warnings: list[str]) -> np.ndarray:
    """Clip to the most contracts a plan file may hold, before the int64 cast can wrap."""
    if np.any(wanted > MAX_CONTRACTS):
        warnings.append(f"sizing asked for more than {MAX_CONTRACTS:,} contracts in a layer; capped there")
    return np.minimum(np.maximum(wanted, 0.0), MAX_CONTRACTS).astype(np.int64)


def coverage_contracts(target, cost, weights, stress_gain, affordable=None, warnings=None) -> np.ndarray:
    """Whole contracts, split by weight in premium, whose stress gain is within one
    contract's gain of ``target``.

    The stress gain of a premium P split by the layer weights is linear in P,
    ``P x sum_i w_i / cost_i x gain_i``, so the premium that meets the target is the target
    over that sum. The contracts are then floored, and whole contracts are added one at a
    time to the layer (among those that gain in the stress) whose premium is furthest below
    its weight's share, until the gain reaches the target. The result is the closer of the
    last two steps, so ``|achieved - target| <= max_i gain_i`` (one contract's P&L) -- unless
    the contract limit stops it first (the caller warns).
    """
    warnings = [] if warnings is None else warnings
    n = len(cost)
    if affordable is None:
        affordable = cost >= MIN_CONTRACT_USD
    safe_cost = np.where(affordable, cost, 1.0)
    per_dollar = np.where(affordable, weights * stress_gain / safe_cost, 0.0)
    gain_per_dollar = float(per_dollar.sum())
    if target <= 0.0:
        return np.zeros(n, dtype=np.int64)
    if gain_per_dollar <= 0.0 or not np.any(affordable & (stress_gain >= MIN_CONTRACT_USD)):
        warnings.append(
            "coverage sizing cannot reach its target: no layer gains as much as $1 a contract in the stress scenario; "
            "it buys nothing"
        )
        return np.zeros(n, dtype=np.int64)
    premium = target / gain_per_dollar
    contracts = _whole_contracts(np.floor(np.where(affordable, premium * weights / safe_cost, 0.0) + 1e-9), warnings)
    gains = np.where(affordable, stress_gain, 0.0)
    achieved = float(gains @ contracts)
    useful = affordable & (gains > 0.0)
    # Greedy top-up: at most sum(weights x ...) < number of layers contracts per layer.
    for _ in range(100000):
        if achieved >= target or contracts.max() >= MAX_CONTRACTS:
            break
        spent = contracts * cost
        total = float(spent.sum()) or 1.0
        lag = np.where(useful, weights - spent / total, -np.inf)
        i = int(np.argmax(lag))
        before = achieved
        contracts[i] += 1
        achieved += float(gains[i])
        if achieved >= target and (target - before) < (achieved - target):
            contracts[i] -= 1  # the step before was closer
            break
    return contracts


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


def _grid_levels(spot: float, points: int) -> np.ndarray:
    lo = max(5.0, 0.5 * spot)
    hi = max(2.5 * spot, lo + 40.0)
    return np.linspace(lo, hi, points)


def _payoff_grid(plan: Plan, inputs: LayerInputs, scenario: Scenario, horizon: int, levels=None, prices=None) -> PayoffGrid:
    """Hedge, exposure and net P&L against the VIX level at ``horizon`` days, with the
    active shock's vol scale and exposure override (prices may be given, computed with
    the scenario set in one call)."""
    spot = plan.market.vix_spot
    if levels is None:
        levels = _grid_levels(spot, 161)
    if prices is None:
        n = len(levels)
        prices = scenario_prices(
            inputs, spot, plan.market.rate, plan.market.vol, levels, np.full(n, scenario.vol_scale), np.full(n, float(horizon)),
            forward=plan.market.forward,
        )
    hedge = (prices - inputs.price) @ (inputs.contracts * CONTRACT_MULTIPLIER)
    exposure = exposure_pnl(plan.exposure, spot, levels, scenario.exposure_return)
    return PayoffGrid(int(horizon), levels, hedge, exposure, hedge + exposure, zero_crossings(levels, hedge))


def zero_crossings(x: np.ndarray, y: np.ndarray) -> tuple[float, ...]:
    """Where a sampled curve crosses zero, linearly interpolated; a touch counts once."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(y) == 0:
        return ()
    sign = np.sign(y)
    zero = np.flatnonzero(sign == 0.0)
    i = np.flatnonzero(sign[:-1] * sign[1:] < 0.0)
    crossing = x[i] - y[i] * (x[i + 1] - x[i]) / (y[i + 1] - y[i])
    found = np.concatenate([x[zero], crossing])
    order = np.argsort(np.concatenate([zero.astype(float), i + 0.5]), kind="stable")
    return tuple(float(v) for v in found[order])
