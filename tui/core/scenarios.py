"""Market shocks and how a plan's layers and exposure respond to them.

**Parametric shocks.** A shock moves spot VIX (by points or to a level); each future moves by
the spot move times a tenor beta that decays with days to expiry,
``beta(d) = b_long + (1 - b_long) * exp(-d / tau)`` (a future at expiry *is* spot, so
beta(0) = 1; tau = 40 d and b_long = 0.21 are fitted on the episode library, see
``episodes.py``). Shocks can also scale implied vols, move time forward and override the
exposure's return (crypto events the VIX did not see).

*Days forward* hold the curve by tenor ("constant-maturity" curve held): after ``t`` days a
future with ``d`` days left sits where today's curve is at ``d - t`` days, so a long call
earns the roll-down in backwardation and pays it in contango; the spot shock is then applied
with the beta of the remaining tenor. Layers that expired meanwhile are worth their
intrinsic value against the shocked spot (the curve at 0 days *is* spot, so the two agree).

**Historical replays** (:func:`episode_shock`). An episode of ``sample_data/episodes.toml``
becomes a shock of *relative moves applied to today's plan*, all in VIX points:

* each layer's future moves by the episode's per-contract settle change, matched by tenor as
  of the episode's start (a layer with ``d`` days to expiry today gets the change of a
  contract that had ``d`` days at the start, linearly interpolated between the listed
  contracts, spot's own move at 0 days, flat beyond the last contract);
* spot VIX moves by the episode's VIX move in points (not to its level, and not by its
  ratio: +69 points on a VIX of 38 is already extreme, x6 would be absurd);
* time moves forward by the episode's window (the matched contracts' changes include their
  own ageing over the window, so the curve is not rolled down on top of it); layers that
  expire inside the window settle at intrinsic against today's spot plus the VIX move;
* option vols are scaled by ``vvix_after / vvix_before`` where the library has VVIX;
* the exposure moves by BTC's return over the window for a crypto exposure
  (``exposure.btc_beta > 0``) where the library has BTC, else by the S&P move implied by the
  episode's own VIX ratio (see ``exposure.py``).

Everything is vectorised: a set of S scenarios on L layers is one (S, L) Black-76 call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

import numpy as np

from .black76 import black76

# Tenor beta: one function and its defaults, fitted on the historical episodes.
from .episodes import DEFAULT_TENOR_BETA_LONG as DEFAULT_BETA_LONG
from .episodes import DEFAULT_TENOR_TAU_DAYS as DEFAULT_TAU_DAYS
from .episodes import Episode, load_episodes
from .episodes import tenor_beta  # noqa: F401  (re-exported: the engine's beta)
from .exposure import DEFAULT_SPX_VIX_ELASTICITY, spx_return_for_vix  # noqa: F401  (re-exported)

# Kept for callers of the first version; the plan's exposure.spx_vix_elasticity is used now.
DEFAULT_VIX_ELASTICITY = DEFAULT_SPX_VIX_ELASTICITY

MIN_VIX = 0.01  # the VIX and its futures cannot go to or below zero


@dataclass(frozen=True)
class Shock:
    """One scenario. ``spot_level`` (if set) wins over ``spot_shift``.

    ``curve_moves`` (historical replays) replaces the tenor beta: ``((dte, points), ...)``
    knots of the move of a future by its days to expiry, interpolated per layer.
    """

    name: str
    spot_shift: float = 0.0
    spot_level: float | None = None
    vol_scale: float = 1.0
    days_forward: int = 0
    exposure_return: float | None = None
    kind: str = "parametric"  # "parametric" | "historical" | "stress"
    curve_moves: tuple[tuple[float, float], ...] | None = None
    vix_ratio: float | None = None  # VIX after / before, for the S&P-implied exposure move
    btc_return: float | None = None  # BTC's return over a replay's window
    episode_id: str | None = None
    start: date | None = None
    end: date | None = None

    def target_spot(self, spot: float) -> float:
        level = self.spot_level if self.spot_level is not None else spot + self.spot_shift
        return max(level, MIN_VIX)

    def future_move(self, dte) -> np.ndarray:
        """A replay's move (points) of a future with ``dte`` days to expiry today."""
        knots = self.curve_moves or ((0.0, self.spot_shift),)
        d = np.array([k[0] for k in knots], dtype=float)
        m = np.array([k[1] for k in knots], dtype=float)
        return np.interp(np.asarray(dte, dtype=float), d, m)

    def describe(self) -> str:
        return self._description

    @cached_property
    def _description(self) -> str:
        parts = []
        if self.curve_moves is not None:
            parts.append(f"VIX {self.spot_shift:+.1f} pts, VX curve as {self.start}..{self.end}")
        elif self.spot_level is not None:
            parts.append(f"VIX to {self.spot_level:.2f}")
        elif self.spot_shift:
            parts.append(f"VIX {self.spot_shift:+g}")
        if self.vol_scale != 1.0:
            parts.append(f"vol x{self.vol_scale:.2f}")
        if self.days_forward:
            parts.append(f"+{self.days_forward}d")
        if self.exposure_return is not None:
            parts.append(f"exposure {self.exposure_return:+.0%}")
        if self.btc_return is not None:
            parts.append(f"BTC {self.btc_return:+.1%}")
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
    forward=None,
    future_override: np.ndarray | None = None,
) -> np.ndarray:
    """Layer option prices under S shocks, shape broadcast(S..., L).

    ``target_spot``, ``vol_scale`` and ``days_forward`` broadcast against each other and
    gain a trailing layer axis. ``forward`` is today's curve as a function of days
    (``MarketSnapshot.forward``): with it, time moving forward rolls each future down the
    curve held by tenor; without it each future is held where it is. ``future_override``
    (same shape as the result, NaN where unused) sets a shocked future directly (replays).
    Layers that expire within ``days_forward`` are worth their intrinsic value against the
    shocked spot.
    """
    target = np.asarray(target_spot, dtype=float)[..., None]
    scale = np.asarray(vol_scale, dtype=float)[..., None]
    fwd_days = np.asarray(days_forward, dtype=float)[..., None]
    move = target - spot
    remaining = layers.dte - fwd_days
    tenor = np.maximum(remaining, 0.0)
    if forward is not None and np.any(fwd_days > 0.0):
        base = np.where(fwd_days > 0.0, forward(tenor), layers.future)
    else:
        base = layers.future
    shocked_future = base + move * tenor_beta(tenor, tau_days, beta_long)
    if future_override is not None:
        shocked_future = np.where(np.isnan(future_override), shocked_future, future_override)
    shocked_future = np.maximum(shocked_future, MIN_VIX)
    # Once expired the option settled against the (shocked) spot, not its future.
    underlying = np.where(remaining <= 0.0, target, shocked_future)
    vol = vol_model.vol(layers.strike, underlying, remaining, scale)
    return black76(underlying, layers.strike, remaining / 365.0, rate, vol, True).price


