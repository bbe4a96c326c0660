"""Financing legs: a layer's long call and the calls held with it, as one flat set of options.

The method finances part of its long calls by selling premium: a call spread (short a
higher strike), a ratio spread (short more than one), or a shorter-dated call sold against
the longer one (a calendar). Every option of the plan becomes one *position*; the first
``L`` positions are the layers' long calls in layer order (so a plan without legs is priced
by exactly the same arrays as before), then each layer's legs. A position's ``unit`` is the
signed number of its contracts per long contract of its layer (+1 for the long call,
``-ratio`` for a short leg), so a layer's net price per long contract is ``price @ units``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .plan import Plan, resolve_expiry, resolve_strike


@dataclass(frozen=True)
class Positions:
    owner: np.ndarray  # (P,) int: the layer each position belongs to
    unit: np.ndarray  # (P,) signed contracts per long contract of the layer
    leg: np.ndarray  # (P,) int: -1 for the layer's long call, else the leg's index
    expiries: tuple[date, ...]
    dte: np.ndarray
    future: np.ndarray
    strike: np.ndarray

    @property
    def count(self) -> int:
        return len(self.owner)

    def by_layer(self, n_layers: int) -> np.ndarray:
        """(P, L) matrix: position p counts ``unit[p]`` in its layer's column."""
        matrix = np.zeros((self.count, n_layers))
        matrix[np.arange(self.count), self.owner] = self.unit
        return matrix

    def contracts(self, layer_contracts: np.ndarray) -> np.ndarray:
        """Signed whole contracts of every position for the layers' long contracts (a leg's
        ratio times its layer's contracts, rounded to the nearest contract)."""
        return np.rint(self.unit * np.asarray(layer_contracts, dtype=float)[self.owner]).astype(np.int64)


def resolve_positions(plan: Plan) -> Positions:
    """Every option of the plan against its market: expiry, days, future and strike."""
    market = plan.market
    owner, unit, leg_index, expiries = [], [], [], []
    specs: list[float | str] = []
    for i, layer in enumerate(plan.layers):
        owner.append(i)
        unit.append(1.0)
        leg_index.append(-1)
        expiries.append(resolve_expiry(layer.expiry, market))
        specs.append(layer.strike)
    for i, layer in enumerate(plan.layers):
        for j, leg in enumerate(layer.legs):
            owner.append(i)
            unit.append(leg.sign * leg.ratio)
            leg_index.append(j)
            expiries.append(expiries[i] if leg.expiry is None else resolve_expiry(leg.expiry, market))
            specs.append(leg.strike)
    dte = np.array([market.dte(e) for e in expiries], dtype=float)
    future = np.array([market.forward_at(e) for e in expiries], dtype=float)
    strike = np.array([resolve_strike(spec, f) for spec, f in zip(specs, future, strict=True)], dtype=float)
    return Positions(
        np.array(owner, dtype=np.int64),
        np.array(unit, dtype=float),
        np.array(leg_index, dtype=np.int64),
        tuple(expiries),
        dte,
        future,
        strike,
    )


def uncovered_warnings(plan: Plan, positions: Positions) -> dict[int, str]:
    """Short calls that are not covered by the layer's long calls.

    Above a strike ``K`` a call position gains or loses one point per point of the future
    for each call at or below ``K``; when the short calls at or below ``K`` outnumber the long
    ones, the layer loses without limit as the VIX rises past ``K``. A short leg that
    expires after the long call it finances is naked once the long has expired.
    """
    out: dict[int, list[str]] = {}
    for i, layer in enumerate(plan.layers):
        mine = np.flatnonzero(positions.owner == i)
        if not layer.legs:
            continue
        k = positions.strike[mine]
        u = positions.unit[mine]
        levels = np.unique(k)
        # net calls held at or below each strike: the slope of the payoff just above it
        net = np.array([float(u[k <= level + 1e-9].sum()) for level in levels])
        short = np.flatnonzero(net < -1e-9)
        if len(short):
            first = levels[short[0]]
            held = float(u[(k <= first + 1e-9) & (u > 0)].sum())
            sold = float(-u[(k <= first + 1e-9) & (u < 0)].sum())
            if net[-1] < -1e-9:
                risk = "the loss grows without limit as the VIX rises"
            else:
                upto = levels[short[-1] + 1]
                risk = f"a loss that grows from {first:g} to {upto:g}, then stops"
            out.setdefault(i, []).append(
                f"layer {layer.name!r}: {sold:g} short call(s) against {held:g} long at strikes up to {first:g} "
                f"per long contract: uncovered upside risk ({risk})"
            )
        long_expiry = positions.expiries[i]
        for p in mine:
            if positions.unit[p] < 0 and positions.expiries[p] > long_expiry:
                out.setdefault(i, []).append(
                    f"layer {layer.name!r}: a short leg expires {positions.expiries[p].isoformat()}, after the long call "
                    f"({long_expiry.isoformat()}): it is uncovered once the long call expires"
                )
    return {i: "; ".join(messages) for i, messages in out.items()}


def roll_inputs(plan: Plan, positions: Positions):
    """``(plan, expiries, strikes)`` for the roll schedule, every leg a pseudo-layer that
    rolls by its layer's rule (a leg rolls with its layer); its contracts are signed, so a
    short leg's roll (buy back, sell again) has the opposite cost of a long one."""
    from dataclasses import replace

    from .plan import Layer

    extra = []
    for p in range(len(plan.layers), positions.count):
        layer = plan.layers[int(positions.owner[p])]
        leg = layer.legs[int(positions.leg[p])]
        extra.append(
            Layer(
                f"{layer.name}·{leg.side}",
                0.0,
                positions.expiries[p],
                leg.strike,
                roll_at_dte=layer.roll_at_dte,
                roll_to=layer.roll_to,
            )
        )
    rolled = replace(plan, layers=tuple(replace(layer, legs=()) for layer in plan.layers) + tuple(extra))
    return rolled, positions.expiries, positions.strike
