"""Issue 8: the VaR stress, calendar-true months, replays, time passing and the regime read-out."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from references import bs76_call
from tui.core.curve import Future, MarketSnapshot
from tui.core.episodes import load_episodes
from tui.core.exposure import VIX_CEILING, var_breakdown
from tui.core.plan import Exposure, Layer, Plan, ScenarioSettings, Sizing
from tui.core.plan_io import PlanError, dumps_plan, load_plan, parse_plan
from tui.core.regime import regime_readout
from tui.core.scenarios import episode_scenario
from tui.core.valuation import VAR_STRESS_NAME, value_plan
from tui.core.volmodel import VolModel
from tui.resources import default_plan_path


def _default():
    return load_plan(default_plan_path())


def _coverage_premium(plan, beta):
    p = replace(plan, exposure=replace(plan.exposure, beta_spx=beta), sizing=Sizing("coverage", None))
    return value_plan(p, rolls=False).totals.premium_usd


# -- 1. the VaR stress ----------------------------------------------------------------------

def test_less_beta_means_more_premium_for_the_same_coverage():
    plan = _default()
    betas = [0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0]
    premiums = [_coverage_premium(plan, b) for b in betas]
    # never fewer contracts (never less premium) for less beta ...
    assert all(a >= b * (1 - 1e-9) for a, b in pairwise(premiums)), premiums
    # ... and strictly more at the four points
    p = dict(zip(betas, premiums, strict=True))
    assert p[0.5] > p[1.0] > p[2.0] > p[3.0]


@settings(max_examples=300, deadline=None)
@given(
    beta=st.floats(-20.0, 20.0),
    vol=st.floats(1e-4, 20.0),
    spx_vol=st.floats(0.01, 5.0),
    conf=st.floats(0.5, 0.99999),
    horizon=st.integers(1, 3650),
    k=st.floats(0.5, 50.0),
    spot=st.floats(0.01, 1000.0),
    rho=st.one_of(st.none(), st.floats(-1.0, 1.0)),
)
def test_the_stress_vix_is_finite_and_bounded_for_every_legal_plan(beta, vol, spx_vol, conf, horizon, k, spot, rho):
    e = Exposure(beta_spx=beta, vol_annual=vol, spx_vol_annual=spx_vol, var_confidence=conf, var_horizon_days=horizon,
                 spx_vix_elasticity=k, stress_correlation=rho)
    b = var_breakdown(e, spot)
    assert math.isfinite(b.var_vix_level) and 0.0 < b.var_vix_level <= max(VIX_CEILING, spot)
    assert -0.95 <= b.var_spx_return and math.isfinite(b.var_spx_return) and -1.0 <= b.correlation <= 1.0


def test_stress_correlation_overrides_capm_and_capm_is_capped_at_one():
    e = Exposure(beta_spx=2.0, vol_annual=0.75, var_confidence=0.99, var_horizon_days=10)
    var_pct = 2.3263478740408408 * 0.75 * math.sqrt(10 / 365)
    b = var_breakdown(e, 20.0)
    assert b.correlation == pytest.approx(0.48) and b.var_spx_return == pytest.approx(-0.48 * 0.24 * var_pct)
    crash = var_breakdown(replace(e, stress_correlation=0.9), 20.0)
    assert crash.correlation_source == "plan" and crash.var_spx_return == pytest.approx(-0.9 * 0.24 * var_pct)
    assert crash.var_vix_level > b.var_vix_level  # crashes correlate more: a bigger VIX move
    capped = var_breakdown(replace(e, beta_spx=6.0), 20.0)  # CAPM rho 1.44
    assert capped.correlation == 1.0 and capped.correlation_source == "capm, capped at 1"
    # the ceiling: a huge fall cannot take the VIX above the record intraday high
    wild = var_breakdown(replace(e, beta_spx=6.0, var_horizon_days=3650, vol_annual=3.0), 30.0)
    assert wild.vix_uncapped > VIX_CEILING and wild.var_vix_level == VIX_CEILING == 89.53


def test_spx_vol_default_is_the_sp500_history(shared_data):
    import pandas as pd

    spx = pd.read_csv(shared_data / "spx_daily.csv", parse_dates=["date"]).set_index("date")["close"]
    r = np.log(spx["1990-01-01":"2025-12-31"]).diff().dropna()
    sigma = float(r.std() * math.sqrt(252))
    assert sigma == pytest.approx(0.1807, abs=5e-4)
    assert Exposure().spx_vol_annual == round(sigma, 2) == 0.18


def test_vix_ceiling_is_the_record_intraday_high(shared_data):
    import pandas as pd

    vix = pd.read_csv(shared_data / "vix_daily_ohlc.csv")
    assert float(vix["high"].max()) == VIX_CEILING
    assert float(vix["close"].max()) == 82.69


def test_beta_zero_coverage_says_it_cannot_reach_its_target():
    plan = _default()
    p = replace(plan, exposure=replace(plan.exposure, beta_spx=0.0), sizing=Sizing("coverage", None))
    v = value_plan(p, rolls=False)
    assert v.totals.contracts == 0 and not v.sizing.target_reached
    assert any("cannot reach its target" in w for w in v.warnings)


def test_coverage_at_the_contract_limit_says_so():
    plan = _default()
    p = replace(plan, exposure=replace(plan.exposure, beta_spx=0.01, notional_usd=1e13), sizing=Sizing("coverage", None))
    v = value_plan(p, rolls=False)
    assert not v.sizing.target_reached and v.sizing.achieved_usd < v.sizing.target_usd
    assert any("cannot reach its target" in w for w in v.warnings)
    assert any("more than 10,000,000 contracts" in w for w in v.warnings)


def test_a_named_episode_stress_targets_a_share_of_the_loss_in_it():
    plan = _default()
    p = replace(plan, sizing=Sizing("coverage", None, "Mar 2020"))
    v = value_plan(p, rolls=False)
    row = v.scenarios[0]
    assert row.episode_id == "covid-2020" and row.kind == "stress"
    assert v.sizing.stress_scenario.startswith("Mar 2020")
    assert v.sizing.target_usd == pytest.approx(0.20 * -row.exposure_pnl_usd)
    assert abs(v.sizing.achieved_usd - v.sizing.target_usd) <= v.sizing.tolerance_usd
    assert v.sizing.target_basis.startswith("the exposure's loss in Mar 2020")


def test_basis_is_explicit_and_btc_beta_alone_means_crypto():
    text = dumps_plan(_default())
    assert 'basis = "crypto"' in text
    no_basis = text.replace('basis = "crypto"\n', "")
    assert parse_plan(no_basis).exposure.basis == "crypto"  # it sets btc_beta
    bare = "\n".join(line for line in no_basis.splitlines() if not line.startswith("btc_beta"))
    assert parse_plan(bare).exposure.basis == "equity"
    with pytest.raises(PlanError, match="exposure.basis"):
        parse_plan(text.replace('basis = "crypto"', 'basis = "bonds"'))


# -- 2. M<n> by the calendar ------------------------------------------------------------------

def _gapped_plan():
    # 2024-08-05: the calendar's M1..M8 are Aug 21, Sep 18, Oct 16, Nov 20, Dec 18, Jan 22,
    # Feb 19, Mar 18 (Cboe). The curve lists only M4 and M8.
    m = MarketSnapshot(date(2024, 8, 5), 38.57, 0.05, (Future(date(2024, 11, 20), 22.93), Future(date(2025, 3, 18), 23.60)), VolModel())
    layers = (Layer("a", 0.5, "M1", "ATM", roll_at_dte=10, roll_to="M2"), Layer("b", 0.5, "M2", "ATM"))
    return Plan("gapped", m, Exposure(), Sizing("budget", 1e6), layers)


def test_m1_on_a_curve_listing_only_m4_and_m8_is_the_calendars_first_expiry():
    v = value_plan(_gapped_plan())
    assert [layer.expiry for layer in v.layers] == [date(2024, 8, 21), date(2024, 9, 18)]
    assert v.layers[0].future == pytest.approx(float(v.market.forward(16)))
    assert any("M1 (Aug 2024, 2024-08-21) is not listed" in w for w in v.warnings)
    assert any("M2 (Sep 2024, 2024-09-18) is not listed" in w for w in v.warnings)
    # the same file through the reader, and the CLI's check prints the warnings
    again = parse_plan(dumps_plan(_gapped_plan()))
    assert value_plan(again).layers[0].expiry == date(2024, 8, 21)


def test_a_listed_month_is_its_own_settle_on_a_tuesday_expiry():
    v = value_plan(_default())
    assert v.layers[2].expiry == date(2025, 1, 22)
    p = _default().with_layer(2, expiry="M8")
    assert value_plan(p).layers[2].expiry == date(2025, 3, 18)  # H25: Good Friday makes it a Tuesday
    assert value_plan(p).layers[2].future == 23.601


def test_warnings_for_dates_and_months_past_the_curve(tmp_path, capsys):
    from tui import cli

    text = dumps_plan(_default())
    text = text.replace("expiry = 2024-09-18, settle = 30.3911", "expiry = 2024-09-20, settle = 30.3911")
    text = text.replace('roll_to = "M7"', 'roll_to = "M10"').replace('expiry = "M6"', 'expiry = "M9"')
    path = tmp_path / "p.toml"
    path.write_text(text)
    assert cli.check(path) == 0
    out = capsys.readouterr().out
    assert "2024-09-20 (Friday) is not a VIX expiry date" in out
    assert "after the last listed future (2025-03-18)" in out  # M9 = 2025-04-16
    assert "roll_to M10 is beyond the listed curve" in out
    # a weekly Wednesday is a VIX expiry; M99 is refused, as expiry and as roll_to
    assert "2024-09-25" not in value_plan(parse_plan(text.replace("2024-09-20", "2024-09-25"))).calendar_warnings
    for bad in ('roll_to = "M99"', 'expiry = "M99"'):
        with pytest.raises(PlanError, match="beyond the last listed future"):
            parse_plan(text.replace('roll_to = "M10"' if "roll_to" in bad else 'expiry = "M9"', bad))


def test_json_has_the_warnings_and_the_stress_steps(tmp_path, capsys):
    import json

    from tui import cli

    path = tmp_path / "g.toml"
    path.write_text(dumps_plan(_gapped_plan()))
    assert cli.price(path, as_json=True) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any("is not listed" in w for w in doc["warnings"])
    s = doc["sizing"]
    for key in ("stress_spx_return", "stress_vix", "stress_correlation", "target_reached", "achieved_of_target"):
        assert key in s
    assert s["stress_vix"] == pytest.approx(doc["scenarios"][0]["vix"])
    assert doc["exposure"]["basis"] == "equity" and doc["exposure"]["spx_vol_annual"] == 0.18
    assert doc["regime"]["entry_rule"] == "M1 > M2" and "vxth_weight_pct" in doc["regime"]
    assert doc["scenario_settings"]["replay"] == "level"


# -- 3. replays: the market the episode ended in ----------------------------------------------

def test_no_scenario_vix_above_90_and_replays_at_most_the_episode_level():
    v = value_plan(_default())
    spot = v.market.vix_spot
    eps = {e.id: e for e in load_episodes()}
    assert max(s.target_spot for s in v.scenarios) <= 90.0
    for s in v.scenarios:
        if s.episode_id:
            ep = eps[s.episode_id]
            assert s.target_spot == max(ep.vix_after, spot) and s.replay == "level"
            # its curve: never above the episode's own levels or today's, whichever is higher
            scenario = episode_scenario(ep)
            assert max(level for _d, level in value_plan(_default(), scenario=scenario, rolls=False).scenario_curve) <= max(
                ep.vix_after, max(x for _e, x in ep.curve_after), spot, max(f.settle for f in v.market.live_futures)
            )


def test_a_level_replay_prices_each_layer_at_the_episode_end_by_hand():
    plan = replace(_default(), sizing=Sizing("contracts", None), layers=tuple(
        replace(layer, contracts=c) for layer, c in zip(_default().layers, (3, 5, 7), strict=True)))
    ep = next(e for e in load_episodes() if e.id == "covid-2020")
    v = value_plan(plan, scenarios=(episode_scenario(ep),), rolls=False)
    row = v.scenarios[-1]
    m = v.market
    days = [0.0] + [(e - ep.end).days for e, _ in ep.curve_after]
    levels = [ep.vix_after] + [x for _e, x in ep.curve_after]
    atm30 = m.vol.atm_long + (m.vol.atm_front - m.vol.atm_long) * math.exp(-30 / m.vol.decay_days)
    scale = ep.vvix_after / 100 / atm30
    expected = 0.0
    for layer in v.layers:
        f = max(layer.future, float(np.interp(layer.dte, days, levels)))
        sigma = scale * float(m.vol.vol(layer.strike, f, layer.dte))
        expected += (bs76_call(f, layer.strike, layer.dte / 365, m.rate, sigma) - layer.price) * 100 * layer.contracts
    assert row.hedge_pnl_usd == pytest.approx(expected, rel=1e-11)
    assert row.target_spot == 82.69
    # the 30-day ATM vol of the replay is VVIX / 100
    assert scale * atm30 == pytest.approx(2.0759)


def test_replay_mode_move_is_a_plan_setting():
    plan = replace(_default(), scenarios=ScenarioSettings("move"))
    text = dumps_plan(plan)
    assert 'replay = "move"' in text and parse_plan(text) == plan
    v = value_plan(plan, rolls=False)
    covid = next(s for s in v.scenarios if s.episode_id == "covid-2020")
    ep = next(e for e in load_episodes() if e.id == "covid-2020")
    assert covid.replay == "move" and covid.target_spot == pytest.approx(38.57 + ep.vix_after - ep.vix_before)
    assert covid.target_spot > 100  # why "level" is the default: the additive move overshoots any close on record
    with pytest.raises(PlanError, match="scenarios.replay"):
        parse_plan(text.replace('replay = "move"', 'replay = "both"'))


# -- 4. time passing ---------------------------------------------------------------------------

def test_thirty_days_no_move_is_sticky_expiry_and_loses_money():
    v = value_plan(_default(), rolls=False)
    row = next(s for s in v.scenarios if s.name == "30 days, no move")
    m = v.market
    expected = 0.0
    for layer in v.layers:
        rem = layer.dte - 30
        # futures fixed, time moved: the near layer (16 days) settled at its own future
        sigma = float(m.vol.vol(layer.strike, layer.future, max(rem, 0)))
        expected += (bs76_call(layer.future, layer.strike, rem / 365, m.rate, sigma) - layer.price) * 100 * layer.contracts
    assert row.hedge_pnl_usd == pytest.approx(expected, rel=1e-11)
    assert row.hedge_pnl_usd < 0
    rolled = next(s for s in v.scenarios if s.name == "30 days, curve rolls to spot")
    assert rolled.hedge_pnl_usd > 0  # the old reading: a gain from time alone


# -- 5. the regime read-out ---------------------------------------------------------------------

@pytest.mark.parametrize("m1, weight", [(14.9, 0.0), (15.0, 1.0), (30.0, 1.0), (30.01, 0.5), (50.0, 0.5), (50.1, 0.0)])
def test_vxth_weight_on_the_calendars_m1(m1, weight):
    m = MarketSnapshot(date(2024, 8, 5), 20.0, 0.05, (Future(date(2024, 8, 21), m1), Future(date(2024, 9, 18), 20.0)), VolModel(), vix3m=21.0)
    r = regime_readout(m, m.regime(), [], np.array([]), np.array([]), np.array([]), np.array([]), np.array([]))
    assert r.vxth_forward == m1 and r.vxth_weight_pct == weight
    assert r.vix_over_vix3m == pytest.approx(20.0 / 21.0) and r.vix3m_condition_met is False
    assert r.entry_rule == "M1 > M2"


def test_status_line_shows_share_of_target_and_of_var():
    from tui.widgets.layer_editor import sizing_lines

    v = value_plan(_default(), rolls=False)
    line = sizing_lines(v)[0]
    assert f"{v.sizing.achieved_usd / v.sizing.target_usd:.1%} of target" in line
    assert f"{v.sizing.achieved_coverage:.1%} of VaR" in line
    assert VAR_STRESS_NAME


def test_under_a_replay_the_payoff_grid_uses_the_episodes_curve():
    plan = _default()
    ep = next(e for e in load_episodes() if e.id == "covid-2020")
    scenario = episode_scenario(ep)
    v = value_plan(plan, scenario=scenario, rolls=False)
    row = next(s for s in v.scenarios if s.episode_id == "covid-2020")
    # at the episode's own VIX the grid is the replay (no floor binds: every end level is
    # above today's future); the parametric beta would give a different figure
    for layer in v.layers:
        assert float(scenario.end_level(layer.dte)) > layer.future
    at_end = float(np.interp(ep.vix_after, v.payoff.levels, v.payoff.hedge_usd))
    assert at_end == pytest.approx(row.hedge_pnl_usd, rel=1e-3)
    parametric = value_plan(plan, rolls=False)
    assert float(np.interp(ep.vix_after, parametric.payoff.levels, parametric.payoff.hedge_usd)) != pytest.approx(at_end, rel=0.05)


def test_sample_snapshots_carry_the_real_vix3m_close(shared_data):
    import pandas as pd

    from tui.core.market_csv import load_snapshot_csv
    from tui.resources import sample_data_dir

    closes = pd.read_csv(shared_data / "vix3m_daily_ohlc.csv").set_index("date")["close"]
    snapshots = ["calm_contango_2023-12-15.csv", "flat_2022-11-09.csv", "stress_backwardation_2020-03-06.csv", "stress_backwardation_2024-08-05.csv"]
    for name in snapshots:
        m = load_snapshot_csv(sample_data_dir() / name)
        assert m.vix3m == float(closes[m.as_of.isoformat()]), name
    assert _default().market.vix3m == float(closes["2024-08-05"]) == 33.71
