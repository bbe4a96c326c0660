"""Financing legs: spreads priced, capped, stressed, sized and rolled; the uncovered-short guard."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from cli_run import run_cli
from tui.core.black76 import black76
from tui.core.plan import Layer, Leg, Sizing, preset_442_financed
from tui.core.plan_io import PlanError, dumps_plan, load_plan, parse_plan
from tui.core.price_json import valuation_to_json
from tui.core.valuation import value_plan
from tui.resources import default_plan_path


@pytest.fixture(scope="module")
def base():
    return load_plan(default_plan_path())


def one_layer(base, legs=(), strike=32.0, contracts=10, expiry="M1", **layer):
    lay = Layer("near", 1.0, expiry, strike, contracts=contracts, legs=tuple(legs), **layer)
    return replace(base, layers=(lay,), sizing=Sizing("contracts", None))


def test_spread_price_is_long_minus_short_priced_separately(base):
    plan = one_layer(base, [Leg("short", 40.0)])
    v = value_plan(plan)
    layer, leg = v.layers[0], v.layers[0].legs[0]
    m = plan.market
    F, T = layer.future, layer.dte / 365.0
    long_px = black76(F, 32.0, T, m.rate, m.vol.vol(np.array([32.0]), np.array([F]), np.array([layer.dte]))[0], True).price
    short_px = black76(F, 40.0, T, m.rate, m.vol.vol(np.array([40.0]), np.array([F]), np.array([layer.dte]))[0], True).price
    assert layer.price == pytest.approx(float(long_px), rel=1e-12)
    assert leg.price == pytest.approx(float(short_px), rel=1e-12)
    assert layer.net_usd == pytest.approx((float(long_px) - float(short_px)) * 100 * 10, rel=1e-12)
    assert leg.contracts == 10 and leg.premium_usd == pytest.approx(-float(short_px) * 1000)
    assert v.totals.premium_usd == pytest.approx(layer.net_usd)
    assert layer.financing_share == pytest.approx(float(short_px / long_px))


def test_spread_payoff_at_expiry_is_capped(base):
    plan = one_layer(base, [Leg("short", 40.0)])
    v0 = value_plan(plan)
    net = v0.layers[0].net_usd / 1000.0  # points per spread
    v = value_plan(plan, horizon_days=v0.layers[0].dte)
    hedge = v.payoff.hedge_usd
    # hand values at expiry: 1000 x (min(max(F_T - 32, 0), 8) - net) whatever the future
    # F_T at expiry is: from -net (below 32) to the cap (K2 - K1) x 100 per contract - net
    assert hedge.min() == pytest.approx(-net * 1000, abs=1e-6)
    assert hedge.max() == pytest.approx((40 - 32) * 100 * 10 - net * 1000, abs=1e-6)
    assert np.all(np.diff(hedge) >= -1e-6)  # never falls as the VIX rises


def test_no_legs_leaves_the_long_call_alone(base):
    plain = value_plan(one_layer(base))
    spread = value_plan(one_layer(base, [Leg("short", 40.0)]))
    a, b = plain.layers[0], spread.layers[0]
    assert (a.price, a.delta, a.gamma, a.vega, a.theta, a.premium_usd) == (b.price, b.delta, b.gamma, b.vega, b.theta, b.premium_usd)
    assert a.legs == () and a.net_premium_usd is None and a.net_usd == a.premium_usd
    assert "legs" not in dumps_plan(one_layer(base))


def test_scenarios_are_long_minus_short(base):
    spread = value_plan(one_layer(base, [Leg("short", 40.0)]))
    long_only = value_plan(one_layer(base))
    short_as_long = value_plan(one_layer(base, strike=40.0))
    for s, a, c in zip(spread.scenarios, long_only.scenarios, short_as_long.scenarios, strict=True):
        assert s.name == a.name == c.name
        assert s.hedge_pnl_usd == pytest.approx(a.hedge_pnl_usd - c.hedge_pnl_usd, rel=1e-9, abs=1e-6)


def test_leg_set_greeks_against_finite_differences(base):
    plan = one_layer(base, [Leg("short", "+30%", ratio=2.0), Leg("long", "+60%")])
    v = value_plan(plan)
    m = plan.market
    opts = [(v.layers[0].future, v.layers[0].strike, v.layers[0].dte, v.layers[0].vol, 10)]
    opts += [(g.future, g.strike, g.dte, g.vol, (-1 if g.side == "short" else 1) * g.contracts) for g in v.layers[0].legs]
    assert [o[4] for o in opts] == [10, -20, 10]

    def value(df=0.0, dv=0.0, dt=0.0):
        return sum(c * 100 * float(black76(F + df, K, (d - dt) / 365, m.rate, s + dv, True).price) for F, K, d, s, c in opts)

    h = 1e-4
    assert v.totals.delta_usd == pytest.approx((value(df=h) - value(df=-h)) / (2 * h), rel=1e-6)
    g = 1e-2  # a second difference needs a wider step than round-off allows at 1e-4
    assert v.totals.gamma_usd == pytest.approx((value(df=g) - 2 * value() + value(df=-g)) / g**2, rel=1e-4)
    assert v.totals.vega_usd == pytest.approx((value(dv=h) - value(dv=-h)) / (2 * h) * 0.01, rel=1e-6)
    assert v.totals.theta_usd == pytest.approx((value(dt=h) - value(dt=-h)) / (2 * h), rel=1e-5)


@pytest.mark.parametrize(
    "legs, uncovered, unlimited",
    [
        ([Leg("short", 40.0)], False, False),  # 1x1 call spread: covered
        ([Leg("short", 40.0, ratio=2.0)], True, True),  # 1x2 ratio: one naked call above 40
        ([Leg("short", 28.0)], True, False),  # short below the long: short > long from 28 to 32
        ([Leg("short", 40.0, ratio=2.0), Leg("long", 50.0)], True, False),  # 1x2x1 fly: short from 40 to 50
        ([Leg("short", 40.0, expiry="M3")], True, False),  # the short outlives the long
    ],
)
def test_uncovered_short_warning(base, legs, uncovered, unlimited):
    v = value_plan(one_layer(base, legs))
    found = [w for w in v.warnings if "uncovered" in w]
    assert bool(found) == uncovered, found
    assert any("without limit" in w for w in found) == unlimited, found


def test_uncovered_warning_in_check_and_price(base, tmp_path):
    path = tmp_path / "ratio.toml"
    path.write_text(dumps_plan(one_layer(base, [Leg("short", 40.0, ratio=2.0)])))
    check = run_cli("check", str(path))
    assert check.returncode == 0 and "uncovered upside risk" in check.stdout
    price = run_cli("price", str(path), "--json")
    data = json.loads(price.stdout)
    assert any("uncovered" in w for w in data["warnings"])
    leg = data["layers"][0]["legs"][0]
    assert set(leg) >= {"side", "expiry", "strike", "ratio", "contracts", "price", "delta", "gamma", "vega", "theta"}
    assert leg["side"] == "short" and leg["contracts"] == 20 and leg["ratio"] == 2.0
    assert data["layers"][0]["uncovered"] is True
    lay = data["layers"][0]
    assert lay["net_premium_usd"] == pytest.approx(lay["premium_usd"] - 100 * 20 * leg["price"])


def test_budget_sizing_counts_the_net_premium(base):
    plan = replace(base, layers=preset_442_financed(), sizing=Sizing("budget", 5_000_000.0))
    v = value_plan(plan)
    near = v.layers[0]
    assert near.legs and near.legs[0].contracts == near.contracts
    unit = near.price - near.legs[0].price  # points per spread
    assert near.net_usd <= 0.4 * 5e6 < near.net_usd + unit * 100  # whole spreads within the near share
    assert near.contracts == int(0.4 * 5e6 // (unit * 100))
    assert v.totals.premium_usd == pytest.approx(sum(lv.net_usd for lv in v.layers))
    assert v.sizing.leftover_usd == pytest.approx(5e6 - v.totals.premium_usd)
    # financing buys more near contracts than the plain 4/4/2 for the same budget
    plain = value_plan(replace(plan, layers=tuple(replace(layer, legs=()) for layer in plan.layers)))
    assert near.contracts > plain.layers[0].contracts


def test_unspent_budget_is_what_the_whole_contracts_leave_with_legs_rounded(base):
    # A leg of ratio 0.5 on an odd number of layer contracts rounds to whole contracts, so
    # the premium paid is not contracts x the layer's net price per long contract: what is
    # unspent comes from the premium paid (computed once, in value_plan).
    layers = (replace(base.layers[0], legs=(Leg("short", "+50%", 0.5),)),) + base.layers[1:]
    plan = replace(base, layers=layers, sizing=Sizing("budget", 1_000_000.0))
    v = value_plan(plan)
    near = v.layers[0]
    assert near.contracts % 2 == 1 and near.legs[0].contracts == round(0.5 * near.contracts)
    assert v.sizing.leftover_usd == pytest.approx(1_000_000.0 - v.totals.premium_usd, rel=0, abs=1e-6)
    nominal = 1_000_000.0 - sum(lv.contracts * (lv.price - 0.5 * lv.legs[0].price if lv.legs else lv.price) * 100 for lv in v.layers)
    assert abs(nominal - v.sizing.leftover_usd) > 1.0  # the rounding shows


def test_coverage_sizing_uses_the_net_stress_gain(base):
    plan = replace(base, layers=preset_442_financed(), sizing=Sizing("coverage", None))
    v = value_plan(plan)
    assert abs(v.sizing.achieved_usd - v.sizing.target_usd) <= v.sizing.tolerance_usd + 1e-6
    layer_gain = v.sizing.gain_per_contract_usd[0]
    # the stress gain of one spread = long gain - short gain, smaller than the long's alone
    plain = value_plan(replace(plan, layers=tuple(replace(layer, legs=()) for layer in plan.layers)))
    assert 0 < layer_gain < plain.sizing.gain_per_contract_usd[0]


def test_a_leg_rolls_with_its_layer(base):
    plan = replace(base, layers=preset_442_financed(), sizing=Sizing("budget", 5_000_000.0))
    v = value_plan(plan)
    near = [r for r in v.rolls if r.layer == "near"]
    short = [r for r in v.rolls if r.layer == "near·short"]
    assert near and len(short) == len(near)
    for a, b in zip(near, short, strict=True):
        assert (a.date, a.from_expiry, a.to_expiry) == (b.date, b.from_expiry, b.to_expiry)
        assert b.contracts == -a.contracts
        # buying back the old short and selling the new one: cost = (buy - sell) x 100 x (-n)
        assert b.cost_usd == pytest.approx((b.buy_price - b.sell_price) * 100 * b.contracts)


def test_legs_round_trip_and_bad_legs_are_named(base):
    plan = replace(base, layers=preset_442_financed())
    again = parse_plan(dumps_plan(plan))
    assert again.layers == plan.layers
    text = dumps_plan(base).replace(
        'roll_to = "M2"\n',
        'roll_to = "M2"\n\n[[layers.legs]]\nside = "sell"\nstrike = "+50%"\nratio = -1\nwhen = 3\n',
        1,
    )
    with pytest.raises(PlanError) as info:
        parse_plan(text, "p.toml")
    joined = "\n".join(info.value.messages)
    assert "layers[0].legs[0].side" in joined and "layers[0].legs[0].ratio" in joined and "layers[0].legs[0].when" in joined
    # the [[layers.legs]] form a user writes by hand reads the same as what the app writes
    hand = dumps_plan(base).replace('roll_to = "M2"\n', 'roll_to = "M2"\n\n[[layers.legs]]\nside = "short"\nstrike = "+50%"\n', 1)
    assert parse_plan(hand).layers[0].legs == (Leg("short", "+50%", 1.0),)


def test_json_without_legs_gains_only_keys(base):
    data = valuation_to_json(value_plan(base))
    for layer in data["layers"]:
        assert layer["legs"] == [] and layer["net_premium_usd"] == layer["premium_usd"]


# -- the backtest replays a financed layer as its spread -------------------------------------

def test_backtest_runs_a_spread_as_long_minus_short(base):
    from tui.core.backtest import run_backtest
    from tui.core.history import load_history
    from tui.core.plan import BacktestSettings

    history = load_history()
    settings = BacktestSettings(start=date(2019, 1, 2), end=date(2020, 12, 31))
    lay = Layer("near", 1.0, "M1", "ATM", contracts=100, roll_at_dte=14, roll_to="M2")
    plan = replace(base, layers=(lay,), sizing=Sizing("contracts", None))
    spread = run_backtest(plan.with_layer(0, legs=(Leg("short", "+50%"),)), history, settings)
    long_k1 = run_backtest(plan, history, settings)
    long_k2 = run_backtest(plan.with_layer(0, strike="+50%"), history, settings)
    np.testing.assert_allclose(spread.hedge.value, long_k1.hedge.value - long_k2.hedge.value, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(spread.hedge.premium, long_k1.hedge.premium - long_k2.hedge.premium, rtol=1e-9, atol=1e-6)
    calendar = run_backtest(plan.with_layer(0, legs=(Leg("short", "+50%", expiry="M2"),)), history, settings)
    assert any("calendar" in n for n in calendar.notes)


def test_backtest_years_carry_the_funding_cost(base):
    from tui.core.backtest import run_backtest
    from tui.core.backtest_report import to_json, yearly
    from tui.core.history import load_history
    from tui.core.plan import BacktestSettings

    settings = BacktestSettings(start=date(2019, 1, 2), end=date(2019, 12, 31))
    plan = replace(base, exposure=replace(base.exposure, funding_rate=0.05))
    result = run_backtest(plan, load_history(), settings)
    hand = sum(t.cost_usd * math.expm1(0.05 * ((t.close_date or date(2019, 12, 31)) - t.open_date).days / 365)
               for t in result.hedge.trades if t.open_date.year == 2019)
    year = next(y for y in yearly(result, result.hedge) if y["year"] == 2019)
    assert year["funding_usd"] == pytest.approx(hand, rel=1e-9) and hand > 0
    assert to_json(result)["summary"]["funding_usd_per_year"] > 0
    plain = run_backtest(base, load_history(), settings)
    assert all(y["funding_usd"] == 0.0 for y in yearly(plain, plain.hedge))
