"""The backtest engine (tui.core.backtest) against independent references: hand-priced
trades, the real final settlements and expiries of the shared data, the VXTH tiers, the
exposure compounded by hand, and a straightforward per-day loop."""

from __future__ import annotations

import math
import runpy
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tui.core.backtest import BacktestError, exposure_path, run_backtest
from tui.core.backtest_market import Market
from tui.core.backtest_report import episode_windows, episodes, max_drawdown, to_json, worst_window, yearly
from tui.core.history import load_history
from tui.core.plan import BacktestSettings, Layer, Sizing

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def history():
    return load_history()


@pytest.fixture(scope="module")
def plan(default_plan):
    return default_plan


@pytest.fixture(scope="module")
def full(plan, history):
    return run_backtest(plan, history)


def _one_layer(plan, **kw):
    layer = Layer("only", 1.0, **{"expiry": "M1", "strike": "ATM", **kw})
    return replace(plan, layers=(layer,))


def _bs_call(f, k, t, r, sigma):
    """Black-76 call by hand (math.erf)."""
    n = lambda x: 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))  # noqa: E731
    d1 = (math.log(f / k) + 0.5 * sigma * sigma * t) / (sigma * math.sqrt(t))
    return math.exp(-r * t) * (f * n(d1) - k * n(d1 - sigma * math.sqrt(t)))


# -- the "done when" ---------------------------------------------------------------

def test_default_plan_pays_in_2008_and_2020_and_costs_in_2017(full):
    data = to_json(full)
    eps = {e["name"]: e for e in data["episodes"]}
    assert eps["Oct 2008: global financial crisis"]["hedge_pnl_usd"] > 0
    assert eps["Mar 2020: COVID crash"]["hedge_pnl_usd"] > 0
    years = {y["year"]: y for y in data["years"]}
    assert years[2017]["hedge_pnl_usd"] < 0
    assert data["summary"]["start"] == "2006-01-03" and data["summary"]["end"] == "2025-04-30"


def test_vxth_rule_runs_at_equal_average_annual_premium(full):
    data = to_json(full)
    plan_cost = data["summary"]["premium_usd_per_year"]
    assert plan_cost > 0
    assert data["benchmark"]["premium_usd_per_year"] == pytest.approx(plan_cost, rel=1e-9)
    assert data["benchmark"]["rule"].startswith("Cboe VXTH")


# -- trades priced by hand and against the real data ---------------------------------------

def test_one_trade_priced_by_hand(plan, history):
    result = run_backtest(plan, history, BacktestSettings(start=date(2024, 8, 5), end=date(2024, 9, 30)))
    trade = next(tr for tr in result.hedge.trades if tr.open_date == date(2024, 8, 5) and tr.layer == "near")
    day = history.between(trade.open_date, trade.open_date)
    f = dict(history.curve_on(trade.open_date))[trade.expiry]
    dte = (trade.expiry - trade.open_date).days
    vol = plan.market.vol
    atm = vol.atm_long + (vol.atm_front - vol.atm_long) * math.exp(-dte / vol.decay_days)
    atm30 = vol.atm_long + (vol.atm_front - vol.atm_long) * math.exp(-30.0 / vol.decay_days)
    sigma = atm * (trade.strike / f) ** vol.skew * (day.daily["vvix"].iloc[0] / 100.0) / atm30
    price = _bs_call(f, trade.strike, dte / 365.0, plan.market.rate, sigma)
    assert trade.cost_usd == pytest.approx(price * 100.0 * trade.contracts, rel=1e-10)
    # the near layer is M1 ATM, not within its 14-day roll window: Aug 21 (16 days) on Aug 5
    assert trade.expiry == date(2024, 8, 21) and trade.strike == round(f)


def test_call_held_to_expiry_pays_the_real_final_settlement(plan, history, shared_data):
    held = replace(_one_layer(plan, strike="+5%", contracts=10), sizing=Sizing(mode="contracts", premium_usd=None))
    result = run_backtest(held, history, BacktestSettings(start=date(2015, 1, 1), end=date(2020, 12, 31)))
    vx = pd.read_csv(shared_data / "vx_monthly_settlements.csv", parse_dates=["expiry"])
    finals = vx[vx.is_final_settlement_day.astype(bool)].set_index("expiry")["settle"]
    expired = [tr for tr in result.hedge.trades if tr.reason == "expiry"]
    assert len(expired) > 60
    for tr in expired:
        assert tr.close_date == tr.expiry
        final = finals[pd.Timestamp(tr.expiry)]
        assert tr.proceeds_usd == pytest.approx(max(final - tr.strike, 0.0) * 100.0 * 10, abs=1e-9)
    # each was re-bought on the expiry day as the next month
    opens = {tr.open_date for tr in result.hedge.trades}
    assert all(tr.expiry in opens for tr in expired[:-1])


