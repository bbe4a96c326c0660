"""The payoff grid: hedge, exposure and net P&L against the VIX level at a horizon."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .exposure import exposure_pnl
from .plan import CONTRACT_MULTIPLIER, Plan
from .scenarios import LayerInputs, Scenario


@dataclass(frozen=True)
class PayoffGrid:
    horizon_days: int
    levels: np.ndarray  # VIX spot levels
    hedge_usd: np.ndarray
    exposure_usd: np.ndarray
    net_usd: np.ndarray
    breakevens: tuple[float, ...]  # VIX levels where the hedge P&L crosses zero


def grid_levels(spot: float, points: int) -> np.ndarray:
    """The VIX levels the grid is drawn at: from half of spot (at least 5) to 2.5 x spot
    (at least 40 points higher)."""
    lo = max(5.0, 0.5 * spot)
    hi = max(2.5 * spot, lo + 40.0)
    return np.linspace(lo, hi, points)


def payoff_grid(plan: Plan, held: LayerInputs, scenario: Scenario, horizon: int, levels: np.ndarray, prices: np.ndarray) -> PayoffGrid:
    """Hedge, exposure and net P&L against the VIX level at ``horizon`` days, with the
    active scenario's exposure override; ``prices`` (levels x options) are the options'
    prices at each level, computed with the scenario set in one call."""
    spot = plan.market.vix_spot
    hedge = (prices - held.price) @ (held.contracts * CONTRACT_MULTIPLIER)
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
