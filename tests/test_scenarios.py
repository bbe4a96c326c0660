"""The scenario engine: tenor beta, shocked curves, days forward, expiry, historical replays.

Expected values are computed here independently: a scalar Black-76 written with math.erf,
the episode figures read straight from the TOML file with tomllib.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

import tui.core.scenarios as scen
from references import bs76_call
from tui.core.curve import Future, MarketSnapshot
from tui.core.episodes import load_episodes
from tui.core.plan import Exposure, Layer, Plan, Sizing
from tui.core.scenarios import (
    PRESETS,
    Scenario,
    episode_scenario,
    find_scenario,
    library_scenarios,
    scenario_curve,
    tenor_beta,
)
from tui.core.valuation import VAR_STRESS_NAME, value_plan
from tui.core.volmodel import VolModel
from tui.resources import sample_data_dir

AS_OF = date(2026, 11, 20)
EXPIRIES = (date(2026, 12, 16), date(2027, 1, 20), date(2027, 2, 17), date(2027, 3, 17), date(2027, 4, 21), date(2027, 5, 19))
SETTLES = (33.1, 30.4, 28.0, 26.5, 25.0, 24.0)




def market(vol=VolModel(1.2, 0.6, 60.0, 0.3)):
    return MarketSnapshot(AS_OF, 35.0, 0.04, tuple(Future(e, s) for e, s in zip(EXPIRIES, SETTLES, strict=True)), vol)


def contracts_plan(layers, m=None, exposure=Exposure()):
    return Plan("t", m or market(), exposure, Sizing("contracts", None), tuple(layers))


def one_contract(expiry, strike):
    return contracts_plan((Layer("x", 1.0, expiry, strike, contracts=1),))


# -- tenor beta and the shocked curve ---------------------------------------------------------

def test_tenor_beta_by_hand():
    tau, b = 40.0, 0.21
    for d in (0, 16, 30, 40, 72, 180, 365):
        assert tenor_beta(d) == pytest.approx(b + (1 - b) * math.exp(-d / tau), rel=1e-14)
    assert tenor_beta(0) == 1.0
    # front month moves about two thirds of spot, six months barely more than a fifth
    assert 0.55 < tenor_beta(30) < 0.75 and tenor_beta(180) < 0.23
    assert tenor_beta(10, tau_days=20.0, b_long=0.5) == pytest.approx(0.5 + 0.5 * math.exp(-0.5))


def test_shocked_curve_moves_each_future_by_spot_move_times_beta():
    m = market()
    curve = scenario_curve(m, Scenario("up", spot_shift=12.0))
    assert curve[0] == (0, 47.0)
    for (d, level), e, s in zip(curve[1:], EXPIRIES, SETTLES, strict=True):
        assert d == (e - AS_OF).days
        assert level == pytest.approx(s + 12.0 * (0.21 + 0.79 * math.exp(-d / 40.0)), rel=1e-14)
    # to a level: the same move in points
    assert scenario_curve(m, Scenario("lvl", spot_level=47.0)) == curve
    # never at or below zero
    assert min(level for _, level in scenario_curve(m, Scenario("crash", spot_shift=-60.0))) > 0


def test_spot_shock_prices_every_layer_on_its_shocked_future():
    m = market()
    plan = contracts_plan([Layer(f"l{i}", 0.25, f"M{i}", 30.0, contracts=1) for i in (1, 2, 4, 6)], m)
    v = value_plan(plan, scenarios=(Scenario("up", spot_shift=8.0, vol_scale=1.3),))
    row = next(s for s in v.scenarios if s.name == "up")
    expected = 0.0
    for layer in v.layers:
        f = layer.future + 8.0 * (0.21 + 0.79 * math.exp(-layer.dte / 40.0))
        sigma = 1.3 * float(m.vol.vol(30.0, f, layer.dte))
        expected += (bs76_call(f, 30.0, layer.dte / 365, 0.04, sigma) - layer.price) * 100
    assert row.hedge_pnl_usd == pytest.approx(expected, rel=1e-11)


# -- days forward ----------------------------------------------------------------------------

def test_days_forward_rolls_down_a_curve_held_by_tenor():
    # M3 has 89 days, M2 56: after 33 days the M3 future sits at today's M2 level (30.4)
    # exactly, then takes the spot shock with the beta of 56 days.
    m = market()
    d3, d2 = (EXPIRIES[2] - AS_OF).days, (EXPIRIES[1] - AS_OF).days
    t = d3 - d2
    v = value_plan(one_contract("M3", 29.0), scenarios=(Scenario("fwd", spot_shift=5.0, days_forward=t, vol_scale=0.9, hold="tenor"),))
    f = 30.4 + 5.0 * (0.21 + 0.79 * math.exp(-d2 / 40.0))
    sigma = 0.9 * float(m.vol.vol(29.0, f, d2))
    direct = bs76_call(f, 29.0, d2 / 365, 0.04, sigma)
    assert v.scenarios[-1].hedge_pnl_usd == pytest.approx((direct - v.layers[0].price) * 100, rel=1e-11)
    # without a spot move the backwardated curve lifts the future: time alone is not all decay
    flat = value_plan(one_contract("M3", 29.0), scenarios=(Scenario("fwd", days_forward=t, hold="tenor"),))
    later = bs76_call(30.4, 29.0, d2 / 365, 0.04, float(m.vol.vol(29.0, 30.4, d2)))
    assert flat.scenarios[-1].hedge_pnl_usd == pytest.approx((later - v.layers[0].price) * 100, rel=1e-11)


def test_contango_days_forward_costs_the_roll_down():
    settles = (16.0, 17.5, 18.5, 19.2, 19.8, 20.2)
    calm = MarketSnapshot(AS_OF, 15.0, 0.04, tuple(Future(e, s) for e, s in zip(EXPIRIES, settles, strict=True)), VolModel.flat(0.8))
    plan = contracts_plan((Layer("x", 1.0, "M3", 19.0, contracts=1),), calm)
    d3, d2 = (EXPIRIES[2] - AS_OF).days, (EXPIRIES[1] - AS_OF).days
    v = value_plan(plan, scenarios=(Scenario("fwd", days_forward=d3 - d2, hold="tenor"),))
    assert v.scenarios[-1].hedge_pnl_usd == pytest.approx((bs76_call(17.5, 19.0, d2 / 365, 0.04, 0.8) - v.layers[0].price) * 100, rel=1e-11)
    assert v.scenarios[-1].hedge_pnl_usd < 0


def test_layers_expired_meanwhile_are_worth_intrinsic_against_the_shocked_spot():
    m = market()
    plan = contracts_plan((Layer("a", 0.5, "M1", 30.0, contracts=3), Layer("b", 0.5, "M1", 45.0, contracts=2)), m)
    v = value_plan(plan, scenarios=(Scenario("late", spot_shift=6.0, days_forward=40, vol_scale=2.0, hold="tenor"),
                                    Scenario("late2", spot_level=20.0, days_forward=26, hold="tenor")))
    pa, pb = v.layers[0].price, v.layers[1].price
    late = next(s for s in v.scenarios if s.name == "late")
    assert late.hedge_pnl_usd == pytest.approx(((41.0 - 30.0) - pa) * 300 + (0.0 - pb) * 200, rel=1e-12)
    late2 = next(s for s in v.scenarios if s.name == "late2")  # expires that very day, out of the money
    assert late2.hedge_pnl_usd == pytest.approx(-pa * 300 - pb * 200, rel=1e-12)


# -- historical replays ----------------------------------------------------------------------

def _file_episodes():
    with open(sample_data_dir() / "episodes.toml", "rb") as fh:
        return tomllib.load(fh)["episodes"]


def test_every_library_episode_applies_with_the_files_figures():
    raw = _file_episodes()
    scenarios = library_scenarios(mode="move")
    assert [s.episode_id for s in scenarios] == [e["id"] for e in raw]
    assert len(scenarios) >= 8
    for e, s in zip(raw, scenarios, strict=True):
        assert s.kind == "historical" and s.name == e["name"]
        assert s.spot_shift == pytest.approx(e["vix_after"] - e["vix_before"], abs=1e-12)
        assert s.future_move(0.0) == pytest.approx(e["vix_after"] - e["vix_before"], abs=1e-12)
        assert s.days_forward == (e["end"] - e["start"]).days
        assert s.vix_ratio == pytest.approx(e["vix_after"] / e["vix_before"])
        if "vvix_before" in e:
            assert s.vol_scale == pytest.approx(e["vvix_after"] / e["vvix_before"])
        else:
            assert s.vol_scale == 1.0
        assert s.btc_return == e.get("btc_return")
        after = {c["expiry"]: c["settle"] for c in e["curve_after"]}
        matched = 0
        for c in e["curve_before"]:
            if c["expiry"] in after:
                d = (c["expiry"] - e["start"]).days
                assert float(s.future_move(d)) == pytest.approx(after[c["expiry"]] - c["settle"], abs=1e-12)
                matched += 1
        assert matched >= 4, e["id"]


def test_replay_move_interpolates_by_tenor_and_is_flat_beyond_the_last_contract():
    ep = next(e for e in load_episodes() if e.id == "covid-2020")
    s = episode_scenario(ep, "move")
    moves = sorted(ep.tenor_moves("before"))
    (d0, m0), (d1, m1) = moves[0], moves[1]
    mid = (d0 + d1) / 2
    assert float(s.future_move(mid)) == pytest.approx((m0 + m1) / 2)
    # between spot (day 0) and the first matched contract
    assert float(s.future_move(d0 / 2)) == pytest.approx((ep.spot_move + m0) / 2)
    assert float(s.future_move(1000)) == pytest.approx(moves[-1][1])


def test_a_replay_prices_each_layer_on_todays_future_plus_the_episode_move():
    ep = next(e for e in load_episodes() if e.id == "yen-carry-2024")
    s = episode_scenario(ep, "move")
    m = market()
    layers = [Layer(f"l{i}", 0.25, f"M{i}", k, contracts=c) for i, k, c in ((1, 33.0, 2), (3, 30.0, 5), (5, 40.0, 7))]
    plan = contracts_plan(layers, m, exposure=Exposure(basis="crypto"))
    v = value_plan(plan, scenarios=(s,))
    row = next(r for r in v.scenarios if r.episode_id == "yen-carry-2024")
    w = (ep.end - ep.start).days
    scale = ep.vvix_after / ep.vvix_before
    expected = 0.0
    for layer in v.layers:
        knots = [(0, ep.spot_move)] + sorted(ep.tenor_moves("before"))
        move = float(np.interp(layer.dte, [k[0] for k in knots], [k[1] for k in knots]))
        f = layer.future + move
        rem = layer.dte - w
        sigma = scale * float(m.vol.vol(layer.strike, f, rem))
        expected += (bs76_call(f, layer.strike, rem / 365, 0.04, sigma) - layer.price) * 100 * layer.contracts
    assert row.hedge_pnl_usd == pytest.approx(expected, rel=1e-11)
    assert row.target_spot == pytest.approx(35.0 + ep.spot_move)
    # crypto exposure: BTC's return over the window
    assert row.exposure_basis == "btc"
    assert row.exposure_pnl_usd == pytest.approx(Exposure().notional_usd * ep.btc_return)


def test_replay_exposure_by_basis():
    gfc = next(e for e in load_episodes() if e.id == "gfc-2008")
    ftx = next(e for e in load_episodes() if e.id == "ftx-2022")
    assert gfc.btc_return is None and gfc.spx_return == pytest.approx(876.77 / 1251.70 - 1, abs=5e-5)
    one = (Layer("x", 1.0, "M1", 30.0, contracts=1),)
    # equity: beta x the S&P 500's own return over the window
    for ep in (gfc, ftx):
        v = value_plan(contracts_plan(one, exposure=Exposure(beta_spx=1.5)), scenarios=(episode_scenario(ep),))
        row = v.scenarios[-1]
        assert row.exposure_basis == "spx_episode"
        assert row.exposure_pnl_usd == pytest.approx(2e9 * 1.5 * ep.spx_return, rel=1e-12)
    # crypto: btc_beta x BTC's return; before BTC existed, the S&P's
    v = value_plan(contracts_plan(one, exposure=Exposure(basis="crypto", btc_beta=1.4)), scenarios=(episode_scenario(ftx), episode_scenario(gfc)))
    assert v.scenarios[-2].exposure_basis == "btc"
    assert v.scenarios[-2].exposure_pnl_usd == pytest.approx(2e9 * 1.4 * ftx.btc_return)
    assert v.scenarios[-1].exposure_basis == "spx_episode"
    # an episode without S&P closes falls back to the S&P move implied by its VIX ratio
    bare = replace(episode_scenario(gfc), spx_return=None)
    v = value_plan(contracts_plan(one, exposure=Exposure(beta_spx=1.5, spx_vix_elasticity=4.0)), scenarios=(bare,))
    assert v.scenarios[-1].exposure_basis == "spx"
    assert v.scenarios[-1].exposure_pnl_usd == pytest.approx(2e9 * 1.5 * ((gfc.vix_after / gfc.vix_before) ** (-1 / 4.0) - 1), rel=1e-12)


def test_ftx_replay_shows_a_hedge_that_did_not_help(default_plan):
    plan = default_plan
    for p in (plan, replace(plan, sizing=Sizing("coverage", None))):
        v = value_plan(p)
        rows = {s.episode_id: s for s in v.scenarios if s.kind == "historical"}
        ftx, terra, covid = rows["ftx-2022"], rows["terra-2022"], rows["covid-2020"]
        assert ftx.exposure_pnl_usd == pytest.approx(-0.249 * 2e9)
        # the hedge earns nothing worth the name (the market it ended in had a lower VVIX) ...
        assert ftx.hedge_pnl_usd < 0.02 * -ftx.exposure_pnl_usd
        # ... while the macro crash it was built for pays many times more per dollar lost
        assert ftx.coverage < 0.02 and covid.coverage > 4 * terra.coverage > 0
        assert ftx.net_pnl_usd < 0.97 * ftx.exposure_pnl_usd


# -- the scenario set ------------------------------------------------------------------------

def test_default_scenario_set_is_stress_then_library_then_presets(default_plan):
    v = value_plan(default_plan)
    kinds = [s.kind for s in v.scenarios]
    assert v.scenarios[0].name == VAR_STRESS_NAME and kinds[0] == "stress"
    n_lib = len(library_scenarios())
    assert kinds[1 : 1 + n_lib] == ["historical"] * n_lib
    assert [s.name for s in v.scenarios[1 + n_lib :]] == [p.name for p in PRESETS]
    for s in v.scenarios:
        assert s.net_pnl_usd == pytest.approx(s.hedge_pnl_usd + s.exposure_pnl_usd)
        if s.exposure_pnl_usd < 0:
            assert s.coverage == pytest.approx(s.hedge_pnl_usd / -s.exposure_pnl_usd)
        else:
            assert s.coverage is None


def test_a_scenario_set_is_one_vectorised_pricing(monkeypatch, default_plan):
    calls = []
    real = scen.black76

    def counting(*args, **kwargs):
        calls.append(np.shape(args[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(scen, "black76", counting)
    plan = default_plan
    many = tuple(Scenario(f"s{i}", spot_shift=float(i), days_forward=i % 7) for i in range(200)) + library_scenarios()
    value_plan(plan, scenarios=many[:3])
    few_calls = len(calls)
    calls.clear()
    value_plan(plan, scenarios=many)
    assert len(calls) == few_calls == 1  # scenarios and payoff grid: one (S + G, L) call
    assert calls[0][0] == 1 + len(many) + 161


def test_stress_scenario_can_name_an_episode_or_preset(default_plan):
    plan = default_plan
    v = value_plan(replace(plan, sizing=Sizing("budget", 5e6, "COVID-2020")))
    assert v.scenarios[0].episode_id == "covid-2020" and v.scenarios[0].kind == "stress"
    assert sum(1 for s in v.scenarios if s.episode_id == "covid-2020") == 1
    assert v.sizing.stress_scenario == "Mar 2020: COVID crash"
    assert v.sizing.achieved_usd == pytest.approx(v.scenarios[0].hedge_pnl_usd)
    v = value_plan(replace(plan, sizing=Sizing("budget", 5e6, "VIX +20")))
    assert v.scenarios[0].name == "VIX +20" and v.scenarios[0].kind == "stress"
    v = value_plan(replace(plan, sizing=Sizing("budget", 5e6, "no such thing")))
    assert v.scenarios[0].name == VAR_STRESS_NAME
    assert any("no such thing" in w for w in v.warnings)
    assert find_scenario("ftx-2022", library_scenarios()).name == "Nov 2022: FTX collapse"