def test_opening_dates_and_expiries_are_real_vx_days(full, shared_data):
    vx = pd.read_csv(shared_data / "vx_monthly_settlements.csv", parse_dates=["trade_date", "expiry"])
    expiries = set(vx["expiry"].dt.date)
    trading = set(vx["trade_date"].dt.date)
    for tr in full.hedge.trades + full.benchmark.trades:
        assert tr.expiry in expiries
        assert tr.open_date in trading
        assert tr.close_date is None or tr.close_date in trading
    # VXTH buys on the expiry days themselves
    assert all(tr.open_date in expiries for tr in full.benchmark.trades)


def test_budget_mode_spends_the_budget_at_each_opening_within_one_contract(plan, full):
    weights = {layer.name: layer.weight for layer in plan.layers}
    assert len(full.hedge.trades) > 300
    for tr in full.hedge.trades:
        share = plan.sizing.premium_usd * weights[tr.layer]
        one = tr.cost_usd / tr.contracts
        assert 0.0 <= share - tr.cost_usd < one + 1e-6


def test_a_layer_struck_at_1000_costs_and_pays_about_nothing(plan, history):
    def one_contract(strike):
        layer_plan = replace(_one_layer(plan, strike=strike, contracts=1, roll_at_dte=14, roll_to="M2"),
                             sizing=Sizing(mode="contracts", premium_usd=None))
        return run_backtest(layer_plan, history)

    far, atm = one_contract(1000.0), one_contract("ATM")
    # the power-law smile gives far strikes a large vol, yet the price stays a few cents
    assert far.hedge.premium.sum() < 0.01 * atm.hedge.premium.sum()
    assert abs(far.hedge.pnl_cum[-1]) < 0.01 * atm.hedge.premium.sum()
    assert all(tr.proceeds_usd < 100.0 for tr in far.hedge.trades)  # < 1 point per option, ever


def test_rolls_happen_at_roll_at_dte(full):
    rolled = [tr for tr in full.hedge.trades if tr.reason == "roll"]
    rule = {"near": 14, "mid": 30, "tail": 60}
    for tr in rolled:
        left = (tr.expiry - tr.close_date).days
        assert left >= rule[tr.layer]
        assert left <= rule[tr.layer] + 4  # the last trading day with that many days left
    assert full.hedge.rolls == len(rolled)


# -- the VXTH rule ----------------------------------------------------------------------------

def test_vxth_buys_by_the_tiers_of_the_forward_vix(full, history):
    trades = full.benchmark.trades
    assert trades
    per_weight = []
    for tr in trades:
        f = dict(history.curve_on(tr.open_date))[tr.expiry]
        weight = 1.0 if 15.0 <= f <= 30.0 else 0.5 if 30.0 < f <= 50.0 else 0.0
        assert weight > 0, f"bought at forward VIX {f}"
        per_weight.append(tr.cost_usd / weight)
        assert 20 <= (tr.expiry - tr.open_date).days <= 40  # one month
    # premium is proportional to the tier weight: the same amount per tier point
    assert np.allclose(per_weight, per_weight[0], rtol=1e-9)
    # no purchase on a roll day with the forward VIX below 15 (e.g. 2017)
    assert not any(tr.open_date.year == 2017 for tr in trades)


def test_vxth_strike_is_near_30_delta(full, plan, history):
    from tui.core.black76 import black76

    mk = Market(history, plan)
    for tr in full.benchmark.trades[::20]:
        t = int(np.searchsorted(mk.days, np.datetime64(tr.open_date)))
        f = dict(history.curve_on(tr.open_date))[tr.expiry]
        dte = (tr.expiry - tr.open_date).days
        sigma = float(plan.market.vol.vol(tr.strike, f, dte)) * mk.vol_scale[t]
        delta = float(black76(f, tr.strike, dte / 365.0, plan.market.rate, sigma).delta)
        assert 0.2 < delta < 0.4


# -- the exposure ------------------------------------------------------------------------------

