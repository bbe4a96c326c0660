"""The VIX monthly expiry calendar against published dates and the real CFE history."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import pytest

from tui.core.calendar import (
    exchange_holidays,
    is_business_day,
    month_code,
    monthly_expiries,
    next_business_day,
    parse_month_code,
    previous_business_day,
    third_friday,
    vix_expiry,
)

# domain.md section 2: every monthly expiry 2024-2027 (day of the month).
EXPIRY_TABLE = {
    2024: [17, 14, 20, 17, 22, 18, 17, 21, 18, 16, 20, 18],
    2025: [22, 19, 18, 16, 21, 18, 16, 20, 17, 22, 19, 17],
    2026: [21, 18, 18, 15, 19, 17, 22, 19, 16, 21, 18, 16],
    2027: [20, 17, 17, 21, 18, 16, 21, 18, 15, 20, 17, 22],
}
# The Tuesday ones in that table (everything else is a Wednesday).
TUESDAYS_IN_TABLE = {(2024, 6), (2025, 3), (2026, 5), (2027, 5)}


@pytest.mark.parametrize(
    "year,month",
    [(y, m) for y in sorted(EXPIRY_TABLE) for m in range(1, 13)],
    ids=lambda v: str(v),
)
def test_expiry_table_2024_2027(year, month):
    expected = date(year, month, EXPIRY_TABLE[year][month - 1])
    got = vix_expiry(year, month)
    assert got == expected
    assert got.strftime("%a") == ("Tue" if (year, month) in TUESDAYS_IN_TABLE else "Wed")


# SOURCES.md: the six historical Tuesday expiries the rule must reproduce.
@pytest.mark.parametrize(
    "code,expected,why",
    [
        ("G08", date(2008, 2, 19), "Mar 21 2008 is Good Friday"),
        ("H14", date(2014, 3, 18), "Apr 18 2014 is Good Friday"),
        ("H19", date(2019, 3, 19), "Apr 19 2019 is Good Friday"),
        ("H22", date(2022, 3, 15), "Apr 15 2022 is Good Friday"),
        ("H25", date(2025, 3, 18), "Apr 18 2025 is Good Friday"),
        ("M24", date(2024, 6, 18), "Wed Jun 19 2024 is Juneteenth"),
    ],
)
def test_historical_tuesday_expiries(code, expected, why):
    year, month = parse_month_code(code)
    assert vix_expiry(year, month) == expected, why
    assert expected.weekday() == 1
    assert month_code(expected) == code


def test_design_example_december_2026():
    assert vix_expiry(2026, 12) == date(2026, 12, 16)
    assert month_code(date(2026, 12, 16)) == "Z26"


def test_every_expiry_is_a_business_day_in_its_own_month():
    for year in range(1999, 2061):
        for month in range(1, 13):
            e = vix_expiry(year, month)
            assert (e.year, e.month) == (year, month)
            assert is_business_day(e)
            # A Wednesday, or earlier in the same week when a holiday pushed it back.
            assert e.weekday() in (1, 2) or (e.weekday() == 0 and not is_business_day(e + timedelta(1)))
            friday = third_friday(*((year + 1, 1) if month == 12 else (year, month + 1)))
            assert 29 <= (friday - e).days <= 32


# --- holidays -------------------------------------------------------------------

NYSE_2025_2027 = [
    # NYSE's published calendar (2025 incl. the Jan 9 Carter closure).
    "2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
    "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25",
    "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
    "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25",
    "2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18",
    "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24",
]  # fmt: skip


def test_published_nyse_holidays_2025_2027():
    got = exchange_holidays(date(2025, 1, 1), date(2027, 12, 31))
    assert [d.isoformat() for d in got] == NYSE_2025_2027


@pytest.mark.parametrize(
    "day,open_",
    [
        (date(2024, 3, 29), False),  # Good Friday: not a federal holiday, exchange closed
        (date(2021, 6, 18), True),  # Juneteenth only from 2022
        (date(2022, 6, 20), False),  # Jun 19 2022 was a Sunday
        (date(2027, 6, 18), False),  # Jun 19 2027 is a Saturday, observed Friday
        (date(2021, 12, 31), True),  # Saturday New Year's Day is not observed on Friday
        (date(2010, 12, 31), True),
        (date(2021, 12, 24), False),  # Saturday Christmas -> Friday
        (date(2022, 12, 26), False),  # Sunday Christmas -> Monday
        (date(2023, 1, 2), False),  # Sunday New Year's Day -> Monday
        (date(2026, 7, 3), False),  # Saturday Independence Day -> Friday
        (date(1997, 1, 20), True),  # NYSE closed for MLK day only from 1998
        (date(1998, 1, 19), False),
        (date(2001, 9, 11), False),
        (date(2001, 9, 14), False),
        (date(2001, 9, 17), True),
        (date(2004, 6, 11), False),  # Reagan
        (date(2007, 1, 2), False),  # Ford
        (date(2012, 10, 29), False),  # Sandy
        (date(2012, 10, 30), False),
        (date(2018, 12, 5), False),  # G. H. W. Bush
        (date(2025, 1, 9), False),  # Carter
        (date(2024, 11, 29), True),  # day after Thanksgiving: open (early close)
        (date(2024, 10, 14), True),  # Columbus Day: federal, but the exchange is open
        (date(2024, 11, 11), True),  # Veterans Day likewise
        (date(2024, 6, 15), False),  # a Saturday
    ],
)
def test_is_business_day(day, open_):
    assert is_business_day(day) is open_


def test_holidays_are_weekdays_and_sorted():
    hols = exchange_holidays(date(1998, 1, 1), date(2030, 12, 31))
    assert hols == sorted(set(hols))
    assert all(d.weekday() < 5 for d in hols)
    # 9 or 10 ordinary closures a year (10 with Juneteenth), plus the one-offs.
    by_year = {}
    for d in hols:
        by_year[d.year] = by_year.get(d.year, 0) + 1
    assert by_year[2001] == 9 + 4  # New Year's was a Monday; 9/11 closed four days
    assert by_year[2023] == 10
    assert exchange_holidays(date(2025, 1, 2), date(2025, 1, 1)) == []


def test_previous_and_next_business_day():
    assert previous_business_day(date(2025, 4, 21)) == date(2025, 4, 17)  # over Good Friday
    assert previous_business_day(date(2001, 9, 17)) == date(2001, 9, 10)  # over 9/11
    assert previous_business_day(date(2012, 10, 31)) == date(2012, 10, 26)  # over Sandy
    assert previous_business_day(date(2024, 6, 18)) == date(2024, 6, 17)
    assert previous_business_day(date(2024, 6, 20)) == date(2024, 6, 18)  # over Juneteenth
    assert next_business_day(date(2024, 6, 18)) == date(2024, 6, 20)
    assert next_business_day(date(2026, 12, 24)) == date(2026, 12, 28)
    # datetimes (and pandas Timestamps) are taken by their date
    assert previous_business_day(datetime(2025, 4, 21, 15, 30)) == date(2025, 4, 17)


# --- M1..Mn ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of,expected",
    [
        # An ordinary day before the month's expiry.
        (date(2024, 6, 3), ["2024-06-18", "2024-07-17", "2024-08-21", "2024-09-18"]),
        # The day before an expiry: M1 is that expiry.
        (date(2024, 6, 17), ["2024-06-18", "2024-07-17"]),
        # As of an expiry day: that contract is settling, so M1 is the next one.
        (date(2024, 6, 18), ["2024-07-17", "2024-08-21", "2024-09-18"]),
        (date(2025, 3, 18), ["2025-04-16", "2025-05-21"]),
        (date(2026, 12, 16), ["2027-01-20", "2027-02-17"]),
        # After the month's expiry.
        (date(2024, 6, 19), ["2024-07-17", "2024-08-21"]),
        # DESIGN.md's example: as of 2026-11-20, M1 = 2026-12-16, M2 = 2027-01-20.
        (date(2026, 11, 20), ["2026-12-16", "2027-01-20", "2027-02-17"]),
        # Across the year end, and on a weekend.
        (date(2026, 12, 31), ["2027-01-20"]),
        (date(2024, 8, 3), ["2024-08-21", "2024-09-18"]),
    ],
)
def test_monthly_expiries(as_of, expected):
    got = monthly_expiries(as_of, len(expected))
    assert [d.isoformat() for d in got] == expected


def test_monthly_expiries_n():
    assert monthly_expiries(date(2024, 1, 1), 0) == []
    twelve = monthly_expiries(date(2024, 1, 1), 12)
    assert twelve == [vix_expiry(2024, m) for m in range(1, 13)]
    with pytest.raises(ValueError):
        monthly_expiries(date(2024, 1, 1), -1)


# --- month codes ----------------------------------------------------------------


def test_month_codes():
    assert month_code((2026, 12)) == "Z26"
    assert month_code("2008-02") == "G08"
    assert month_code(date(2024, 6, 18)) == "M24"
    assert [month_code((2025, m))[0] for m in range(1, 13)] == list("FGHJKMNQUVXZ")
    assert parse_month_code("h25") == (2025, 3)
    with pytest.raises(ValueError):
        parse_month_code("A25")
    with pytest.raises(ValueError):
        month_code((2025, 13))
    with pytest.raises(TypeError):
        month_code(202512)


def test_bad_months_rejected():
    with pytest.raises(ValueError):
        vix_expiry(2025, 0)
    with pytest.raises(TypeError):
        vix_expiry(2025, 3.0)


@pytest.mark.slow
def test_module_does_not_need_pandas_or_textual_at_import():
    import subprocess
    import sys

    code = (
        "import sys; import tui.core.calendar; "
        "assert 'textual' not in sys.modules; assert 'pandas' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- against the real CFE history (skipped without the shared data) -------------

# SOURCES.md: the final settlement rows of these two 2004 contracts are real (zero
# OHLC, a final settlement value), yet a week earlier than the rule gives: each is 30
# days before the *second* Friday of the following month. CFE's first-year contracts
# did not follow the rule that has held since; the data do not say why.
KNOWN_2004_EXCEPTIONS = {
    "N04": ("2004-07-14", date(2004, 7, 21)),
    "V04": ("2004-10-13", date(2004, 10, 20)),
}


def _read_expiries(path):
    pairs = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            pairs.setdefault(row["contract"], set()).add((row["contract_month"], row["expiry"]))
    return pairs


def test_every_real_expiry_matches_the_rule(shared_data):
    pairs = _read_expiries(shared_data / "vx_monthly_settlements.csv")
    assert len(pairs) >= 250
    mismatches = {}
    for contract, found in pairs.items():
        assert len(found) == 1, f"{contract} has several expiries: {found}"
        ((contract_month, expiry),) = found
        year, month = (int(x) for x in contract_month.split("-"))
        assert month_code((year, month)) == contract
        rule = vix_expiry(year, month)
        if rule.isoformat() != expiry:
            mismatches[contract] = (expiry, rule)
    assert mismatches == KNOWN_2004_EXCEPTIONS


def test_m1_to_m8_of_real_curve_snapshots(shared_data):
    with open(shared_data / "curve_snapshots.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for row in rows:
        as_of = date.fromisoformat(row["date"])
        listed = [row[f"m{i}_expiry"] for i in range(1, 9) if row[f"m{i}_expiry"]]
        assert [d.isoformat() for d in monthly_expiries(as_of, len(listed))] == listed, row["date"]
        for i in range(1, len(listed) + 1):
            assert month_code(date.fromisoformat(listed[i - 1])) == row[f"m{i}_contract"]


def test_m1_of_every_real_trading_day(shared_data):
    """M1 from the calendar equals the nearest listed monthly contract on every VX day."""
    nearest: dict[str, str] = {}
    with open(shared_data / "vx_monthly_settlements.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["suspect"] == "True" or row["expiry"] <= row["trade_date"]:
                continue
            t = row["trade_date"]
            if t not in nearest or row["expiry"] < nearest[t]:
                nearest[t] = row["expiry"]
    checked = 0
    for t, m1 in nearest.items():
        # Until Sep 2005 CFE did not list every month (2004-05 have 3-5 listed months,
        # often skipping the next calendar month), so the nearest listed contract was
        # not always M1; plus the two 2004 exceptions above.
        if t < "2006-01-01":
            continue
        assert monthly_expiries(date.fromisoformat(t), 1)[0].isoformat() == m1, t
        checked += 1
    assert checked > 4800


# CFE (the futures exchange) held VX sessions on three days the equity and options
# exchanges were closed (the data hold real settlements for them); the expiry rule
# follows the options (Cboe Options/NYSE) calendar, which is what calendar.py models.
CFE_SESSIONS_ON_CLOSED_DAYS = {
    "2015-04-03",  # Good Friday
    "2018-12-05",  # G. H. W. Bush day of mourning
    "2025-01-09",  # Carter day of mourning
}
# SOURCES.md: the one trading day missing between two of the stitched sources.
KNOWN_GAPS = {"2025-03-20"}


def test_holiday_calendar_against_21_years_of_vx_trading_days(shared_data):
    """Every business day 2004-03-26..2025-04-30 has VX settlements, and no other day does."""
    with open(shared_data / "vx_monthly_settlements.csv", newline="") as fh:
        traded = {row["trade_date"] for row in csv.DictReader(fh)}
    first, last = date.fromisoformat(min(traded)), date.fromisoformat(max(traded))
    business = set()
    day = first
    while day <= last:
        if is_business_day(day):
            business.add(day.isoformat())
        day += timedelta(days=1)
    assert business - traded == KNOWN_GAPS
    assert traded - business == CFE_SESSIONS_ON_CLOSED_DAYS
    assert len(business) > 5000


def test_cached_closures_are_pandas_closures_and_a_damaged_cache_is_recomputed(isolated_cache, monkeypatch):
    """The disk cache of closures (read without pandas by ``alvh-tui price``) holds exactly
    what pandas' rules give for every year of its span; a damaged file is computed afresh."""
    from tui.core import calendar as cal

    monkeypatch.setattr(cal, "_YEARS", {})
    cal.preload_years(2024, 2024)  # a miss: the whole span computed with pandas and stored
    cache = isolated_cache / cal.HOLIDAYS_CACHE
    assert cache.is_file()
    low, high = cal.CACHED_YEARS
    fresh = cal._closures(low, high)
    monkeypatch.setattr(cal, "_YEARS", {})
    assert cal._load_cached_years()
    assert {y: set(cal._YEARS[y]) for y in range(low, high + 1)} == fresh
    assert date(2025, 1, 9) in cal._YEARS[2025] and date(2024, 6, 19) in cal._YEARS[2024]  # Carter; Juneteenth
    cache.write_text("{not json")  # a damaged cache
    monkeypatch.setattr(cal, "_YEARS", {})
    assert not cal._load_cached_years()
    cache.write_text('{"key": "x", "data": {}}')  # another rule set's cache
    monkeypatch.setattr(cal, "_YEARS", {})
    assert not cal._load_cached_years()
    cal.preload_years(2030, 2030)  # computed afresh, and stored again under this rule set
    assert cal._load_cached_years() and set(cal._YEARS[2030]) == fresh[2030]
