"""The curve, the vol model, strike/expiry resolution, sizing and the valuation's totals."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from tui.core.curve import Future, MarketSnapshot
from tui.core.plan import Exposure, Layer, Plan, Sizing, listed_strike, resolve_strike
from tui.core.plan_io import load_plan
from tui.core.scenarios import Shock, tenor_beta
from tui.core.valuation import value_at_risk, value_plan, zero_crossings
from tui.core.volmodel import VolModel
from tui.resources import default_plan_path

AS_OF = date(2026, 11, 20)


def _bs76_call(F, K, T, r, s):
    """Independent scalar Black-76 (math.erf), the textbook formula."""
    N = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    d1 = (math.log(F / K) + 0.5 * s * s * T) / (s * math.sqrt(T))
    d2 = d1 - s * math.sqrt(T)
    return math.exp(-r * T) * (F * N(d1) - K * N(d2))


def _market(vol=VolModel(), settles=(33.1, 30.4, 28.0, 26.5, 25.0, 24.0)):
    expiries = [date(2026, 12, 16), date(2027, 1, 20), date(2027, 2, 17), date(2027, 3, 17), date(2027, 4, 21), date(2027, 5, 19)]
    return MarketSnapshot(AS_OF, 35.0, 0.04, tuple(Future(e, s) for e, s in zip(expiries, settles)), vol)


def _plan(market=None, layers=None, sizing=Sizing("budget", 5e6)):
    layers = layers or (
        Layer("near", 0.4, "M1", "ATM"),
        Layer("mid", 0.4, "M3", "+10%"),
        Layer("tail", 0.2, "M6", "+50%"),
    )
    return Plan("t", market or _market(), Exposure(), sizing, tuple(layers))


# -- curve ------------------------------------------------------------------

def test_forward_hits_spot_and_every_settle():
    m = _market()
    assert m.forward(0) == pytest.approx(35.0)
    for f in m.live_futures:
        assert m.forward(m.dte(f.expiry)) == pytest.approx(f.settle, abs=1e-12)
        assert m.forward_at(f.expiry) == f.settle


def test_forward_is_monotone_between_knots():
    # PCHIP keeps each interval within its two knots: no overshoot. A cubic spline on
    # this curve would overshoot after the kink at M2.
    m = _market(settles=(33.0, 24.0, 23.9, 23.8, 30.0, 30.1))
    days, levels = m._knots
    grid = np.linspace(0, days[-1], 2001)
    fwd = m.forward(grid)
    for (d0, d1), (l0, l1) in zip(zip(days, days[1:]), zip(levels, levels[1:])):
        inside = fwd[(grid >= d0) & (grid <= d1)]
        assert inside.min() >= min(l0, l1) - 1e-12
        assert inside.max() <= max(l0, l1) + 1e-12
        step = np.diff(inside)
        assert np.all(step * np.sign(l1 - l0) >= -1e-12)  # same direction as the knots
    assert m.forward(days[-1] + 100) == pytest.approx(levels[-1])  # flat beyond the last month


def test_regime_figures_by_hand():
    r = _market().regime()
    assert r.name == "backwardation" and r.backwardation
    assert r.m1_m2_slope_pct == pytest.approx((30.4 / 33.1 - 1) * 100)
    assert r.vix_over_m1 == pytest.approx(35.0 / 33.1)
    assert r.roll_yield_per_day == pytest.approx((35.0 - 33.1) / 26)  # 2026-12-16 is 26 days out
    assert r.depth == "deep"  # slope -8.2 %
    calm = _market(settles=(18.0, 19.0, 20.0, 20.5, 21.0, 21.2))
    assert calm.regime().name == "contango" and calm.regime().depth == ""


# -- vol model and resolution -----------------------------------------------

def test_vol_model_shape():
    v = VolModel(1.2, 0.6, 60.0, 0.4)
    assert v.atm(0) == pytest.approx(1.2)
    assert v.atm(60) == pytest.approx(0.6 + 0.6 / math.e)
    assert v.vol(40.0, 20.0, 0) == pytest.approx(1.2 * 2**0.4)  # call skew: OTM calls dearer
    flat = VolModel.flat(0.8)
    assert np.allclose(flat.vol(np.array([10.0, 30.0, 90.0]), 25.0, np.array([1, 50, 300])), 0.8)


def test_strike_specs():
    assert listed_strike(13.26) == 13.5 and listed_strike(13.24) == 13.0 and listed_strike(32.49) == 32.0
    assert resolve_strike("ATM", 32.0986) == 32.0
    assert resolve_strike("+10%", 27.3048) == 30.0
    assert resolve_strike("-5%", 14.0) == 13.5
    assert resolve_strike(33.3, 20.0) == 33.3


def test_flat_vol_reproduces_plain_black76():
    m = _market(vol=VolModel.flat(0.8))
    plan = _plan(m, layers=(Layer("a", 0.5, "M1", 30.0), Layer("b", 0.5, "M4", 41.5)))
    v = value_plan(plan)
    for layer in v.layers:
        T = layer.dte / 365
        assert layer.vol == 0.8
        assert layer.price == pytest.approx(_bs76_call(layer.future, layer.strike, T, 0.04, 0.8), rel=1e-12)


def test_layer_between_listed_months_uses_the_interpolated_forward():
    m = _market()
    d = date(2027, 1, 5)
    v = value_plan(_plan(m, layers=(Layer("x", 1.0, d, 30.0),)))
    assert v.layers[0].future == pytest.approx(float(m.forward((d - AS_OF).days)))
    assert 30.4 < v.layers[0].future < 33.1


# -- sizing, totals, VaR ----------------------------------------------------

def test_var_by_hand():
    e = Exposure(notional_usd=2e9, vol_annual=0.75, var_confidence=0.99, var_horizon_days=10)
    assert value_at_risk(e) == pytest.approx(2e9 * 2.3263478740408408 * 0.75 * math.sqrt(10 / 365), rel=1e-12)


def test_budget_sizing_is_whole_contracts_split_by_weight():
    v = value_plan(_plan())
    spent = 0.0
    for layer in v.layers:
        cost = layer.price * 100
        assert layer.contracts == math.floor(5e6 * layer.weight / cost)
        assert 0 <= 5e6 * layer.weight - layer.contracts * cost < cost
        spent += layer.contracts * cost
    assert v.sizing.leftover_usd == pytest.approx(5e6 - spent)
    assert v.totals.premium_usd == pytest.approx(spent)


def test_usd_totals_are_greeks_times_100_times_contracts():
    v = value_plan(_plan())
    for name in ("delta", "vega", "theta", "gamma"):
        expected = sum(getattr(layer, name) * 100 * layer.contracts for layer in v.layers)
        assert getattr(v.totals, f"{name}_usd") == pytest.approx(expected, rel=1e-12)
    assert v.totals.theta_usd < 0 < v.totals.vega_usd


def test_contracts_mode_uses_the_given_contracts():
    layers = (Layer("a", 0.5, "M1", "ATM", contracts=10), Layer("b", 0.1, "M2", 40.0, contracts=3))
    v = value_plan(_plan(layers=layers, sizing=Sizing("contracts", None)))
    assert [layer.contracts for layer in v.layers] == [10, 3]
    assert v.totals.premium_usd == pytest.approx(sum(layer.price * 100 * layer.contracts for layer in v.layers))


def test_coverage_mode_hits_target_within_one_contract():
    plan = _plan(sizing=Sizing("coverage", None))
    v = value_plan(plan)
    # gain of one contract of each layer in the stress scenario bounds the rounding error
    per_contract = []
    for i, layer in enumerate(plan.layers):
        single = replace(plan, sizing=Sizing("contracts", None), layers=tuple(
            replace(x, contracts=(1 if j == i else 0)) for j, x in enumerate(plan.layers)))
        per_contract.append(value_plan(single).sizing.achieved_usd)
    assert abs(v.sizing.achieved_usd - v.sizing.target_usd) <= max(per_contract)
    assert v.sizing.target_usd == pytest.approx(0.20 * v.var_usd)
    # the premium is split by weight (to within one contract per layer)
    for layer in v.layers:
        assert layer.premium_usd == pytest.approx(v.totals.premium_usd * layer.weight, abs=layer.price * 100)


# -- scenarios --------------------------------------------------------------

def test_tenor_beta_shape():
    assert tenor_beta(0) == pytest.approx(1.0)
    b = tenor_beta(np.array([0, 20, 60, 180, 365]))
    assert np.all(np.diff(b) < 0) and b[-1] > 0


def test_no_shock_is_zero_pnl_and_a_spot_rise_helps_the_hedge():
    v = value_plan(_plan(), scenarios=(Shock("flat"), Shock("up", spot_shift=10.0), Shock("down", spot_shift=-10.0)))
    by_name = {s.name: s for s in v.scenarios}
    assert by_name["flat"].hedge_pnl_usd == pytest.approx(0.0, abs=1e-6)
    assert by_name["up"].hedge_pnl_usd > 0 > by_name["down"].hedge_pnl_usd
    assert by_name["up"].exposure_pnl_usd < 0 < by_name["down"].exposure_pnl_usd
    up = by_name["up"]
    assert up.coverage == pytest.approx(up.hedge_pnl_usd / -up.exposure_pnl_usd)
    assert by_name["down"].coverage is None


def test_days_forward_past_expiry_settles_at_intrinsic_on_the_shocked_spot():
    plan = _plan(layers=(Layer("a", 1.0, "M1", 30.0, contracts=10),), sizing=Sizing("contracts", None))
    v = value_plan(plan, scenarios=(Shock("late", spot_shift=5.0, days_forward=40),))
    price = v.layers[0].price
    expected = (max(35.0 + 5.0 - 30.0, 0.0) - price) * 100 * 10
    assert v.scenarios[-1].hedge_pnl_usd == pytest.approx(expected, rel=1e-12)


def test_days_forward_before_expiry_matches_direct_repricing():
    m = _market()
    plan = _plan(m, layers=(Layer("a", 1.0, "M3", 30.0, contracts=1),), sizing=Sizing("contracts", None))
    v = value_plan(plan, scenarios=(Shock("t+20", days_forward=20),))
    layer = v.layers[0]
    T = (layer.dte - 20) / 365
    # The curve is held by tenor: after 20 days the M3 future sits where today's curve
    # is at dte - 20 days (it rolls down the curve), with the vol of that tenor.
    rolled = float(m.forward(layer.dte - 20))
    assert rolled != pytest.approx(layer.future)  # the test can tell the two models apart
    direct = _bs76_call(rolled, 30.0, T, 0.04, float(m.vol.vol(30.0, rolled, layer.dte - 20)))
    assert v.scenarios[-1].hedge_pnl_usd == pytest.approx((direct - layer.price) * 100, rel=1e-10)


def test_payoff_grid_is_zero_at_spot_today_and_breakevens_are_crossings():
    v = value_plan(_plan())
    g = v.payoff
    at_spot = np.interp(35.0, g.levels, g.hedge_usd)
    assert abs(at_spot) < 0.01 * v.totals.premium_usd
    assert np.allclose(g.net_usd, g.hedge_usd + g.exposure_usd)
    assert zero_crossings(np.array([0.0, 1.0, 2.0, 3.0]), np.array([-1.0, 1.0, 0.0, -2.0])) == (0.5, 2.0)


def test_default_plan_values_cleanly():
    v = value_plan(load_plan(default_plan_path()))
    assert len(v.layers) == 3 and v.totals.contracts > 0
    assert v.regime.backwardation
    for s in v.scenarios:
        assert all(math.isfinite(x) for x in (s.hedge_pnl_usd, s.exposure_pnl_usd, s.net_pnl_usd))
    assert all(np.isfinite(v.payoff.hedge_usd))
    assert v.layers[0].expiry - v.market.as_of == timedelta(days=v.layers[0].dte)