def test_exposure_is_the_constant_notional_times_each_days_basis_return(plan, history, shared_data):
    part = history.between(date(2019, 1, 1), date(2019, 12, 31))
    equity = replace(plan, exposure=replace(plan.exposure, basis="equity", btc_beta=0.0, beta_spx=1.5))
    path, text = exposure_path(equity, part)
    spx = pd.read_csv(shared_data / "spx_daily.csv", parse_dates=["date"]).set_index("date")["close"]
    spx = spx.reindex(part.daily.index)
    expected = equity.exposure.notional_usd * (1.5 * spx.pct_change().fillna(0.0)).cumsum()
    assert np.allclose(path, expected.to_numpy(), rtol=1e-12, atol=1e-3)
    assert "S&P 500" in text
    crypto, text = exposure_path(plan, part)
    btc = pd.read_csv(shared_data / "btc_usd_daily.csv", parse_dates=["date"]).set_index("date")["close"]
    btc = btc.reindex(part.daily.index).round(2)
    expected = plan.exposure.notional_usd * btc.pct_change().fillna(0.0).cumsum()
    assert np.allclose(crypto, expected.to_numpy(), rtol=1e-9)
    assert "BTC" in text


# -- entry rules, take profit, time-shifting -------------------------------------------------

def test_entry_on_backwardation_opens_only_in_backwardation(plan, history):
    settings = BacktestSettings(entry="backwardation")
    result = run_backtest(plan, history, settings)
    # Backwardation read off the history file itself, not through the engine: the front
    # month's settlement above the second's. On the 18 days (all in 2006) the second month
    # has no settlement, the engine's curve is monotone between listed months, so the
    # next listed month decides (none listed: flat, no backwardation).
    raw = pd.read_csv(REPO / "sample_data" / "vx_history_2006_2025.csv", comment="#")
    later = raw[[f"m{k}" for k in range(2, 13)]].bfill(axis=1).iloc[:, 0]
    assert raw["m1"].notna().all() and raw["m2"].isna().sum() == 18
    back = dict(zip(pd.to_datetime(raw["date"]).dt.date, raw["m1"] > later, strict=True))
    assert list(back) == list(history.dates.astype("datetime64[D]").astype(object))  # the run's days
    assert result.hedge.trades
    assert all(back[tr.open_date] for tr in result.hedge.trades)
    assert 0.0 < result.entry_share < 0.3  # backwardation is the exception
    assert result.entry_share == pytest.approx(sum(back.values()) / len(back), rel=0, abs=1e-12)


def test_vix3m_is_the_close_or_the_93_day_forward_worked_out_once(plan, history):
    mk = Market(history, plan)
    closes = history.daily["vix3m"].to_numpy(float).copy()
    missing = np.isnan(closes)
    assert missing.any() and mk.vix3m_proxied == 0  # counted on first use
    calls = []
    forward = mk.forward
    mk.forward = lambda t, e: calls.append(len(t)) or forward(t, e)
    vix3m = mk.vix3m
    assert calls == [missing.sum()] and mk.vix3m_proxied == missing.sum()
    assert np.array_equal(vix3m[~missing], closes[~missing]) and np.isfinite(vix3m).all()
    t = np.flatnonzero(missing)
    assert np.array_equal(vix3m[missing], forward(t, mk.day_num[t] + 93))
    assert mk.vix3m is vix3m and calls == [missing.sum()] and mk.vix3m_proxied == missing.sum()
    assert np.array_equal(np.isnan(history.daily["vix3m"].to_numpy(float)), missing)  # the history untouched


def test_take_profit_closes_at_k_times_cost(plan, history):
    result = run_backtest(plan, history, BacktestSettings(take_profit=3.0))
    taken = [tr for tr in result.hedge.trades if tr.reason == "take_profit"]
    assert taken
    assert all(tr.proceeds_usd >= 3.0 * tr.cost_usd for tr in taken)
    assert any(tr.open_date.year == 2008 for tr in taken)


def test_backwardation_eases_rolls_early_on_the_turn(plan, history):
    layers = tuple(replace(layer, roll_when="backwardation_eases") if layer.name == "mid" else layer
                   for layer in plan.layers)
    result = run_backtest(replace(plan, layers=layers), history)
    mk = Market(history, plan)
    eased_days = {d for d, e in zip(mk.pydates, mk.eased, strict=True) if e}
    eased = [tr for tr in result.hedge.trades if tr.reason == "eased"]
    assert eased and all(tr.layer == "mid" and tr.close_date in eased_days for tr in eased)
    assert all((tr.expiry - tr.close_date).days >= 30 for tr in eased)  # before the roll date


