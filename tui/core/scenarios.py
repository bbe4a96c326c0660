"""Market shocks and how a plan's layers and exposure respond to them.

**Parametric shocks.** A shock moves spot VIX (by points or to a level); each future moves by
the spot move times a tenor beta that decays with days to expiry,
``beta(d) = b_long + (1 - b_long) * exp(-d / tau)`` (a future at expiry *is* spot, so
beta(0) = 1; tau = 40 d and b_long = 0.21 are fitted on the episode library, see
``episodes.py``). Shocks can also scale implied vols, move time forward and override the
exposure's return (crypto events the VIX did not see).

*Days forward* are **sticky expiry** by default: each option's own future is unchanged, only
time passes (in the data, a backwardated front month does not "roll up" to spot: on the 169
days with VIX/M1 > 1.1 in 2007-2025, M1's median change to expiry was -1.35 points). A shock
with ``hold="tenor"`` keeps the alternative, "curve rolls to spot": after ``t`` days a future
with ``d`` days left sits where today's curve is at ``d - t`` days. A layer that expires
inside the window settles at its own (shocked) future under sticky expiry, and at the
shocked spot when the curve rolls to spot (the curve at 0 days *is* spot).

**Historical replays** (:func:`episode_scenario`), ``scenarios.replay`` of the plan:

* ``"level"`` (default): **the market the episode ended in**. Each layer's future goes to the
  episode's end level at the layer's tenor (the end-day curve by days to expiry, spot at 0
  days, linear between contracts, flat beyond the last), never below today's future (a
  replay is a stress); spot VIX goes to the episode's end close, never below today's; the
  30-day ATM vol goes to the episode's end VVIX / 100 (VVIX is by construction the 30-day
  implied vol of VIX options), the plan's term and skew shape scaled around it; no time
  passes.
* ``"move"``: the episode's point moves added to today's curve: each future by the settle
  change of the contract that had the same days to expiry at the start, spot by the VIX
  move, time forward by the window, vols times VVIX after / before.

In both, the exposure moves by ``btc_beta`` x BTC's return over the window for a crypto
exposure (``exposure.basis = "crypto"``), by ``beta_spx`` x the S&P 500's return for an
equity one (the episode's own S&P closes; where the library has none, the S&P move implied
by the episode's VIX ratio, see ``exposure.py``).

Everything is vectorised: a set of S scenarios on L layers is one (S, L) Black-76 call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache, partial

import numpy as np

from .black76 import black76

# Tenor beta: one function and its defaults, fitted on the historical episodes.
from .episodes import DEFAULT_TENOR_BETA_LONG as DEFAULT_BETA_LONG
from .episodes import DEFAULT_TENOR_TAU_DAYS as DEFAULT_TAU_DAYS
from .episodes import (
    Episode,
    load_episodes,
    tenor_beta,  # noqa: F401  (re-exported: the engine's beta)
)

MIN_VIX = 0.01  # the VIX and its futures cannot go to or below zero


@dataclass(frozen=True)
class Scenario:
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
    # "expiry": time passes with each option's own future unchanged (sticky expiry);
    # "tenor": the curve is held by tenor, so futures roll toward spot.
    hold: str = "expiry"
    replay: str | None = None  # "level" | "move" for a historical replay
    end_curve: tuple[tuple[float, float], ...] | None = None  # level replay: (dte, level) at the end
    vvix_after: float | None = None  # level replay: the 30-day ATM vol goes to this / 100
    spx_return: float | None = None  # the S&P 500's return over a replay's window

    def target_spot(self, spot: float) -> float:
        level = self.spot_level if self.spot_level is not None else spot + self.spot_shift
        if self.replay == "level":
            level = max(level, spot)  # a replay is a stress: never below today's
        return max(level, MIN_VIX)

    def end_level(self, dte) -> np.ndarray:
        """A level replay's end-of-episode curve at ``dte`` days (spot at 0, flat beyond)."""
        if self.end_curve is None:
            raise ValueError(f"{self.name}: not a level replay, it has no end-of-episode curve")
        d = np.array([k[0] for k in self.end_curve], dtype=float)
        v = np.array([k[1] for k in self.end_curve], dtype=float)
        return np.interp(np.asarray(dte, dtype=float), d, v)

    def replay_vol_scale(self, vol_model) -> float:
        """Level replay: the factor that takes the plan's 30-day ATM vol to VVIX / 100."""
        if self.replay != "level" or self.vvix_after is None:
            return self.vol_scale
        atm30 = float(np.asarray(vol_model.vol(1.0, 1.0, 30.0)))
        return (self.vvix_after / 100.0) / atm30 if atm30 > 0 else 1.0

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
        if self.replay == "level":
            parts.append(f"the market of {self.end}: VIX {self.spot_level:.2f}, VX curve at its end levels (level replay)")
            if self.vvix_after is not None:
                parts.append(f"30-d ATM vol {self.vvix_after / 100:.0%} (VVIX)")
        elif self.curve_moves is not None:
            parts.append(f"VIX {self.spot_shift:+.1f} pts, VX curve moves of {self.start}..{self.end} (move replay)")
        elif self.spot_level is not None:
            parts.append(f"VIX to {self.spot_level:.2f}")
        elif self.spot_shift:
            parts.append(f"VIX {self.spot_shift:+g}")
        if self.vol_scale != 1.0 and self.replay != "level":
            parts.append(f"vol x{self.vol_scale:.2f}")
        if self.days_forward:
            held = "futures held by expiry" if self.hold == "expiry" else "curve rolls to spot"
            parts.append(f"+{self.days_forward}d" + ("" if self.curve_moves is not None else f" ({held})"))
        if self.exposure_return is not None:
            parts.append(f"exposure {self.exposure_return:+.0%}")
        if self.btc_return is not None:
            parts.append(f"BTC {self.btc_return:+.1%}")
        if self.spx_return is not None:
            parts.append(f"S&P {self.spx_return:+.1%}")
        return ", ".join(parts) or "no change"


