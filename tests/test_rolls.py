"""Roll planning: dates against the exchange calendar (hand-checked), costs against an
independent Black-76."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from references import bs76_call
from tui.core.calendar import is_business_day, monthly_expiries
from tui.core.curve import Future, MarketSnapshot
from tui.core.plan import Exposure, Layer, Plan, Sizing, resolve_strike
from tui.core.rolls import roll_dates
from tui.core.valuation import value_plan
from tui.core.volmodel import VolModel

D = date.fromisoformat




# Worked out by hand from the VIX expiry rule and the NYSE holiday list:
# near: M1 2024-08-21, roll 14 DTE into M2; mid: M3 2024-10-16, 30 DTE into M4;
# tail: M6 2025-01-22, 60 DTE into M7; the schedule stops at the last expiry, 2025-01-22.
DEFAULT_SCHEDULE = [
    ("near", "2024-08-07", "2024-08-21", "2024-09-18"),
    ("near", "2024-09-04", "2024-09-18", "2024-10-16"),
    ("mid", "2024-09-16", "2024-10-16", "2024-12-18"),  # M4 as of Mon Sep 16: Sep, Oct, Nov, Dec
    ("near", "2024-10-02", "2024-10-16", "2024-11-20"),
    ("near", "2024-11-06", "2024-11-20", "2024-12-18"),
    ("mid", "2024-11-18", "2024-12-18", "2025-02-19"),
    ("tail", "2024-11-22", "2025-01-22", "2025-06-18"),  # Sat Nov 23 -> Fri Nov 22
    ("near", "2024-12-04", "2024-12-18", "2025-01-22"),
    ("near", "2025-01-08", "2025-01-22", "2025-02-19"),
    ("mid", "2025-01-17", "2025-02-19", "2025-04-16"),  # Mon Jan 20 2025 is MLK day -> Fri Jan 17
]


def test_default_plan_schedule_by_hand(default_plan):
    v = value_plan(default_plan)
    got = [(r.layer, r.date.isoformat(), r.from_expiry.isoformat(), r.to_expiry.isoformat()) for r in v.rolls]
    assert got == DEFAULT_SCHEDULE
    notes = {(r.layer, r.date.isoformat()): r.note for r in v.rolls}
    assert "2024-11-23 is a weekend day" in notes[("tail", "2024-11-22")]
    assert "2025-01-20 is an exchange holiday" in notes[("mid", "2025-01-17")]
    assert notes[("near", "2024-08-07")] == ""


def test_roll_dates_that_land_on_holidays_move_to_the_business_day_before():
    as_of, far = D("2024-08-05"), D("2026-01-01")
    # Christmas Day 2024 (Wed) -> Tue Dec 24; Good Friday 2025-04-18 -> Thu Apr 17;
    # Juneteenth 2025 (Thu Jun 19) -> Wed Jun 18; Thanksgiving 2024-11-28 -> Wed Nov 27.
    cases = [
        (D("2025-01-22"), 28, D("2024-12-24")),
        (D("2025-05-21"), 33, D("2025-04-17")),
        (D("2025-07-16"), 27, D("2025-06-18")),
        (D("2024-12-18"), 20, D("2024-11-27")),
    ]
    for expiry, n, expected in cases:
        first = roll_dates(as_of, expiry, n, 2, far)[0]
        assert first[0] == expected, (expiry, n)
        assert not is_business_day(expiry - timedelta(days=n))
        assert "exchange holiday" in first[3]
        assert first[2] == monthly_expiries(expected, 2)[-1]


def test_every_step_is_a_business_day_into_the_calendars_m_k(default_plan):
    plan = default_plan
    layers = (
        Layer("a", 0.5, "M2", "ATM", roll_at_dte=10, roll_to="M3"),
        Layer("b", 0.3, "M5", "+20%", roll_at_dte=45, roll_to="M6"),
        Layer("c", 0.2, "M8", 40.0, roll_at_dte=90, roll_to="M5"),
    )
    v = value_plan(replace(plan, layers=layers))
    k_of = {"a": 3, "b": 6, "c": 5}
    assert v.rolls
    last = max(layer.expiry for layer in v.layers)
    previous = {}
    for r in v.rolls:
        assert is_business_day(r.date) and plan.market.as_of <= r.date <= last
        assert r.to_expiry == monthly_expiries(r.date, k_of[r.layer])[-1]
        assert r.to_expiry > r.from_expiry
        if r.layer in previous:
            assert r.from_expiry == previous[r.layer]  # each roll starts from the last one's contract
        previous[r.layer] = r.to_expiry
    assert [r.date for r in v.rolls] == sorted(r.date for r in v.rolls)


def test_roll_cost_against_independent_black76(default_plan):
    plan = default_plan
    m = plan.market
    v = value_plan(plan)
    strike_spec = {layer.name: layer.strike for layer in plan.layers}
    held = {layer.name: layer.strike for layer in v.layers}
    contracts = {layer.name: layer.contracts for layer in v.layers}
    for r in v.rolls:
        d_old, d_new = (r.from_expiry - r.date).days, (r.to_expiry - r.date).days
        # futures held by expiry: each where today's curve has its expiry
        f_old, f_new = float(m.forward(m.dte(r.from_expiry))), float(m.forward(m.dte(r.to_expiry)))
        k_old = held[r.layer]
        k_new = resolve_strike(strike_spec[r.layer], f_new)
        sell = bs76_call(f_old, k_old, d_old / 365, m.rate, float(m.vol.vol(k_old, f_old, d_old)))
        buy = bs76_call(f_new, k_new, d_new / 365, m.rate, float(m.vol.vol(k_new, f_new, d_new)))
        assert (r.from_strike, r.to_strike) == (k_old, k_new)
        assert r.sell_price == pytest.approx(sell, rel=1e-11)
        assert r.buy_price == pytest.approx(buy, rel=1e-11)
        assert r.contracts == contracts[r.layer]
        assert r.cost_usd == pytest.approx((buy - sell) * 100 * contracts[r.layer], rel=1e-11)
        # the tenor-held figure beside it: the curve held by tenor (rolled to spot)
        t_old, t_new = float(m.forward(d_old)), float(m.forward(d_new))
        sell_t = bs76_call(t_old, k_old, d_old / 365, m.rate, float(m.vol.vol(k_old, t_old, d_old)))
        buy_t = bs76_call(t_new, k_new, d_new / 365, m.rate, float(m.vol.vol(k_new, t_new, d_new)))
        assert r.cost_tenor_held_usd == pytest.approx((buy_t - sell_t) * 100 * contracts[r.layer], rel=1e-11)
        held[r.layer] = k_new
    assert v.roll_cost_usd == pytest.approx(sum(r.cost_usd for r in v.rolls))
    # holding the inverted curve by tenor lifts the old option toward spot: the roll looks cheaper
    assert v.roll_cost_tenor_held_usd < v.roll_cost_usd


def test_contango_rolls_are_a_debit_and_scale_with_contracts():
    as_of = D("2023-12-15")
    exp = [D(s) for s in ("2023-12-20", "2024-01-17", "2024-02-14", "2024-03-20", "2024-04-17", "2024-05-22")]
    settles = (12.46, 14.63, 15.55, 16.2, 16.76, 17.05)
    m = MarketSnapshot(as_of, 12.28, 0.053, tuple(Future(e, s) for e, s in zip(exp, settles, strict=True)), VolModel(0.9, 0.58, 75, 0.35))
    one = Plan("c", m, Exposure(), Sizing("contracts", None), (Layer("m", 1.0, "M3", "ATM", contracts=1, roll_at_dte=30, roll_to="M4"),))
    ten = one.with_layer(0, contracts=10)
    r1, r10 = value_plan(one).rolls, value_plan(ten).rolls
    assert r1 and all(r.cost_usd > 0 for r in r1)
    assert [r.cost_usd * 10 for r in r1] == pytest.approx([r.cost_usd for r in r10], rel=1e-12)


def test_due_now_no_rule_and_a_rule_that_does_not_move_forward(default_plan):
    plan = default_plan
    layers = (
        Layer("late", 0.4, "M1", "ATM", roll_at_dte=20, roll_to="M2"),  # 16 DTE today: overdue
        Layer("none", 0.4, "M3", "ATM"),
        Layer("stuck", 0.2, "M2", "ATM", roll_at_dte=5, roll_to="M1"),  # M1 on the roll date is itself
    )
    v = value_plan(replace(plan, layers=layers))
    late = [r for r in v.rolls if r.layer == "late"]
    assert late[0].date == plan.market.as_of and "due now" in late[0].note
    assert not [r for r in v.rolls if r.layer in ("none", "stuck")]
    assert any("stuck" in w and "not after" in w for w in v.roll_warnings)


def test_rolls_can_be_skipped(default_plan):
    assert value_plan(default_plan, rolls=False).rolls == ()