def test_engine_equals_a_straightforward_per_day_loop(plan, history):
    loop = runpy.run_path(str(REPO / "benchmarks" / "bench_backtest.py"))["per_day_loop"]
    for settings in (BacktestSettings(start=date(2008, 6, 1), end=date(2009, 6, 30)),
                     BacktestSettings(start=date(2019, 6, 1), end=date(2020, 6, 30), entry="backwardation",
                                      take_profit=2.5)):
        result = run_backtest(plan, history, settings)
        hedge, exposure = loop(plan, history, settings)
        assert np.allclose(result.hedge.pnl_cum, hedge, rtol=0, atol=1e-4)
        assert result.exposure_pnl_cum[-1] == pytest.approx(exposure, rel=1e-12)
    # a layer that rolls early when backwardation eases, in a year where it does
    eases = replace(plan, layers=tuple(replace(layer, roll_when="backwardation_eases") if layer.name == "mid" else layer
                                       for layer in plan.layers))
    settings = BacktestSettings(start=date(2019, 6, 1), end=date(2020, 12, 31))
    result = run_backtest(eases, history, settings)
    assert any(tr.reason == "eased" for tr in result.hedge.trades)
    hedge, _ = loop(eases, history, settings)
    assert np.allclose(result.hedge.pnl_cum, hedge, rtol=0, atol=1e-4)


# -- figures ------------------------------------------------------------------------------------

def test_years_add_up_and_windows_match_the_daily_path(full):
    years = yearly(full, full.hedge)
    assert sum(y["hedge_pnl_usd"] for y in years) == pytest.approx(full.hedge.pnl_cum[-1], rel=1e-9)
    assert sum(y["premium_usd"] for y in years) == pytest.approx(full.hedge.premium.sum(), rel=1e-12)
    eps = episodes(full, full.hedge, episode_windows())
    days = [str(d) for d in full.dates]
    covid = next(e for e in eps if e["start"].startswith("2020"))
    a, b = days.index(covid["start"]), days.index(covid["end"])
    assert covid["hedge_pnl_usd"] == pytest.approx(full.hedge.pnl_cum[b] - full.hedge.pnl_cum[a])


def test_drawdown_and_worst_window_by_hand():
    path = np.array([100.0, 120.0, 90.0, 130.0, 70.0, 80.0])
    assert max_drawdown(path) == 60.0
    assert worst_window(path, 2) == -50.0  # two steps: -10, +10, -20, -50 (130 -> 80)
    assert worst_window(np.array([0.0, -5.0, -20.0, -10.0]), 1) == -15.0


def test_bad_settings_are_refused(plan, history):
    with pytest.raises(BacktestError, match="entry 'sometimes'"):
        run_backtest(plan, history, BacktestSettings(entry="sometimes"))
    with pytest.raises(BacktestError, match="take_profit must be above 1"):
        run_backtest(plan, history, BacktestSettings(take_profit=0.5))
    with pytest.raises(BacktestError, match="needs at least 2"):
        run_backtest(plan, history, BacktestSettings(start=date(2030, 1, 1)))


def test_progress_and_cancel(plan, history):
    from tui.core.backtest import BacktestCancelled

    seen = []
    run_backtest(plan, history, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(BacktestCancelled):
        run_backtest(plan, history, cancelled=lambda: True)


def test_coverage_mode_resolves_at_each_opening(plan, history):
    from tui.core.valuation import value_plan

    cov = replace(plan, sizing=Sizing(mode="coverage", premium_usd=None))
    result = run_backtest(cov, history, BacktestSettings(start=date(2024, 8, 5), end=date(2024, 10, 31)))
    first = {tr.layer: tr for tr in result.hedge.trades if tr.open_date == date(2024, 8, 5)}
    # on its first day the backtest's market is the default plan's own curve, with the vol
    # model scaled so its 30-day ATM vol is that day's VVIX (173.32) / 100
    vol = plan.market.vol
    scale = 1.7332 / float(vol.atm(30.0))
    scaled = replace(vol, atm_front=vol.atm_front * scale, atm_long=vol.atm_long * scale)
    planner = {lv.name: lv.contracts for lv in value_plan(replace(cov, market=replace(cov.market, vol=scaled))).layers}
    assert {name: int(tr.contracts) for name, tr in first.items()} == planner
    later = [tr.contracts for tr in result.hedge.trades if tr.layer == "near" and tr.open_date > date(2024, 8, 5)]
    assert later and any(c != first["near"].contracts for c in later)


def test_drawdown_in_percent_of_the_notional():
    from tui.core.backtest_report import max_drawdown_pct

    assert max_drawdown_pct(np.array([100.0, 120.0, 90.0, 130.0, 65.0, 80.0]), 200.0) == pytest.approx(32.5)
