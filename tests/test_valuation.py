"""The curve, the vol model, strike/expiry resolution, sizing and the valuation's totals."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pytest

from tui.core.curve import Future, MarketSnapshot
from tui.core.exposure import value_at_risk
from tui.core.payoff import zero_crossings
from tui.core.plan import Exposure, Layer, Plan, Sizing, listed_strike, resolve_strike
from tui.core.scenarios import Scenario, tenor_beta
from tui.core.valuation import value_plan
from tui.core.volmodel import VolModel

AS_OF = date(2026, 11, 20)


def _bs76_call(F, K, T, r, s):
    """Independent scalar Black-76 (math.erf), the textbook formula."""
    N = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    d1 = (math.log(F / K) + 0.5 * s * s * T) / (s * math.sqrt(T))
    d2 = d1 - s * math.sqrt(T)
    return math.exp(-r * T) * (F * N(d1) - K * N(d2))


def _market(vol=VolModel(), settles=(33.1, 30.4, 28.0, 26.5, 25.0, 24.0)):
    expiries = [date(2026, 12, 16), date(2027, 1, 20), date(2027, 2, 17), date(2027, 3, 17), date(2027, 4, 21), date(2027, 5, 19)]
    return MarketSnapshot(AS_OF, 35.0, 0.04, tuple(Future(e, s) for e, s in zip(expiries, settles, strict=True)), vol)


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
    for (d0, d1), (l0, l1) in zip(pairwise(days), pairwise(levels), strict=True):
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
    for i in range(len(plan.layers)):
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
    v = value_plan(_plan(), scenarios=(Scenario("flat"), Scenario("up", spot_shift=10.0), Scenario("down", spot_shift=-10.0)))
    by_name = {s.name: s for s in v.scenarios}
    assert by_name["flat"].hedge_pnl_usd == pytest.approx(0.0, abs=1e-6)
    assert by_name["up"].hedge_pnl_usd > 0 > by_name["down"].hedge_pnl_usd
    assert by_name["up"].exposure_pnl_usd < 0 < by_name["down"].exposure_pnl_usd
    up = by_name["up"]
    assert up.coverage == pytest.approx(up.hedge_pnl_usd / -up.exposure_pnl_usd)
    assert by_name["down"].coverage is None


def test_days_forward_past_expiry_settles_at_intrinsic():
    plan = _plan(layers=(Layer("a", 1.0, "M1", 30.0, contracts=10),), sizing=Sizing("contracts", None))
    v = value_plan(plan, scenarios=(Scenario("late", spot_shift=5.0, days_forward=40), Scenario("rolled", spot_shift=5.0, days_forward=40, hold="tenor")))
    price = v.layers[0].price
    # sticky expiry: M1 settled at its own future (33.1) plus the spot move (beta 1 at expiry)
    assert v.scenarios[-2].hedge_pnl_usd == pytest.approx((max(33.1 + 5.0 - 30.0, 0.0) - price) * 100 * 10, rel=1e-12)
    # curve rolled to spot: at the shocked spot
    assert v.scenarios[-1].hedge_pnl_usd == pytest.approx((max(35.0 + 5.0 - 30.0, 0.0) - price) * 100 * 10, rel=1e-12)


def test_days_forward_before_expiry_matches_direct_repricing():
    m = _market()
    plan = _plan(m, layers=(Layer("a", 1.0, "M3", 30.0, contracts=1),), sizing=Sizing("contracts", None))
    v = value_plan(plan, scenarios=(Scenario("t+20", days_forward=20), Scenario("t+20 rolled", days_forward=20, hold="tenor")))
    layer = v.layers[0]
    T = (layer.dte - 20) / 365
    # Sticky expiry: only time passes, the M3 future stays where it is.
    direct = _bs76_call(layer.future, 30.0, T, 0.04, float(m.vol.vol(30.0, layer.future, layer.dte - 20)))
    assert v.scenarios[-2].hedge_pnl_usd == pytest.approx((direct - layer.price) * 100, rel=1e-10)
    # The alternative holds the curve by tenor: the future sits where today's curve is at
    # dte - 20 days (it rolls down the curve), with the vol of that tenor.
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


def test_default_plan_values_cleanly(default_plan):
    v = value_plan(default_plan)
    assert len(v.layers) == 3 and v.totals.contracts > 0
    assert v.regime.backwardation
    for s in v.scenarios:
        assert all(math.isfinite(x) for x in (s.hedge_pnl_usd, s.exposure_pnl_usd, s.net_pnl_usd))
    assert all(np.isfinite(v.payoff.hedge_usd))
    assert v.layers[0].expiry - v.market.as_of == timedelta(days=v.layers[0].dte)


# -- exposure: VaR with its inputs, the VaR stress, the S&P/VIX relationship ----------------

def test_var_breakdown_by_hand_and_the_var_stress_level():
    from tui.core.exposure import var_breakdown

    e = Exposure(notional_usd=1.5e9, beta_spx=1.8, vol_annual=0.9, var_confidence=0.975, var_horizon_days=7, spx_vix_elasticity=4.0)
    b = var_breakdown(e, 30.0)
    z = 1.959963984540054  # the 97.5 % normal quantile
    assert b.z == pytest.approx(z, rel=1e-12)
    assert b.horizon_vol == pytest.approx(0.9 * math.sqrt(7 / 365), rel=1e-12)
    assert b.var_usd == pytest.approx(1.5e9 * z * 0.9 * math.sqrt(7 / 365), rel=1e-12)
    assert b.target_usd == pytest.approx(0.20 * b.var_usd)
    # CAPM conditional expectation, by hand: E[r_m | r_e] = beta s_m^2 / s_e^2 r_e
    var_pct = 1.959963984540054 * 0.9 * math.sqrt(7 / 365)
    spx = 1.8 * 0.18**2 / 0.9**2 * -var_pct  # 0.072 x -0.24428
    assert spx == pytest.approx(-0.072 * 0.244283, abs=1e-6)
    assert b.var_spx_return == pytest.approx(spx, rel=1e-12)
    assert b.correlation == pytest.approx(1.8 * 0.18 / 0.9) and b.correlation_source == "capm"
    assert b.var_vix_level == pytest.approx(30.0 * (1 + spx) ** -4.0, rel=1e-12)


def test_var_stress_row_loses_exactly_var():
    v = value_plan(_plan())
    stress = v.scenarios[0]
    assert stress.kind == "stress" and stress.name == v.sizing.stress_scenario
    assert stress.exposure_pnl_usd == pytest.approx(-v.var_usd, rel=1e-12)
    assert stress.target_spot == pytest.approx(v.var.var_vix_level)
    # with no S&P beta no VIX move is implied: the exposure loses VaR, the VIX stays
    flat = value_plan(replace(_plan(), exposure=Exposure(beta_spx=0.0)))
    assert flat.scenarios[0].target_spot == 35.0 and flat.scenarios[0].hedge_pnl_usd == pytest.approx(0.0, abs=1e-6)
    assert flat.scenarios[0].exposure_pnl_usd == pytest.approx(-flat.var_usd)


def test_the_elasticity_is_a_plan_setting():
    up = Scenario("up", spot_shift=10.0)
    for k in (3.0, 5.0, 9.0):
        v = value_plan(replace(_plan(), exposure=Exposure(spx_vix_elasticity=k)), scenarios=(up,))
        row = v.scenarios[-1]
        assert row.exposure_basis == "spx"
        assert row.exposure_pnl_usd == pytest.approx(2e9 * 2.0 * ((45.0 / 35.0) ** (-1 / k) - 1), rel=1e-12)


def test_new_exposure_keys_round_trip_and_default_when_absent(default_plan):
    from tui.core.plan_io import dumps_plan, parse_plan

    plan = default_plan
    assert plan.exposure.spx_vix_elasticity == 5.0 and plan.exposure.btc_beta == 1.0  # absent: defaults
    edited = replace(plan, exposure=replace(plan.exposure, spx_vix_elasticity=6.5, btc_beta=1.3))
    text = dumps_plan(edited)
    again = parse_plan(text)
    assert again == edited and dumps_plan(again) == text
    with pytest.raises(ValueError, match="spx_vix_elasticity"):
        parse_plan(text.replace("spx_vix_elasticity = 6.5", "spx_vix_elasticity = 0"))
    with pytest.raises(ValueError, match="btc_beta"):
        parse_plan(text.replace("btc_beta = 1.3", "btc_beta = -1"))


# -- sizing: coverage mode and the premium read-out ------------------------------------------

def _one_contract_gains(plan):
    gains = []
    for i in range(len(plan.layers)):
        single = replace(plan, sizing=Sizing("contracts", None, plan.sizing.stress_scenario), layers=tuple(
            replace(x, contracts=(1 if j == i else 0)) for j, x in enumerate(plan.layers)))
        gains.append(value_plan(single).sizing.achieved_usd)
    return gains


@pytest.mark.parametrize("stress", [None, "covid-2020", "VIX +20", "Aug 2024: yen carry unwind"])
def test_default_plan_in_coverage_mode_hits_its_target_within_one_contract(stress, default_plan):
    plan = default_plan
    plan = replace(plan, sizing=Sizing("coverage", None, stress))
    v = value_plan(plan)
    s = v.sizing
    gains = _one_contract_gains(plan)
    assert s.gain_per_contract_usd == pytest.approx(gains, rel=1e-9)
    assert s.tolerance_usd == pytest.approx(max(gains))
    if stress is None:
        assert s.target_usd == pytest.approx(0.20 * v.var_usd) and s.target_basis == "VaR"
    else:  # a named scenario: a share of the exposure's loss in it
        assert s.target_usd == pytest.approx(0.20 * -v.scenarios[0].exposure_pnl_usd)
    assert abs(s.achieved_usd - s.target_usd) <= max(gains)
    assert s.achieved_usd == pytest.approx(sum(g * layer.contracts for g, layer in zip(gains, v.layers, strict=True)), rel=1e-9)
    # the premium follows the weights to within a couple of contracts per layer
    for layer in v.layers:
        assert abs(layer.premium_usd - v.totals.premium_usd * layer.weight) <= 2 * layer.price * 100
    assert v.scenarios[0].hedge_pnl_usd == pytest.approx(s.achieved_usd)


def test_coverage_rounding_is_tighter_than_rounding_each_layer():
    from tui.core.sizing import coverage_contracts

    # Four equal layers each wanting 10.45 contracts: rounding each layer gives 4 x 10
    # (1.8 contracts' gain short); whole-contract top-up lands within one contract.
    c = coverage_contracts(41_800.0, np.full(4, 100.0), np.full(4, 0.25), np.full(4, 1000.0))
    assert int(c.sum()) == 42 and c.max() - c.min() <= 1

    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 5))
        cost = rng.uniform(50, 2000, n)
        gain = rng.uniform(-200, 8000, n)
        if gain.max() <= 0:
            continue
        w = rng.dirichlet(np.ones(n))
        target = float(rng.uniform(1e4, 1e7))
        c = coverage_contracts(target, cost, w, gain)
        achieved = float(gain @ c)
        if (w * gain / cost).sum() <= 0:
            assert c.sum() == 0
            continue
        assert abs(achieved - target) <= gain[gain > 0].max() + 1e-6
        assert c.min() >= 0


def test_premium_read_out_by_hand():
    v = value_plan(_plan())
    notional = 2e9
    assert v.sizing.premium_pct_notional == pytest.approx(v.totals.premium_usd / notional)
    assert v.sizing.premium_pct_annualised == pytest.approx(
        sum(layer.premium_usd * 365 / layer.dte for layer in v.layers) / notional, rel=1e-12)


# -- regime read-out --------------------------------------------------------------------------

def test_regime_read_out_on_the_default_plan(default_plan):
    from tui.core.market_csv import load_snapshot_csv
    from tui.resources import sample_data_dir

    v = value_plan(default_plan)
    r = v.regime_readout
    assert r.entry_condition_met and r.depth == "deep"
    assert any("-5.3 %" in x for x in r.reasons) and any("VIX/M1 1.202" in x for x in r.reasons)
    assert r.vxth_forward == 32.0986 and r.vxth_buys and r.vxth_band == "30-50" and r.vxth_weight_pct == 0.5
    calm = load_snapshot_csv(sample_data_dir() / "calm_contango_2023-12-15.csv")
    num = den = 0.0
    for layer, c in zip(v.layers, r.layers, strict=True):
        f = float(calm.forward(layer.dte))
        k = f * layer.strike / layer.future
        p = _bs76_call(f, k, layer.dte / 365, calm.rate, float(calm.vol.vol(k, f, layer.dte)))
        assert c.price_calm == pytest.approx(p, rel=1e-11)
        assert c.pct_spot == pytest.approx(layer.price / 38.57)
        assert c.pct_spot_calm == pytest.approx(p / 12.28)
        num += layer.contracts * layer.price / 38.57
        den += layer.contracts * p / 12.28
    assert r.cost_vs_calm == pytest.approx(num / den, rel=1e-11)


def test_regime_read_out_in_contango_fails_the_entry_condition():
    calm = _market(settles=(18.0, 19.0, 20.0, 20.5, 21.0, 21.2))
    r = value_plan(_plan(calm)).regime_readout
    assert not r.entry_condition_met and r.depth == ""
    assert "contango" in r.reasons[0]
    low = _market(settles=(14.0, 15.0, 16.0, 16.5, 17.0, 17.2))
    assert value_plan(_plan(low)).regime_readout.vxth_buys is False


def test_quick_calm_reader_equals_the_validated_loader():
    from tui.core.market_csv import load_snapshot_csv
    from tui.core.regime import CALM_REFERENCE_FILE, calm_reference, read_snapshot_quick
    from tui.resources import sample_data_dir

    path = sample_data_dir() / CALM_REFERENCE_FILE
    assert read_snapshot_quick(path) == load_snapshot_csv(path) == calm_reference()


@pytest.mark.parametrize("seed", range(20))
def test_forward_interpolation_is_scipys_pchip(seed):
    from scipy.interpolate import PchipInterpolator

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 10))
    settles = tuple(rng.uniform(12.0, 60.0, n))
    if seed % 4 == 0:
        settles = tuple(sorted(settles))  # monotone curves, and plateaus below
    if seed % 5 == 0:
        settles = (30.0,) * n
    expiries = sorted({AS_OF + timedelta(days=int(d)) for d in rng.integers(1, 400, n)})
    # Not strict: equal random days collapse in the set, leaving fewer expiries than settles.
    m = MarketSnapshot(AS_OF, float(rng.uniform(10, 80)), 0.04, tuple(Future(e, s) for e, s in zip(expiries, settles, strict=False)))
    days, levels = m._knots
    grid = np.linspace(0.0, days[-1], 997)
    reference = PchipInterpolator(days, levels)(grid)
    assert np.allclose(m.forward(grid), reference, rtol=1e-12, atol=1e-12)
