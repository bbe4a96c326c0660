"""The VIX option volatility model: an ATM term structure with a call skew.

ATM vol decays exponentially from ``atm_front`` (at day 0) toward ``atm_long`` with a
time constant of ``decay_days``. Across strikes, with ``x = ln(K / F)``:

* **power law** (no smile nodes; every plan written before calibration existed):
  ``vol(K) = atm * (K / F) ** skew``, an upward (call) skew for ``skew > 0``. Flat
  settings (front == long, skew == 0) give one constant vol: plain Black-76.
* **calibrated smile** (``smile`` nodes given): ``vol = atm * m(x)`` with the concave
  quadratic ``m(x) = 1 + slope * x - curve * x**2``. ``slope`` and ``curve`` are set per
  node (a tenor in days, one per fitted expiry), linearly interpolated in days and held
  flat beyond the first and last node. The VIX smile rises steeply just above the money
  and flattens in the wing, which this shape follows and the power law cannot (measured
  on the 2024-06-03 Cboe chain: 1.7 vol points RMSE against 13). It is bounded: beyond
  its vertex ``x* = slope / (2 curve)`` (or ``X_MAX``) the smile is flat, so an absurd
  strike never gets an absurd vol, and ``m`` never falls below ``M_FLOOR`` on the put side
  (a concave curve cannot stay positive forever to the left). ``skew`` then only records
  the smile's ATM slope at 30 days, for readers of the power-law setting.

``vvix_ratio`` (fitted 30-day ATM vol / (VVIX / 100) on the calibration day), ``source``,
``calibrated_on`` and ``rmse_vol_pts`` are provenance: they do not change any price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from . import limits
from .plan_schema import custom, number, tables, text

M_FLOOR = 0.25  # the smile never takes the vol below a quarter of ATM (deep puts)
X_MAX = 3.0  # ln(K/F) beyond which the smile is flat even without curvature (K = 20 F)


@dataclass(frozen=True)
class SmileNode:
    # The fields declare the keys of a [market.vol] smile node (see plan_schema.py).
    days: float = number(minimum=0.0, maximum=limits.MAX_DAYS_AHEAD, required=True, whole=True)  # tenor, calendar days
    slope: float = number(bounds=limits.SMILE_SLOPE_BOUNDS, required=True)  # dm/d ln(K/F) at the money
    curve: float = number(bounds=limits.SMILE_CURVE_BOUNDS, required=True)  # >= 0: how fast it flattens


@dataclass(frozen=True)
class VolModel:
    # The fields declare the plan file's [market.vol] keys (see plan_schema.py).
    atm_front: float = number(1.10, bounds=limits.VOL_BOUNDS, positive=True)
    atm_long: float = number(0.55, bounds=limits.VOL_BOUNDS, positive=True)
    decay_days: float = number(90.0, minimum=limits.MIN_DECAY_DAYS, maximum=limits.MAX_DECAY_DAYS, positive=True, whole=True)
    skew: float = number(0.35, bounds=limits.SKEW_BOUNDS)
    # calibration (all optional; a plan without them prices by the power law, as before)
    vvix_ratio: float | None = number(None, bounds=limits.VVIX_RATIO_BOUNDS, positive=True)
    source: str = text("", limit=limits.MAX_SOURCE_CHARS, omit=(None, ""))
    calibrated_on: date | None = custom("optional_date", None)
    rmse_vol_pts: float | None = number(None, minimum=0.0, maximum=limits.MAX_RMSE_VOL_PTS)
    smile: tuple[SmileNode, ...] = tables(SmileNode, (), kind="smile", omit=((),))

    def atm(self, days) -> np.ndarray:
        days = np.maximum(np.asarray(days, dtype=float), 0.0)
        return self.atm_long + (self.atm_front - self.atm_long) * np.exp(-days / self.decay_days)

    def smile_at(self, days) -> tuple[np.ndarray, np.ndarray]:
        """(slope, curve) of the calibrated smile at ``days`` (linear in days, flat outside)."""
        nodes = self.smile
        node_days = np.array([n.days for n in nodes], dtype=float)
        at = np.asarray(days, dtype=float)
        slope = np.interp(at, node_days, np.array([n.slope for n in nodes], dtype=float))
        curve = np.interp(at, node_days, np.array([n.curve for n in nodes], dtype=float))
        return slope, curve

    def smile_multiplier(self, log_moneyness, days) -> np.ndarray:
        """``m(x)`` of the calibrated smile (requires ``smile`` nodes)."""
        slope, curve = self.smile_at(days)
        x = np.asarray(log_moneyness, dtype=float)
        with np.errstate(divide="ignore"):
            vertex = np.where(curve > 0.0, slope / (2.0 * np.maximum(curve, 1e-300)), X_MAX)
        xc = np.minimum(x, np.clip(vertex, 0.0, X_MAX))
        return np.maximum(1.0 + slope * xc - curve * xc * xc, M_FLOOR)

    def vol(self, strike, forward, days, scale=1.0) -> np.ndarray:
        """Implied vol for a strike against its future at ``days`` to expiry.

        ``scale`` multiplies the whole surface (scenario vol shocks).
        """
        atm = self.atm(days)
        if self.smile:
            x = np.log(np.asarray(strike, dtype=float) / np.asarray(forward, dtype=float))
            return atm * self.smile_multiplier(x, days) * scale
        if self.skew == 0.0:
            return np.broadcast_to(atm * scale, np.broadcast(atm, strike, forward).shape).copy()
        moneyness = np.asarray(strike, dtype=float) / np.asarray(forward, dtype=float)
        return atm * np.power(moneyness, self.skew) * scale

    @classmethod
    def flat(cls, sigma: float) -> "VolModel":
        return cls(atm_front=sigma, atm_long=sigma, decay_days=1.0, skew=0.0)
