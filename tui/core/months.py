"""``M<n>`` by the calendar: the n-th monthly VIX expiry after ``as_of``, whatever the curve lists.

``M1`` is the first monthly expiry strictly after ``as_of``, ``M2`` the next, and so on
(DESIGN.md). A month the curve lists is priced on its own settle; a month it does not list
is priced on the interpolated curve (flat beyond the last listed future) and gets a warning.

The exchange calendar (``calendar.py``) needs pandas, which the app must not load before
its first paint, so the resolution is done by date arithmetic wherever that is exact: a
monthly contract expires on the Wednesday 30 days before the third Friday of the next
month (the *nominal* date), or up to a few days earlier when a holiday shifts it. A listed
future dated in that short window of its month *is* that month's contract; the calendar
is asked only for a month the curve does not list, or when ``as_of`` falls inside the
window of an unlisted month.

Also here: whether a date is a VIX expiry at all (a monthly by the rule, or a weekly on the
same Wednesday rule), for the warnings of :func:`calendar_warnings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .calendar import third_friday

# A holiday moves the expiry back from the nominal Wednesday by at most a few days
# (Good Friday and Juneteenth give the Tuesday expiries).
_SHIFT_DAYS = 4

#: How far past the listed curve a roll or a layer may reach (in months) before it is refused.
MONTHS_BEYOND_CURVE = 12


def _add_months(year: int, month: int, k: int) -> tuple[int, int]:
    i = year * 12 + (month - 1) + k
    return i // 12, i % 12 + 1


def nominal_expiry(year: int, month: int) -> date:
    """The rule's Wednesday before any holiday shift (pure date arithmetic)."""
    ny, nm = _add_months(year, month, 1)
    return third_friday(ny, nm) - timedelta(days=30)


def _listed_monthly(market, year: int, month: int):
    """The listed future that is contract month ``year-month`` (dated in its expiry window), or None."""
    nominal = nominal_expiry(year, month)
    lo = nominal - timedelta(days=_SHIFT_DAYS)
    for f in market.futures:
        if lo <= f.expiry <= nominal:
            return f
    return None


def _exact_expiry(year: int, month: int) -> date:
    from .calendar import vix_expiry  # pandas, lazily: only for months the curve does not list

    return vix_expiry(year, month)


def first_month(market) -> tuple[int, int]:
    """The contract month of ``M1``."""
    as_of = market.as_of
    y, m = as_of.year, as_of.month
    nominal = nominal_expiry(y, m)
    if as_of < nominal - timedelta(days=_SHIFT_DAYS):
        return y, m
    if as_of >= nominal:
        return _add_months(y, m, 1)
    listed = _listed_monthly(market, y, m)
    expiry = listed.expiry if listed is not None else _exact_expiry(y, m)
    return (y, m) if expiry > as_of else _add_months(y, m, 1)


@dataclass(frozen=True)
class ResolvedMonth:
    n: int
    year: int
    month: int
    expiry: date
    listed: bool  # the curve lists this month's future

    @property
    def label(self) -> str:
        return f"M{self.n} ({date(self.year, self.month, 1):%b %Y}, {self.expiry.isoformat()})"


def resolve_month(n: int, market) -> ResolvedMonth:
    """``M<n>`` by the calendar; ``listed`` says whether the curve has it."""
    if n < 1:
        raise ValueError(f"M{n}: months count from M1")
    y, m = _add_months(*first_month(market), n - 1)
    listed = _listed_monthly(market, y, m)
    if listed is not None:
        return ResolvedMonth(n, y, m, listed.expiry, True)
    return ResolvedMonth(n, y, m, _exact_expiry(y, m), False)


def months_past_curve(n: int, market) -> int:
    """How many contract months ``M<n>`` lies beyond the last listed future (<= 0: within)."""
    live = market.live_futures
    if not live:
        return n
    last = live[-1].expiry
    y, m = _add_months(*first_month(market), n - 1)
    return (y * 12 + m) - (last.year * 12 + last.month)


# -- is a date a VIX expiry? ---------------------------------------------------------------

# Holidays that can fall on a Wednesday: the fixed-date ones (the others are Mondays,
# Thursdays or Fridays by rule) and the one-off closures (checked in the calendar).
_FIXED_DATE_HOLIDAYS = ((1, 1), (6, 19), (7, 4), (12, 25))


def is_vix_expiry(d: date) -> bool:
    """A monthly expiry by the rule, or a weekly one (a Wednesday, or the business day
    before a holiday Wednesday)."""
    from .calendar import _ONE_OFF_CLOSURES, is_business_day, previous_business_day

    if d.weekday() == 2 and (d.month, d.day) not in _FIXED_DATE_HOLIDAYS and d not in {c for _n, c in _ONE_OFF_CLOSURES}:
        return True  # a Wednesday that is no holiday: a weekly expiry at least
    if d == _exact_expiry(d.year, d.month):
        return True
    wednesday = d + timedelta(days=(2 - d.weekday()) % 7)
    return (not is_business_day(wednesday)) and d == previous_business_day(wednesday)


def calendar_warnings(plan, expiries) -> tuple[str, ...]:
    """Futures and layer expiries that are no VIX expiry date (needs the exchange calendar)."""
    out: list[str] = []
    for i, f in enumerate(plan.market.futures):
        if f.expiry > plan.market.as_of and not is_vix_expiry(f.expiry):
            out.append(
                f"market.futures[{i}]: {f.expiry.isoformat()} ({f.expiry:%A}) is not a VIX expiry date "
                f"(monthly: {_exact_expiry(f.expiry.year, f.expiry.month).isoformat()}; weeklies expire on Wednesdays)"
            )
    for layer, e in zip(plan.layers, expiries, strict=True):
        if isinstance(layer.expiry, date) and not is_vix_expiry(e):
            out.append(
                f"layer {layer.name!r}: expiry {e.isoformat()} ({e:%A}) is not a VIX expiry date "
                f"(monthly: {_exact_expiry(e.year, e.month).isoformat()}; weeklies expire on Wednesdays)"
            )
    return tuple(out)
