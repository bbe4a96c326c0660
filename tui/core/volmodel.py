"""The default VIX option volatility model: an ATM term structure with a call skew.

ATM vol decays exponentially from ``atm_front`` (at day 0) toward ``atm_long`` with a
time constant of ``decay_days``; across strikes ``vol(K) = atm * (K / F) ** skew``, an
upward (call) skew for ``skew > 0``. Flat settings (front == long, skew == 0) give one
constant vol, so pricing reduces to plain Black-76.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import limits
from .plan_schema import number


@dataclass(frozen=True)
class VolModel:
    # The fields declare the plan file's [market.vol] keys (see plan_schema.py).
    atm_front: float = number(1.10, bounds=limits.VOL_BOUNDS, positive=True)
    atm_long: float = number(0.55, bounds=limits.VOL_BOUNDS, positive=True)
    decay_days: float = number(90.0, minimum=limits.MIN_DECAY_DAYS, maximum=limits.MAX_DECAY_DAYS, positive=True, whole=True)
    skew: float = number(0.35, bounds=limits.SKEW_BOUNDS)

    def atm(self, days) -> np.ndarray:
        days = np.maximum(np.asarray(days, dtype=float), 0.0)
        return self.atm_long + (self.atm_front - self.atm_long) * np.exp(-days / self.decay_days)

    def vol(self, strike, forward, days, scale=1.0) -> np.ndarray:
        """Implied vol for a strike against its future at ``days`` to expiry.

        ``scale`` multiplies the whole surface (scenario vol shocks).
        """
        atm = self.atm(days)
        if self.skew == 0.0:
            return np.broadcast_to(atm * scale, np.broadcast(atm, strike, forward).shape).copy()
        moneyness = np.asarray(strike, dtype=float) / np.asarray(forward, dtype=float)
        return atm * np.power(moneyness, self.skew) * scale

    @classmethod
    def flat(cls, sigma: float) -> "VolModel":
        return cls(atm_front=sigma, atm_long=sigma, decay_days=1.0, skew=0.0)