NO_SCENARIO = Scenario("Today")

PRESETS: tuple[Scenario, ...] = (
    Scenario("VIX +5", spot_shift=5.0),
    Scenario("VIX +10", spot_shift=10.0),
    Scenario("VIX +20", spot_shift=20.0),
    Scenario("VIX to 50", spot_level=50.0, vol_scale=1.2),
    Scenario("VIX -5", spot_shift=-5.0),
    Scenario("Vol x1.5", vol_scale=1.5),
    Scenario("30 days, no move", days_forward=30),
    Scenario("30 days, curve rolls to spot", days_forward=30, hold="tenor"),
    Scenario("Crypto -30 %, VIX flat", exposure_return=-0.30),
)


@dataclass(frozen=True)
class LayerInputs:
    """What a repricing needs of each layer, as arrays of length L."""

    dte: np.ndarray  # days to expiry today
    future: np.ndarray
    strike: np.ndarray
    price: np.ndarray  # today's price per option
    contracts: np.ndarray


def scenario_prices(
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
    roll_to_spot: np.ndarray | None = None,
) -> np.ndarray:
    """Layer option prices under S shocks, shape broadcast(S..., L).

    ``target_spot``, ``vol_scale``, ``days_forward`` (and ``roll_to_spot``) broadcast
    against each other and gain a trailing layer axis. Time passing is sticky expiry: each
    future is held where it is; where ``roll_to_spot`` is true (and ``forward``, today's
    curve as a function of days, is given) it rolls down the curve held by tenor instead.
    ``future_override`` (same shape as the result, NaN where unused) sets a shocked future
    directly (replays). A layer that expires within ``days_forward`` is worth its intrinsic
    value against its shocked future (sticky) or the shocked spot (rolled to spot).
    """
    target = np.asarray(target_spot, dtype=float)[..., None]
    scale = np.asarray(vol_scale, dtype=float)[..., None]
    fwd_days = np.asarray(days_forward, dtype=float)[..., None]
    rolled = np.zeros_like(fwd_days, dtype=bool) if roll_to_spot is None else np.asarray(roll_to_spot, dtype=bool)[..., None]
    move = target - spot
    remaining = layers.dte - fwd_days
    tenor = np.maximum(remaining, 0.0)
    if forward is not None and np.any(rolled & (fwd_days > 0.0)):
        base = np.where(rolled & (fwd_days > 0.0), forward(tenor), layers.future)
    else:
        base = layers.future
    scenario_future = base + move * tenor_beta(tenor, tau_days, beta_long)
    if future_override is not None:
        scenario_future = np.where(np.isnan(future_override), scenario_future, future_override)
    scenario_future = np.maximum(scenario_future, MIN_VIX)
    # Once expired the option settled: against its own future when futures are held by
    # expiry (that future *is* the settlement), against the spot when the curve rolled to it.
    underlying = np.where((remaining <= 0.0) & rolled, target, scenario_future)
    vol = vol_model.vol(layers.strike, underlying, remaining, scale)
    return black76(underlying, layers.strike, remaining / 365.0, rate, vol, True).price


