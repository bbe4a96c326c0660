"""The VIX futures curve: a market snapshot, forward interpolation and the regime.

A snapshot holds ``as_of``, the VIX spot, a continuously compounded rate, the monthly
futures settlements and the option vol model. The forward at any day count is
interpolated monotonically (PCHIP through spot at day 0 and each settle), so the
interpolated curve never overshoots between listed months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np

from . import limits
from .plan_schema import day, number, table, tables, text
from .volmodel import VolModel


@dataclass(frozen=True)
class Future:
    expiry: date = day()
    settle: float = number(minimum=limits.MIN_LEVEL, maximum=limits.MAX_VIX, positive=True, required=True)


@dataclass(frozen=True)
class Regime:
    name: str  # "backwardation" | "contango" | "flat" | "n/a"
    m1_m2_slope_pct: float | None  # (M2 / M1 - 1) * 100; negative in backwardation
    vix_over_m1: float | None
    roll_yield_per_day: float | None  # (spot - M1) / DTE(M1), points a day; > 0 in backwardation
    depth: str  # "deep" | "mild" | "" (for contango/flat)

    @property
    def backwardation(self) -> bool:
        return self.name == "backwardation"


@dataclass(frozen=True)
class MarketSnapshot:
    # The fields declare the plan file's [market] keys (see plan_schema.py).
    as_of: date = day(bounds=limits.AS_OF_RANGE)
    vix_spot: float = number(minimum=limits.MIN_LEVEL, maximum=limits.MAX_VIX, positive=True, required=True)
    rate: float = number(bounds=limits.RATE_BOUNDS, required=True)
    futures: tuple[Future, ...] = tables(Future, kind="futures")
    vol: VolModel = table(VolModel)
    source: str = text("", limit=limits.MAX_SOURCE_CHARS, omit=(None, ""))
    # The VIX3M close of as_of, when known (the entry read-out's VIX/VIX3M).
    vix3m: float | None = number(None, minimum=limits.MIN_LEVEL, maximum=limits.MAX_VIX, positive=True)

    def __post_init__(self) -> None:
        # Keep futures sorted by expiry so M1..Mn are positional.
        ordered = tuple(sorted(self.futures, key=lambda f: f.expiry))
        object.__setattr__(self, "futures", ordered)

    # -- listed months -------------------------------------------------
    @property
    def live_futures(self) -> tuple[Future, ...]:
        """Futures expiring strictly after as_of (M1 first)."""
        return tuple(f for f in self.futures if f.expiry > self.as_of)

    def month(self, n: int) -> Future:
        """``M<n>`` (1-based) of the listed live futures."""
        live = self.live_futures
        if not 1 <= n <= len(live):
            raise IndexError(f"M{n} is not listed (the curve has {len(live)} live months)")
        return live[n - 1]

    def dte(self, expiry: date) -> int:
        return (expiry - self.as_of).days

    @cached_property
    def _knots(self) -> tuple[np.ndarray, np.ndarray]:
        live = self.live_futures
        days = np.array([0.0] + [float(self.dte(f.expiry)) for f in live])
        levels = np.array([self.vix_spot] + [f.settle for f in live])
        return days, levels

    @cached_property
    def _slopes(self) -> np.ndarray:
        days, levels = self._knots
        return pchip_slopes(days, levels)

    def forward(self, days) -> np.ndarray:
        """Forward VIX level at ``days`` (calendar days from as_of); flat beyond the last month."""
        knot_days, knot_levels = self._knots
        clipped = np.clip(np.asarray(days, dtype=float), 0.0, knot_days[-1])
        return hermite(knot_days, knot_levels, self._slopes, clipped)

    def forward_at(self, expiry: date) -> float:
        """The settle when ``expiry`` is listed, else the interpolated forward."""
        for f in self.futures:
            if f.expiry == expiry:
                return f.settle
        return float(self.forward(self.dte(expiry)))

    # -- regime --------------------------------------------------------
    def regime(self) -> Regime:
        live = self.live_futures
        if len(live) < 2:
            return Regime("n/a", None, (self.vix_spot / live[0].settle) if live else None, None, "")
        m1, m2 = live[0], live[1]
        slope = (m2.settle / m1.settle - 1.0) * 100.0
        vix_m1 = self.vix_spot / m1.settle
        # A front future converges to spot by expiry: if spot stays put, a long M1
        # gains (spot - M1) / dte a day in backwardation and loses it in contango.
        roll = (self.vix_spot - m1.settle) / max(self.dte(m1.expiry), 1)
        if m1.settle > m2.settle:
            name = "backwardation"
        elif m2.settle > m1.settle:
            name = "contango"
        else:
            name = "flat"
        depth = ""
        if name == "backwardation":
            depth = "deep" if (slope < -5.0 or vix_m1 > 1.2) else "mild"
        return Regime(name, slope, vix_m1, roll, depth)


# -- monotone (PCHIP) interpolation ------------------------------------------
# The same Fritsch-Carlson/Butland scheme as scipy.interpolate.PchipInterpolator (the
# tests check them against each other): written out here because importing
# scipy.interpolate costs 0.3 s at start-up, for twenty lines of arithmetic.


def pchip_slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Knot derivatives that keep a cubic Hermite interpolant monotone between knots."""
    h = np.diff(x)
    m = np.diff(y) / h
    if len(x) == 2:
        return np.array([m[0], m[0]])
    d = np.zeros_like(y)
    # interior: weighted harmonic mean of the neighbouring secants, 0 at extrema
    w1 = 2.0 * h[1:] + h[:-1]
    w2 = h[1:] + 2.0 * h[:-1]
    same = (np.sign(m[:-1]) * np.sign(m[1:])) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        harmonic = (w1 + w2) / (w1 / m[:-1] + w2 / m[1:])
    d[1:-1] = np.where(same, harmonic, 0.0)
    d[0] = _pchip_end(h[0], h[1], m[0], m[1])
    d[-1] = _pchip_end(h[-1], h[-2], m[-1], m[-2])
    return d


def _pchip_end(h0: float, h1: float, m0: float, m1: float) -> float:
    d = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > abs(3.0 * m0):
        return 3.0 * m0
    return d


def hermite(x: np.ndarray, y: np.ndarray, d: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Evaluate the cubic Hermite interpolant with knot values y and slopes d (at within [x0, xn])."""
    i = np.clip(np.searchsorted(x, at, side="right") - 1, 0, len(x) - 2)
    h = x[i + 1] - x[i]
    t = (at - x[i]) / h
    t2 = t * t
    t3 = t2 * t
    return (
        (2.0 * t3 - 3.0 * t2 + 1.0) * y[i]
        + (t3 - 2.0 * t2 + t) * h * d[i]
        + (-2.0 * t3 + 3.0 * t2) * y[i + 1]
        + (t3 - t2) * h * d[i + 1]
    )

