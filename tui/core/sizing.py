"""How many contracts each layer gets: fixed counts, a premium budget split by the layer
weights, or a coverage target met in the stress scenario; and the summary of that sizing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .limits import MAX_CONTRACTS
from .plan import CONTRACT_MULTIPLIER, Plan

# An option worth less than the 0.01-point minimum price (1 USD a contract) is treated
# as worthless: dividing a budget by it would buy an absurd number of contracts.
MIN_CONTRACT_USD = 1.0


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


def usd_text(x: float) -> str:
    """Money for a warning: $1.23M, $45.6k, $812."""
    a = abs(x)
    sign = "-" if x < 0 else ""
    if a >= 1e6:
        return f"{sign}${a / 1e6:,.2f}M"
    if a >= 1e4:
        return f"{sign}${a / 1e3:,.1f}k"
    return f"{sign}${a:,.0f}"


def size_layers(
    plan: Plan, price: np.ndarray, weights: np.ndarray, stress_gain: np.ndarray, target_usd: float, warnings: list[str]
) -> tuple[np.ndarray, float | None]:
    """Whole long contracts per layer by ``plan.sizing.mode``, from each layer's price and
    stress gain per long contract (net of its legs); with the budget (budget mode only).

    What the budget leaves unspent is the caller's to work out from the premium actually
    paid: a leg's contracts are its ratio times the layer's, rounded to whole contracts, so
    ``contracts x price`` here is not quite what is spent."""
    mode = plan.sizing.mode
    if mode == "contracts":
        contracts = np.array([layer.contracts or 0 for layer in plan.layers], dtype=np.int64)
        return contracts, None
    cost = price * CONTRACT_MULTIPLIER
    affordable = cost >= MIN_CONTRACT_USD
    for i in np.flatnonzero(~affordable):
        if plan.layers[i].legs:
            warnings.append(f"layer {plan.layers[i].name!r} costs nothing net (its legs bring in as much as the long call costs); it gets no contracts")
        else:
            warnings.append(f"layer {plan.layers[i].name!r} is worth nothing at this strike; it gets no contracts")
    if mode == "budget":
        budget = float(plan.sizing.premium_usd or 0.0)
        wanted = np.where(affordable, budget * weights / np.where(affordable, cost, 1.0), 0.0)
        contracts = _whole_contracts(np.floor(wanted + 1e-9), warnings)
        for i in np.flatnonzero(affordable & (weights > 0) & (contracts == 0)):
            share = budget * weights[i]
            shown = f"${share:,.2f}" if share >= 0.01 else f"${share:.2g}"
            warnings.append(
                f"the budget buys no contract of layer {plan.layers[i].name!r}: its share "
                f"{shown} is less than one contract (${cost[i]:,.2f})"
            )
        return contracts, budget
    return coverage_contracts(target_usd, cost, weights, stress_gain, affordable, warnings), None


def coverage_reached(
    mode: str, target_usd: float, achieved: float, tolerance: float, premium: float, stress_name: str, stress_vix: float, warnings: list[str]
) -> bool:
    """Whether coverage sizing reached its target (within ``tolerance``, one contract's stress
    gain); warns when it did not, and when it pays more premium than the target it covers."""
    reached = True
    if mode == "coverage" and target_usd > 0.0 and achieved < target_usd - tolerance - 1e-6:
        reached = False
        warnings.append(
            f"coverage sizing cannot reach its target: {usd_text(achieved)} of {usd_text(target_usd)} "
            f"({achieved / target_usd:.1%}) in the stress scenario {stress_name!r}"
        )
    if mode == "coverage" and target_usd > 0.0 and premium > target_usd:
        warnings.append(
            f"coverage sizing pays {usd_text(premium)} of premium for a stress gain of {usd_text(achieved)}: "
            f"the hedge gains little in the stress scenario {stress_name!r} (VIX {stress_vix:.2f})"
        )
    return reached


def _whole_contracts(wanted: np.ndarray, warnings: list[str]) -> np.ndarray:
    """Clip to the most contracts a plan file may hold, before the int64 cast can wrap.

    NaN (0 x inf: a zero weight beside a denormal one makes the premium infinite) is none."""
    wanted = np.nan_to_num(wanted, nan=0.0)
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
    with np.errstate(invalid="ignore", over="ignore"):  # inf x 0: handled as none by _whole_contracts
        wanted = np.floor(np.where(affordable, premium * weights / safe_cost, 0.0) + 1e-9)
    contracts = _whole_contracts(wanted, warnings)
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
