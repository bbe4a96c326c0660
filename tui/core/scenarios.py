"""Market shocks and how a plan's layers and exposure respond to them.

A shock moves spot VIX; each future moves by the spot move times a tenor beta that
decays with days to expiry, ``beta(d) = b_long + (1 - b_long) * exp(-d / tau)`` (a future
at expiry *is* spot, so beta(0) = 1). Shocks can also scale implied vols, move time
forward and override the exposure's return (crypto events the VIX did not see).

Everything is vectorised: a set of S scenarios on L layers is one (S, L) Black-76 call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .black76 import black76

# Tenor beta: one function and its defaults, fitted on the historical episodes.
from .episodes import DEFAULT_TENOR_BETA_LONG as DEFAULT_BETA_LONG
from .episodes import DEFAULT_TENOR_TAU_DAYS as DEFAULT_TAU_DAYS
from .episodes import tenor_beta  # noqa: F401  (re-exported: the engine's beta)

# The S&P 500 move that goes with a VIX move: SPX' / SPX = (VIX' / VIX) ** (-1 / k).
# k = 6 is a planning anchor: COVID (VIX x5.7, SPX -30 %) fits k ~ 5; milder spikes fit
# larger k (a VIX spike overstates the equity move), so 6 errs toward a bigger exposure loss.
DEFAULT_VIX_ELASTICITY = 6.0


def spx_return_for_vix(vix_from, vix_to, elasticity: float = DEFAULT_VIX_ELASTICITY) -> np.ndarray:
    ratio = np.asarray(vix_to, dtype=float) / np.asarray(vix_from, dtype=float)
    return np.power(ratio, -1.0 / elasticity) - 1.0


@dataclass(frozen=True)
class Shock:
    """One scenario. ``spot_level`` (if set) wins over ``spot_shift``."""

    name: str
    spot_shift: float = 0.0
    spot_level: float | None = None
    vol_scale: float = 1.0
    days_forward: int = 0
    exposure_return: float | None = None
    kind: str = "parametric"  # "parametric" | "historical"

    def target_spot(self, spot: float) -> float:
        level = self.spot_level if self.spot_level is not None else spot + self.spot_shift
        return max(level, 0.01)  # the VIX cannot go to or below zero

    def describe(self) -> str:
        parts = []
        if self.spot_level is not None:
            parts.append(f"VIX to {self.spot_level:g}")
        elif self.spot_shift:
            parts.append(f"VIX {self.spot_shift:+g}")
        if self.vol_scale != 1.0:
            parts.append(f"vol x{self.vol_scale:g}")
        if self.days_forward:
            parts.append(f"+{self.days_forward}d")
        if self.exposure_return is not None:
            parts.append(f"exposure {self.exposure_return:+.0%}")
        return ", ".join(parts) or "no change"


NO_SHOCK = Shock("Today")

PRESETS: tuple[Shock, ...] = (
    Shock("VIX +5", spot_shift=5.0),
    Shock("VIX +10", spot_shift=10.0),
    Shock("VIX +20", spot_shift=20.0),
    Shock("VIX to 50", spot_level=50.0, vol_scale=1.2),
    Shock("VIX -5", spot_shift=-5.0),
    Shock("Vol x1.5", vol_scale=1.5),
    Shock("30 days, no move", days_forward=30),
    Shock("Crypto -30 %, VIX flat", exposure_return=-0.30),
)


@dataclass(frozen=True)
class LayerInputs:
    """What a repricing needs of each layer, as arrays of length L."""

    dte: np.ndarray  # days to expiry today
    future: np.ndarray
    strike: np.ndarray
    price: np.ndarray  # today's price per option
    contracts: np.ndarray


def shocked_prices(
    layers: LayerInputs,
    spot: float,
    rate: float,
    vol_model,
    target_spot: np.ndarray,
    vol_scale: np.ndarray,
    days_forward: np.ndarray,
    tau_days: float = DEFAULT_TAU_DAYS,
    beta_long: float = DEFAULT_BETA_LONG,
) -> np.ndarray:
    """Layer option prices under S shocks, shape broadcast(S..., L).

    ``target_spot``, ``vol_scale`` and ``days_forward`` broadcast against each other and
    gain a trailing layer axis. Layers that expire within ``days_forward`` are worth
    their intrinsic value against the shocked spot.
    """
    target = np.asarray(target_spot, dtype=float)[..., None]
    scale = np.asarray(vol_scale, dtype=float)[..., None]
    fwd_days = np.asarray(days_forward, dtype=float)[..., None]
    move = target - spot
    shocked_future = np.maximum(layers.future + move * tenor_beta(layers.dte, tau_days, beta_long), 0.01)
    remaining = layers.dte - fwd_days
    # Once expired the option settled against the (shocked) spot, not its future.
    underlying = np.where(remaining <= 0.0, target, shocked_future)
    vol = vol_model.vol(layers.strike, underlying, remaining, scale)
    return black76(underlying, layers.strike, remaining / 365.0, rate, vol, True).price


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    description: str
    kind: str
    target_spot: float
    hedge_pnl_usd: float
    exposure_pnl_usd: float
    net_pnl_usd: float
    coverage: float | None  # hedge gain / exposure loss; None when the exposure did not lose


def coverage_ratio(hedge_pnl: float, exposure_pnl: float) -> float | None:
    if exposure_pnl >= 0.0:
        return None
    return hedge_pnl / -exposure_pnl