def scenario_arrays(shocks, spot: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(target spot, vol scale, days forward)`` of each shock, arrays of length S."""
    target = np.array([s.target_spot(spot) for s in shocks], dtype=float)
    scale = np.array([s.vol_scale for s in shocks], dtype=float)
    days = np.array([float(s.days_forward) for s in shocks], dtype=float)
    return target, scale, days


def replay_futures(layers: LayerInputs, shocks) -> np.ndarray | None:
    """(S, L) shocked futures of the replays (today's future + the episode's move at the
    layer's tenor), NaN on the other rows; None when the set has no replay."""
    replays = [i for i, s in enumerate(shocks) if s.curve_moves is not None]
    if not replays:
        return None
    override = np.full((len(shocks), len(layers.dte)), np.nan)
    for i in replays:
        override[i] = layers.future + shocks[i].future_move(layers.dte)
    return override


def scenario_prices(layers: LayerInputs, market, shocks, tau_days: float = DEFAULT_TAU_DAYS, beta_long: float = DEFAULT_BETA_LONG):
    """Prices (S, L) of the layers under a whole scenario set, in one Black-76 call.

    Per-scenario Python only builds the inputs (a replay's interpolated curve move);
    the pricing is one vectorised evaluation. Returns ``(prices, target_spots)``.
    """
    spot = market.vix_spot
    target, scale, days = scenario_arrays(shocks, spot)
    override = replay_futures(layers, shocks)
    prices = shocked_prices(
        layers, spot, market.rate, market.vol, target, scale, days, tau_days, beta_long,
        forward=market.forward, future_override=override,
    )
    return prices, target


def shocked_curve(market, shock: Shock, tau_days: float = DEFAULT_TAU_DAYS, beta_long: float = DEFAULT_BETA_LONG):
    """``((dte, level), ...)`` of spot and each listed future under ``shock`` (time held)."""
    target = shock.target_spot(market.vix_spot)
    move = target - market.vix_spot
    points = [(0, target)]
    for f in market.live_futures:
        d = market.dte(f.expiry)
        if shock.curve_moves is not None:
            level = f.settle + float(shock.future_move(d))
        else:
            level = f.settle + move * float(tenor_beta(d, tau_days, beta_long))
        points.append((d, float(max(level, MIN_VIX))))
    return tuple(points)


# -- historical replays ----------------------------------------------------------------------


def episode_shock(ep: Episode) -> Shock:
    """The replay of one library episode as a shock on today's plan (see the module doc)."""
    knots = [(0.0, ep.spot_move)]
    knots += [(float(d), float(m)) for d, m in sorted(ep.tenor_moves(dte_at="before")) if d > 0]
    return Shock(
        name=ep.name,
        spot_shift=ep.spot_move,
        vol_scale=ep.vvix_ratio if ep.vvix_ratio is not None else 1.0,
        days_forward=ep.window_days,
        kind="historical",
        curve_moves=tuple(knots),
        vix_ratio=ep.vix_after / ep.vix_before,
        btc_return=ep.btc_return,
        episode_id=ep.id,
        start=ep.start,
        end=ep.end,
    )


@lru_cache(maxsize=8)
def _library(path: str | None) -> tuple[Shock, ...]:
    return tuple(episode_shock(ep) for ep in load_episodes(path))


def library_shocks(path=None) -> tuple[Shock, ...]:
    """Every episode of the library (default: the bundled one) as a replay shock; cached."""
    return _library(None if path is None else str(path))


def find_shock(name: str, shocks) -> Shock | None:
    """A shock by its name or episode id (case-insensitive)."""
    key = name.strip().casefold()
    for s in shocks:
        if s.name.casefold() == key or (s.episode_id or "").casefold() == key:
            return s
    return None


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
    exposure_return: float | None = None  # the exposure's return used
    exposure_basis: str = ""  # "spx" | "btc" | "override"
    vol_scale: float = 1.0
    days_forward: int = 0
    episode_id: str | None = None
    start: date | None = None
    end: date | None = None
    shock: Shock | None = None  # the shock this row is the result of (picking the row applies it)


def coverage_ratio(hedge_pnl: float, exposure_pnl: float) -> float | None:
    """Hedge gain / exposure loss; None when the exposure did not lose (a cent or more)."""
    if not exposure_pnl <= -0.01:
        return None
    ratio = hedge_pnl / -exposure_pnl
    return ratio if math.isfinite(ratio) else None
