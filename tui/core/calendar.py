"""The VIX monthly expiry calendar and the US exchange (NYSE/Cboe) holiday calendar.

Expiry rule (Cboe VX futures and VIX options, monthly contracts): the final settlement
date is the Wednesday 30 days before the third Friday of the following calendar month.
If that Friday is an exchange holiday, the 30 days are counted back from the business
day before it; if the resulting day is itself a holiday (or not a business day), expiry
moves to the business day before it. This gives the six "Tuesday expiries" of recent
years, e.g. H25 = 2025-03-18 (Apr 18 2025 is Good Friday) and M24 = 2024-06-18
(Jun 19 2024, Juneteenth, is the Wednesday).

Holidays are built with pandas' holiday machinery (``AbstractHolidayCalendar`` with
``Holiday`` rules and ``GoodFriday``), not from a table of dates; only the one-off
closures (national days of mourning, 9/11, hurricane Sandy) are a short listed set.
The ordinary rules are the modern NYSE ones and are meant for 1998 onward (the year
NYSE began closing for Martin Luther King Jr. Day); earlier dates get the same rules.

pandas is imported lazily, so importing this module is cheap; nothing on the app's
start-up path needs it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

__all__ = [
    "MONTH_CODES",
    "vix_expiry",
    "monthly_expiries",
    "is_business_day",
    "previous_business_day",
    "next_business_day",
    "exchange_holidays",
    "preload_years",
    "third_friday",
    "month_code",
    "parse_month_code",
    "contract_month_of",
]

#: CFE/CME futures month codes, January first.
MONTH_CODES = "FGHJKMNQUVXZ"

# Unscheduled full-day closures of the US equity/options exchanges since 1985.
# (Days of mourning for former presidents, 9/11, hurricanes.) Ordinary holidays are
# rules below, never listed here.
_ONE_OFF_CLOSURES: tuple[tuple[str, date], ...] = (
    ("Hurricane Gloria", date(1985, 9, 27)),
    ("Nixon day of mourning", date(1994, 4, 27)),
    ("September 11", date(2001, 9, 11)),
    ("September 11", date(2001, 9, 12)),
    ("September 11", date(2001, 9, 13)),
    ("September 11", date(2001, 9, 14)),
    ("Reagan day of mourning", date(2004, 6, 11)),
    ("Ford day of mourning", date(2007, 1, 2)),
    ("Hurricane Sandy", date(2012, 10, 29)),
    ("Hurricane Sandy", date(2012, 10, 30)),
    ("G. H. W. Bush day of mourning", date(2018, 12, 5)),
    ("Carter day of mourning", date(2025, 1, 9)),
)


@lru_cache(maxsize=1)
def _calendar():
    """The exchange holiday calendar (built once, on first use)."""
    from pandas import DateOffset
    from pandas.tseries.holiday import (
        MO,
        TH,
        AbstractHolidayCalendar,
        GoodFriday,
        Holiday,
        nearest_workday,
        sunday_to_monday,
    )

    rules = [
        # NYSE does not close on Friday Dec 31 when Jan 1 is a Saturday (Rule 7.2),
        # so only the Sunday -> Monday shift applies.
        Holiday("New Year's Day", month=1, day=1, observance=sunday_to_monday),
        Holiday(
            "Martin Luther King Jr. Day",
            month=1,
            day=1,
            offset=DateOffset(weekday=MO(3)),
            start_date="1998-01-01",
        ),
        Holiday("Presidents' Day", month=2, day=1, offset=DateOffset(weekday=MO(3))),
        GoodFriday,
        Holiday("Memorial Day", month=5, day=31, offset=DateOffset(weekday=MO(-1))),
        Holiday(
            "Juneteenth",
            month=6,
            day=19,
            observance=nearest_workday,
            start_date="2022-01-01",
        ),
        Holiday("Independence Day", month=7, day=4, observance=nearest_workday),
        Holiday("Labor Day", month=9, day=1, offset=DateOffset(weekday=MO(1))),
        Holiday("Thanksgiving", month=11, day=1, offset=DateOffset(weekday=TH(4))),
        Holiday("Christmas", month=12, day=25, observance=nearest_workday),
    ]
    rules += [
        Holiday(name, year=d.year, month=d.month, day=d.day) for name, d in _ONE_OFF_CLOSURES
    ]

    class USExchangeHolidayCalendar(AbstractHolidayCalendar):
        pass

    USExchangeHolidayCalendar.rules = rules
    return USExchangeHolidayCalendar()


_YEARS: dict[int, frozenset[date]] = {}


def _holidays_in_year(year: int) -> frozenset[date]:
    """Weekday closures in ``year`` (a Saturday New Year's Day is not a closure)."""
    found = _YEARS.get(year)
    if found is None:
        preload_years(year, year)
        found = _YEARS[year]
    return found


# The years whose closures are kept in the disk cache (one pandas pass for all of them).
CACHED_YEARS = (1985, 2045)
HOLIDAYS_CACHE = "holidays-v1.json"


def _rules_key() -> str:
    """Names the rules the cached closures were computed with: a change to the listed
    closures (or to the version in HOLIDAYS_CACHE) computes them afresh."""
    import hashlib

    listed = repr((CACHED_YEARS, _ONE_OFF_CLOSURES)).encode()
    return hashlib.sha256(listed).hexdigest()[:16]


def preload_years(first: int, last: int) -> None:
    """Compute the closures of ``first..last`` in one pass: pandas' holiday rules cost
    ~30 ms a call, so a 20-year backtest asks once for its whole range, not once a year.

    Years within CACHED_YEARS come from the disk cache when it holds them (no pandas:
    ``alvh-tui price`` needs a few business days for the roll schedule); otherwise the
    whole cached span is computed once and stored."""
    years = [y for y in range(first, last + 1) if y not in _YEARS]
    if not years:
        return
    low, high = CACHED_YEARS
    if low <= years[0] and years[-1] <= high:
        if _load_cached_years():
            return
        years = [low, high]  # the whole span at once: it is what the cache holds
    found = _closures(years[0], years[-1])
    for y, days in found.items():
        _YEARS.setdefault(y, frozenset(days))
    if years[0] <= low and high <= years[-1]:
        from . import disk_cache

        span = {str(y): sorted(d.isoformat() for d in found[y]) for y in range(low, high + 1)}
        disk_cache.write(HOLIDAYS_CACHE, _rules_key(), span)


def _closures(first: int, last: int) -> dict[int, set[date]]:
    """Weekday closures per year of ``first..last``, from pandas' holiday rules."""
    index = _calendar().holidays(start=f"{first}-01-01", end=f"{last}-12-31")
    found: dict[int, set[date]] = {y: set() for y in range(first, last + 1)}
    for d in (ts.date() for ts in index):
        if d.weekday() < 5:
            found[d.year].add(d)
    return found


def _load_cached_years() -> bool:
    """Fill the closures of CACHED_YEARS from the disk cache (False when it has none)."""
    from . import disk_cache

    span = disk_cache.read(HOLIDAYS_CACHE, _rules_key())
    if not isinstance(span, dict):
        return False
    low, high = CACHED_YEARS
    try:
        years = {y: frozenset(date.fromisoformat(d) for d in span[str(y)]) for y in range(low, high + 1)}
    except (TypeError, KeyError, ValueError):
        return False
    for y, days in years.items():
        _YEARS.setdefault(y, days)
    return True


def _as_date(d) -> date:
    if isinstance(d, datetime):  # also pandas.Timestamp
        return d.date()
    if isinstance(d, date):
        return d
    raise TypeError(f"expected a datetime.date, got {type(d).__name__}")


def is_business_day(d: date) -> bool:
    """True when the US exchanges are open on ``d`` (a weekday that is not a holiday)."""
    d = _as_date(d)
    return d.weekday() < 5 and d not in _holidays_in_year(d.year)


def previous_business_day(d: date) -> date:
    """The last business day strictly before ``d``."""
    d = _as_date(d) - timedelta(days=1)
    while not is_business_day(d):
        d -= timedelta(days=1)
    return d


def next_business_day(d: date) -> date:
    """The first business day strictly after ``d``."""
    d = _as_date(d) + timedelta(days=1)
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def exchange_holidays(start: date, end: date) -> list[date]:
    """Weekday exchange closures from ``start`` to ``end``, both inclusive, in order."""
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return []
    out: list[date] = []
    for year in range(start.year, end.year + 1):
        out.extend(d for d in _holidays_in_year(year) if start <= d <= end)
    return sorted(out)


def third_friday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def _check_month(year: int, month: int) -> None:
    if not isinstance(year, int) or not isinstance(month, int):
        raise TypeError("year and month must be integers")
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, got {month}")
    if not 1 <= year <= 9998:
        raise ValueError(f"year out of range: {year}")


def vix_expiry(year: int, month: int) -> date:
    """Final settlement date of the monthly VIX contract for contract month ``year-month``.

    >>> vix_expiry(2026, 12)
    datetime.date(2026, 12, 16)
    >>> vix_expiry(2025, 3)  # Apr 18 2025 is Good Friday: a Tuesday expiry
    datetime.date(2025, 3, 18)
    """
    _check_month(year, month)
    return _vix_expiry(year, month)


@lru_cache(maxsize=4096)
def _vix_expiry(year: int, month: int) -> date:
    ny, nm = (year + 1, 1) if month == 12 else (year, month + 1)
    anchor = third_friday(ny, nm)
    if not is_business_day(anchor):
        anchor = previous_business_day(anchor)
    expiry = anchor - timedelta(days=30)
    if not is_business_day(expiry):
        expiry = previous_business_day(expiry)
    return expiry


def monthly_expiries(as_of: date, n: int) -> list[date]:
    """The first ``n`` monthly expiries strictly after ``as_of`` (M1..Mn).

    On an expiry day that day's contract is settling, so M1 is the next month's.
    """
    as_of = _as_date(as_of)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    # The expiry of contract month m always falls in month m (between the 13th and
    # the 22nd), so starting at the as_of month is enough.
    year, month = as_of.year, as_of.month
    out: list[date] = []
    while len(out) < n:
        e = vix_expiry(year, month)
        if e > as_of:
            out.append(e)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def contract_month_of(expiry: date) -> tuple[int, int]:
    """``(year, month)`` of the monthly contract expiring on ``expiry``.

    A monthly VIX contract expires inside its own contract month, so this is the
    expiry's year and month. Raises ``ValueError`` when ``expiry`` is not a monthly
    VIX expiry date.
    """
    expiry = _as_date(expiry)
    if vix_expiry(expiry.year, expiry.month) != expiry:
        raise ValueError(
            f"{expiry.isoformat()} is not a monthly VIX expiry "
            f"(the {expiry:%b %Y} contract expires {vix_expiry(expiry.year, expiry.month)})"
        )
    return expiry.year, expiry.month


def month_code(expiry_or_contract_month) -> str:
    """Month code plus two-digit year, e.g. ``"Z26"`` for December 2026.

    Accepts a date (an expiry, or any day of the contract month: monthly expiries fall
    inside their contract month), a ``(year, month)`` tuple, or a ``"YYYY-MM"`` string.
    """
    x = expiry_or_contract_month
    if isinstance(x, date):
        year, month = x.year, x.month
    elif isinstance(x, tuple) and len(x) == 2:
        year, month = int(x[0]), int(x[1])
    elif isinstance(x, str) and re.fullmatch(r"\d{4}-\d{2}", x.strip()):
        year, month = int(x.strip()[:4]), int(x.strip()[5:])
    else:
        raise TypeError(
            f"expected a date, a (year, month) tuple or 'YYYY-MM', got {expiry_or_contract_month!r}"
        )
    _check_month(year, month)
    return f"{MONTH_CODES[month - 1]}{year % 100:02d}"


def parse_month_code(code: str, century: int = 2000) -> tuple[int, int]:
    """``"Z26"`` -> ``(2026, 12)``. Two-digit years are taken in ``century``."""
    m = re.fullmatch(r"\s*([FGHJKMNQUVXZ])(\d{2})\s*", code.upper()) if isinstance(code, str) else None
    if m is None:
        raise ValueError(f"not a month code like 'Z26': {code!r}")
    return century + int(m.group(2)), MONTH_CODES.index(m.group(1)) + 1
