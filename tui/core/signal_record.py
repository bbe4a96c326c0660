"""One entry signal as read on a day (:mod:`signals` computes it with pandas): kept in a
module of its own, without pandas, so that a cached readout can be rebuilt without it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Signal:
    name: str  # "vix_vix3m", "m1_m2_slope", "rsi14", "macd"
    label: str  # for people
    rule: str  # when the signal is on
    value: float | None  # at the last day of the history on or before as_of
    state: str  # "on" / "off" / "no data"
    on: bool
    since: date | None  # the last crossover: first day of the current state
    hit_rate: float | None  # P(VIX rises >= 50 % within 20 days | signal on), 2006-2025
    base_rate: float | None  # the same on all days
    days_on: int  # signal days in the record
    day: date | None  # the history day the value is read on
