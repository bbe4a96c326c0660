"""The macro-event calendar: the bundled dates, layer-expiry warnings, JSON and notes."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from cli_run import run_cli
from tui.core.events import (
    MacroEvent,
    business_days_between,
    event_rows,
    expiry_warnings,
    load_events,
    parse_events,
)
from tui.core.kit import window_events_note
from tui.core.plan_io import load_plan
from tui.core.valuation import value_plan
from tui.resources import default_plan_path, sample_data_dir

AS_OF = date(2026, 11, 2)


def test_bundled_calendar_is_the_shared_file(shared_data):
    with (shared_data / "us_macro_events.csv").open() as fh:
        shared = sorted((date.fromisoformat(r["date"]), r["event"]) for r in csv.DictReader(fh))
    assert [(e.date, e.event) for e in load_events()] == shared


def test_published_fomc_days_2026_and_2027():
    # FOMC press releases (2025 schedule release; 2025-09-05 release for 2027), SOURCES.md (f)
    published = {
        2026: ["01-28", "03-18", "04-29", "06-17", "07-29", "09-16", "10-28", "12-09"],
        2027: ["01-27", "03-17", "04-28", "06-09", "07-28", "09-15", "10-27", "12-08"],
    }
    events = load_events()
    for year, days in published.items():
        got = [e.date for e in events if e.event == "FOMC" and e.date.year == year]
        assert got == [date.fromisoformat(f"{year}-{d}") for d in days]
    # BLS: the September-2025 CPI came out late (shutdown); no release in November 2025
    cpi = {e.date for e in events if e.event == "CPI"}
    assert date(2025, 10, 24) in cpi and not any(d.year == 2025 and d.month == 11 for d in cpi)


CPI_THU = MacroEvent(date(2026, 12, 10), "CPI")  # a Thursday


@pytest.mark.parametrize(
    "expiry, business_days, warned",
    [
        (date(2026, 12, 9), 1, True),  # Wed: the day before
        (date(2026, 12, 8), 2, True),  # Tue
        (date(2026, 12, 7), 3, False),  # Mon: three business days: far enough
        (date(2026, 12, 4), 4, False),  # the Friday before
    ],
)
def test_warning_at_one_and_two_business_days_not_three(expiry, business_days, warned):
    assert business_days_between(expiry, CPI_THU.date) == business_days
    warnings = expiry_warnings((CPI_THU,), AS_OF, [("near", expiry)])
    assert bool(warnings) == warned
    if warned:
        assert "'near'" in warnings[0] and "2026-12-10" in warnings[0] and f"{business_days} business day" in warnings[0]


def test_business_days_skip_exchange_holidays():
    # Wed 2026-11-25 -> Fri 11-27: Thanksgiving (Thu 11-26) is closed, so one business day
    assert business_days_between(date(2026, 11, 25), date(2026, 11, 27)) == 1
    event = MacroEvent(date(2026, 11, 27), "CPI")
    assert expiry_warnings((event,), AS_OF, [("near", date(2026, 11, 24))])  # Tue: 2 business days
    # Wed 2026-12-23 -> Mon 12-28: Christmas Friday closed, one business day (Thu 24th) + Mon
    assert business_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 2


def test_same_day_fomc_warns_but_same_day_cpi_does_not():
    # VIX options settle at the open (SOQ): after the 08:30 CPI, before the FOMC statement
    day = date(2026, 12, 9)
    assert expiry_warnings((MacroEvent(day, "FOMC"),), AS_OF, [("near", day)])
    assert not expiry_warnings((MacroEvent(day, "CPI"),), AS_OF, [("near", day)])


def test_unscheduled_events_and_expired_layers_do_not_warn():
    event = MacroEvent(date(2026, 12, 10), "FOMC (unscheduled)")
    assert not expiry_warnings((event,), AS_OF, [("near", date(2026, 12, 9))])
    assert not expiry_warnings((CPI_THU,), date(2026, 12, 9), [("near", date(2026, 12, 9))])


def test_event_rows_between_as_of_and_the_last_expiry():
    events = (
        MacroEvent(AS_OF, "CPI"),  # on as_of itself: already known, not listed
        MacroEvent(date(2026, 11, 10), "CPI"),
        MacroEvent(date(2026, 12, 9), "FOMC"),
        MacroEvent(date(2027, 1, 27), "FOMC"),  # after the last expiry
    )
    rows = event_rows(events, AS_OF, [("near", date(2026, 11, 18)), ("mid", date(2026, 12, 16))])
    assert [(r.date, r.event, r.days_after_as_of, r.layers_expiring_before) for r in rows] == [
        (date(2026, 11, 10), "CPI", 8, ()),
        (date(2026, 12, 9), "FOMC", 37, ("near",)),
    ]


def test_parse_errors_name_the_line():
    with pytest.raises(ValueError, match=r"mine.csv, line 3: date '2026-13-01'"):
        parse_events("date,event\n2026-01-01,CPI\n2026-13-01,CPI\n", "mine.csv")
    with pytest.raises(ValueError, match="header"):
        parse_events("day,what\n2026-01-01,CPI\n", "mine.csv")
    assert parse_events("# note\n\ndate,event,detail\n2026-01-02,ECB,\"a, b\"\n") == (MacroEvent(date(2026, 1, 2), "ECB", "a, b"),)


def _plan_with_near_expiry(expiry: date):
    plan = load_plan(default_plan_path())
    return plan.with_layer(0, expiry=expiry)


def test_valuation_lists_events_and_warns(isolated_config):
    plan = load_plan(default_plan_path())
    v = value_plan(plan)
    assert v.events and all(plan.market.as_of < e.date <= max(lv.expiry for lv in v.layers) for e in v.events)
    # a near layer expiring the day before the 2024-09-18 FOMC statement
    v = value_plan(_plan_with_near_expiry(date(2024, 9, 17)))
    assert any("FOMC on 2024-09-18" in w and "1 business day" in w for w in v.event_warnings)


def test_user_file_adds_events(isolated_config):
    (isolated_config / "macro_events.csv").write_text("date,event,detail\n2024-08-22,Jackson Hole,my own\n")
    plan = _plan_with_near_expiry(date(2024, 8, 21))
    v = value_plan(plan)
    assert any(e.event == "Jackson Hole" for e in v.events)
    assert any("Jackson Hole" in w for w in v.event_warnings)


def test_bad_user_file_is_a_warning_not_a_crash(isolated_config):
    (isolated_config / "macro_events.csv").write_text("date,event\nnot-a-date,CPI\n")
    v = value_plan(load_plan(default_plan_path()))
    assert v.events  # the bundled dates still
    assert any("macro_events.csv, line 2" in w for w in v.warnings)


def test_price_json_events_and_check_warning(tmp_path):
    plan = _plan_with_near_expiry(date(2024, 9, 17))
    from tui.core.plan_io import dumps_plan

    path = tmp_path / "p.toml"
    path.write_text(dumps_plan(plan))
    out = run_cli("price", str(path), "--json")
    data = json.loads(out.stdout)
    fomc = next(e for e in data["events"] if e["date"] == "2024-09-18")
    assert fomc == {"date": "2024-09-18", "event": "FOMC", "days_after_as_of": 44, "layers_expiring_before": ["near"]}
    assert any("FOMC on 2024-09-18" in w for w in data["warnings"])
    check = run_cli("check", str(path))
    assert check.returncode == 0 and "FOMC on 2024-09-18" in check.stdout


def test_episode_notes_name_the_events_in_the_window():
    # COVID window 2020-02-14 .. 2020-03-16 (episodes.toml): the two emergency cuts and CPI
    note = window_events_note(date(2020, 2, 14), date(2020, 3, 16))
    assert "FOMC (unscheduled) 2020-03-03" in note and "FOMC (unscheduled) 2020-03-15" in note and "CPI 2020-03-11" in note
    assert "none" in window_events_note(date(2022, 11, 7), date(2022, 11, 9))
    assert "calendar starts 2008-01-16" in window_events_note(date(2007, 2, 1), date(2007, 3, 1))


def test_sample_readme_names_the_event_sources():
    text = (sample_data_dir() / "README.md").read_text()
    assert "macro_events.csv" in text and "BLM" in text and "registered-backtests" in text