def scenario_arrays(scenarios, spot: float, vol_model=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(target spot, vol scale, days forward, rolls to spot)`` of each shock, arrays of length S.

    A level replay's vol scale depends on the plan's vol model (its 30-day ATM vol)."""
    target = np.array([s.target_spot(spot) for s in scenarios], dtype=float)
    scale = np.array([s.replay_vol_scale(vol_model) if vol_model is not None else s.vol_scale for s in scenarios], dtype=float)
    days = np.array([float(s.days_forward) for s in scenarios], dtype=float)
    # A move replay's expired layers settle at today's spot plus the VIX move, as before.
    rolled = np.array([s.hold == "tenor" or s.replay == "move" for s in scenarios], dtype=bool)
    return target, scale, days, rolled


def replay_futures(layers: LayerInputs, scenarios) -> np.ndarray | None:
    """(S, L) shocked futures of the replays, NaN on the other rows; None when the set has
    no replay. Level: the episode's end level at the layer's tenor, never below today's
    future; move: today's future + the episode's move at the layer's tenor."""
    replays = [i for i, s in enumerate(scenarios) if s.replay is not None]
    if not replays:
        return None
    override = np.full((len(scenarios), len(layers.dte)), np.nan)
    for i in replays:
        s = scenarios[i]
        if s.replay == "level":
            override[i] = np.maximum(layers.future, s.end_level(layers.dte))
        else:
            override[i] = layers.future + s.future_move(layers.dte)
    return override


def replay_grid_futures(layers: LayerInputs, scenario: Scenario, levels: np.ndarray, spot: float) -> np.ndarray:
    """(G, L) futures for a payoff grid under a replay, from the episode's own curve instead
    of the parametric tenor beta. Level: the end curve's shape scaled so that its spot sits
    at each grid level; move: today's futures plus the episode's move per point of its VIX
    move, times the grid level's move from today's spot."""
    levels = np.asarray(levels, dtype=float)[:, None]
    if scenario.replay == "level":
        return np.maximum(levels * (scenario.end_level(layers.dte) / scenario.spot_level)[None, :], MIN_VIX)
    per_point = scenario.future_move(layers.dte) / scenario.spot_shift if scenario.spot_shift else np.zeros_like(layers.dte)
    return np.maximum(layers.future[None, :] + (levels - spot) * per_point[None, :], MIN_VIX)


def scenario_curve(market, scenario: Scenario, tau_days: float = DEFAULT_TAU_DAYS, beta_long: float = DEFAULT_BETA_LONG):
    """``((dte, level), ...)`` of spot and each listed future under ``shock`` (time held);
    a replay draws the episode's own curve."""
    target = scenario.target_spot(market.vix_spot)
    move = target - market.vix_spot
    points = [(0, target)]
    for f in market.live_futures:
        d = market.dte(f.expiry)
        if scenario.replay == "level":
            level = max(f.settle, float(scenario.end_level(d)))
        elif scenario.curve_moves is not None:
            level = f.settle + float(scenario.future_move(d))
        else:
            level = f.settle + move * float(tenor_beta(d, tau_days, beta_long))
        points.append((d, float(max(level, MIN_VIX))))
    return tuple(points)


# -- historical replays ----------------------------------------------------------------------


def episode_scenario(ep: Episode, mode: str = "level") -> Scenario:
    """The replay of one library episode as a shock on today's plan (see the module doc)."""
    scenario = partial(
        Scenario,
        name=ep.name,
        kind="historical",
        vix_ratio=ep.vix_after / ep.vix_before,
        btc_return=ep.btc_return,
        spx_return=ep.spx_return,
        episode_id=ep.id,
        start=ep.start,
        end=ep.end,
        replay=mode,
    )
    if mode == "level":
        end = [(0.0, ep.vix_after)] + [(float((e - ep.end).days), float(v)) for e, v in ep.curve_after]
        knots = [(0.0, ep.spot_move)]  # kept for the payoff grid's and the notes' use
        knots += [(float(d), float(m)) for d, m in sorted(ep.tenor_moves(dte_at="after")) if d > 0]
        return scenario(spot_level=ep.vix_after, curve_moves=tuple(knots), end_curve=tuple(end), vvix_after=ep.vvix_after)
    if mode != "move":
        raise ValueError(f"replay mode must be 'level' or 'move', not {mode!r}")
    knots = [(0.0, ep.spot_move)]
    knots += [(float(d), float(m)) for d, m in sorted(ep.tenor_moves(dte_at="before")) if d > 0]
    return scenario(
        spot_shift=ep.spot_move,
        vol_scale=ep.vvix_ratio if ep.vvix_ratio is not None else 1.0,
        days_forward=ep.window_days,
        curve_moves=tuple(knots),
        hold="tenor",
    )


@lru_cache(maxsize=8)
def _library(path: str | None, mode: str) -> tuple[Scenario, ...]:
    return tuple(episode_scenario(ep, mode) for ep in load_episodes(path))


def library_scenarios(path=None, mode: str = "level") -> tuple[Scenario, ...]:
    """Every episode of the library (default: the bundled one) as a replay shock; cached."""
    return _library(None if path is None else str(path), mode)


def find_scenario(name: str, scenarios) -> Scenario | None:
    """A shock by its name, its episode id, or an episode's short name -- the part of its
    name before the colon, e.g. "Mar 2020" (case-insensitive)."""
    key = name.strip().casefold()
    for s in scenarios:
        if s.name.casefold() == key or (s.episode_id or "").casefold() == key:
            return s
    for s in scenarios:
        if s.episode_id and ":" in s.name and s.name.split(":", 1)[0].strip().casefold() == key:
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
    exposure_basis: str = ""  # "var" | "spx" | "spx-implied" | "btc" | "override"
    replay: str | None = None  # "level" | "move" for a historical replay
    vol_scale: float = 1.0
    days_forward: int = 0
    episode_id: str | None = None
    start: date | None = None
    end: date | None = None
    scenario: Scenario | None = None  # the shock this row is the result of (picking the row applies it)


def coverage_ratio(hedge_pnl: float, exposure_pnl: float) -> float | None:
    """Hedge gain / exposure loss; None when the exposure did not lose (a cent or more)."""
    if not exposure_pnl <= -0.01:
        return None
    ratio = hedge_pnl / -exposure_pnl
    return ratio if math.isfinite(ratio) else None
