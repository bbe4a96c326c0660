"""Calibration: the chain reader, the smile model and the least-squares fit.

References are independent of the code under test: prices from Black-76 with known settings
(recovered by the fit), a bracketing root-finder (scipy's brentq) for implied vols, the
power-law formula written out, and the real 2024-06-03 Cboe chain.
"""

from __future__ import annotations

import csv
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

from tui.core.black76 import black76_price
from tui.core.calibrate import FIT_NOISE, calibrate
from tui.core.chain import ChainError, chain_quotes, load_chain, parse_chain
from tui.core.curve import Future, MarketSnapshot
from tui.core.plan_io import load_plan
from tui.core.volmodel import M_FLOOR, SmileNode, VolModel

REPO_ROOT = Path(__file__).resolve().parent.parent

AS_OF = date(2024, 6, 3)
# The first five VX settlements of that day (Cboe CFE, in sample_data/curve_2024-06-03.csv).
CURVE = tuple(
    (date.fromisoformat(row["expiry"]), float(row["settle"]))
    for row in csv.DictReader(line for line in (REPO_ROOT / "sample_data" / "curve_2024-06-03.csv").open() if not line.startswith("#"))
)[:5]
SAMPLE_CHAIN = REPO_ROOT / "sample_data" / "vix_options_2024-06-03.csv"
SAMPLE_PLAN = REPO_ROOT / "sample_data" / "calibrated_2024-06-03.toml"


def market(vol: VolModel | None = None) -> MarketSnapshot:
    return MarketSnapshot(AS_OF, 13.11, 0.05, tuple(Future(e, s) for e, s in CURVE), vol or VolModel())


TRUE = VolModel(
    atm_front=0.75,
    atm_long=0.45,
    decay_days=120.0,
    skew=0.0,
    smile=tuple(
        SmileNode(float((e - AS_OF).days), slope, curve)
        for (e, _), slope, curve in zip(CURVE, (2.4, 1.6, 1.3, 1.1, 0.9), (0.35, 0.27, 0.25, 0.2, 0.12), strict=True)
    ),
)


def synthetic_chain_text(vol: VolModel, noise_pts: float = 0.0, seed: int = 1) -> str:
    """Quotes priced by Black-76 from ``vol`` (OTM puts and calls, 0.05 and up), in the quote layout."""
    rng = np.random.default_rng(seed)
    rows = ["as_of,expiration,strike,call/put,bid,ask,last,volume,underlying future"]
    for expiry, F in CURVE:
        days = (expiry - AS_OF).days
        for K in np.concatenate((np.arange(10.0, 15.0, 0.5), np.arange(15.0, 61.0, 1.0))):
            call = K >= F
            sigma = float(vol.vol(K, F, days)) + rng.normal(0.0, noise_pts / 100.0) if noise_pts else float(vol.vol(K, F, days))
            price = float(black76_price(F, K, days / 365.0, 0.05, sigma, call))
            if price < 0.05:
                continue
            rows.append(f"{AS_OF},{expiry},{K:g},{'C' if call else 'P'},,,{price!r},10,{F}")
    return "\n".join(rows) + "\n"


def test_a_plan_without_smile_keys_prices_by_the_power_law_bit_for_bit(default_plan):
    plan = default_plan
    v = plan.market.vol
    assert v.smile == () and v.vvix_ratio is None
    K = np.array([10.0, 25.0, 40.0, 90.0])
    F = np.array([32.0986, 30.3911, 27.3048, 22.9263])
    d = np.array([16.0, 44.0, 72.0, 107.0])
    atm = v.atm_long + (v.atm_front - v.atm_long) * np.exp(-d / v.decay_days)
    assert np.array_equal(v.vol(K, F, d), atm * np.power(K / F, v.skew))


def test_the_smile_is_bounded_positive_and_never_lets_a_call_rise_with_strike():
    vol = load_plan(SAMPLE_PLAN).market.vol
    for days in (1.0, 15.0, 44.0, 170.0, 400.0):
        K = np.geomspace(0.5, 10_000.0, 20_000)
        sigma = vol.vol(K, 15.0, days)
        atm = float(vol.atm(days))
        assert np.all(sigma >= M_FLOOR * atm - 1e-15) and np.all(np.isfinite(sigma))
        assert sigma[-1] == sigma[-2]  # flat far in the wing: an absurd strike gets a bounded vol
        calls = black76_price(15.0, K, days / 365.0, 0.05, sigma, True)
        assert np.all(np.diff(calls) <= 1e-12)
        # concave in ln(K/F) between the put floor and the vertex (second differences <= 0)
        x = np.log(K / 15.0)
        inside = (sigma > M_FLOOR * atm * 1.001) & (np.gradient(sigma, x) > 1e-9)
        second = np.diff(sigma[inside], 2)
        assert second.max() < 1e-9


def test_a_noise_free_synthetic_chain_gives_back_its_settings():
    chain = parse_chain(synthetic_chain_text(TRUE), "synthetic.csv")
    cal = calibrate(chain, market(), precise=True)
    v = cal.vol
    assert cal.rmse_vol_pts < 1e-6
    assert abs(v.atm_front - TRUE.atm_front) < 1e-6
    assert abs(v.atm_long - TRUE.atm_long) < 1e-6
    assert abs(v.decay_days - TRUE.decay_days) < 1e-4  # a time constant in days
    for got, want in zip(v.smile, TRUE.smile, strict=True):
        assert got.days == want.days
        assert abs(got.slope - want.slope) < 1e-6 and abs(got.curve - want.curve) < 1e-6


def test_a_noisy_synthetic_chain_gives_back_the_surface_within_half_a_point():
    # 1 vol point of noise per quote: the fitted surface stays within 0.5 point of the true
    # one on the quoted strikes (RMSE), and the 30-day ATM within 1 point
    chain = parse_chain(synthetic_chain_text(TRUE, noise_pts=1.0, seed=7), "noisy.csv")
    cal = calibrate(chain, market())
    q = chain_quotes(chain, market())
    days = np.round(q.years * 365)
    diff = (cal.vol.vol(chain.strike, q.forward, days) - TRUE.vol(chain.strike, q.forward, days)) * 100
    assert math.sqrt(np.mean(diff**2)) < 0.5
    assert abs(cal.atm30 - float(TRUE.atm(30))) < 0.01
    assert 0.6 < cal.rmse_vol_pts < 1.4  # the noise itself is 1 point


@pytest.fixture(scope="module")
def real_chain(shared_data):
    chain = load_chain(shared_data / "vix_options_snapshot_2024-06-03.csv")
    return chain, load_plan(SAMPLE_PLAN).market


def test_the_real_chain_fits_within_the_reported_rmse(real_chain, default_plan):
    chain, mkt = real_chain
    cal = calibrate(chain, mkt, vvix=78.79)
    assert cal.points >= 129
    assert cal.rmse_vol_pts <= 3.0
    assert cal.front.expiry == date(2024, 6, 18) and cal.front.rmse_vol_pts <= 5.0
    used = np.array([r.residual_vol_pts for r in cal.residuals if r.used])
    assert math.isclose(math.sqrt(np.mean(used**2)), cal.rmse_vol_pts, abs_tol=1e-3)
    # the power law with the plan's old anchors is far off the same quotes (the reason for the smile)
    old = default_plan.market.vol
    x = [(r.strike, r.forward, (r.expiry - AS_OF).days, r.market_vol) for r in cal.residuals if r.used]
    K, F, d, iv = (np.array(c, dtype=float) for c in zip(*x, strict=True))
    assert math.sqrt(np.mean(((old.vol(K, F, d) - iv) * 100) ** 2)) > 4 * cal.rmse_vol_pts
    # VVIX ratio: the fitted 30-day ATM over VVIX / 100 on 2024-06-03 (VVIX 78.79)
    assert cal.vvix_ratio == pytest.approx(cal.atm30 / 0.7879, abs=1e-4)


def test_every_real_quote_vol_matches_an_independent_black76_inversion(real_chain):
    chain, mkt = real_chain
    q = chain_quotes(chain, mkt)
    checked = 0
    for i in np.flatnonzero(q.status == 0):
        F, K, T, call, p = q.forward[i], chain.strike[i], q.years[i], bool(chain.is_call[i]), chain.price[i]
        ref = brentq(lambda s, F, K, T, call, p: float(black76_price(F, K, T, mkt.rate, s, call)) - p, 1e-4, 20.0,
                     args=(F, K, T, call, p), xtol=1e-14, rtol=1e-14)
        assert q.iv[i] == pytest.approx(ref, abs=1e-9)
        checked += 1
    assert checked > 300


def test_the_shipped_chain_is_the_shared_one_plus_vvix(shared_data):
    ours = load_chain(SAMPLE_CHAIN)
    theirs = load_chain(shared_data / "vix_options_snapshot_2024-06-03.csv")
    assert np.array_equal(ours.strike, theirs.strike)
    assert np.array_equal(ours.price, theirs.price, equal_nan=True)
    assert ours.vvix_close == 78.79  # Cboe VVIX close of 2024-06-03
    import csv

    rows = {r["date"]: r["vvix"] for r in csv.DictReader(open(shared_data / "vvix_daily_close.csv"))}
    assert float(rows["2024-06-03"]) == ours.vvix_close


def test_the_shipped_plan_holds_the_settings_the_shipped_chain_gives():
    plan = load_plan(SAMPLE_PLAN)
    cal = calibrate(load_chain(SAMPLE_CHAIN), plan.market)
    # The same settings to the fit's own precision (Calibration.held_by): scipy's releases move
    # the last written digit; a real change of the fit or the chain moves far more.
    assert cal.held_by(plan.market.vol)
    assert cal.vol.source == plan.market.vol.source and cal.vol.calibrated_on == plan.market.vol.calibrated_on
    assert not cal.held_by(replace(plan.market.vol, skew=plan.market.vol.skew + 2 * FIT_NOISE))
    assert not cal.held_by(replace(plan.market.vol, smile=plan.market.vol.smile[:-1]))
    assert not cal.held_by(replace(plan.market.vol, vvix_ratio=None))
    assert cal.rmse_vol_pts <= 3.0 and cal.front.rmse_vol_pts <= 5.0


# -- bad chains: a clear message naming the row ------------------------------------

GOOD_HEAD = "as_of_date,ticker,contract_type,strike_price,expiration_date,close,volume,vx_future_settle_same_expiry\n"


def test_a_missing_column_is_named():
    with pytest.raises(ChainError, match=r"bad\.csv: line 1 \(header\): missing column strike_price \(or strike\)"):
        parse_chain("as_of_date,contract_type,expiration_date,close\n2024-06-03,call,2024-06-18,1\n", "bad.csv")


@pytest.mark.parametrize(
    "row, message",
    [
        ("2024-06-03,x,call,abc,2024-06-18,0.5,1,13.6", r"line 3, column 'strike_price': expected a number, got 'abc'"),
        ("2024-06-03,x,cal,15,2024-06-18,0.5,1,13.6", r"line 3, column 'contract_type': expected call or put, got 'cal'"),
        ("2024-06-03,x,call,15,18/06/2024,0.5,1,13.6", r"line 3, column 'expiration_date': expected a date"),
        ("2024-06-04,x,call,15,2024-06-18,0.5,1,13.6", r"line 3, column 'as_of_date': the chain mixes days"),
        ("2024-06-03,x,call,15,2024-06-18,-1,1,13.6", r"line 3, column 'close': expected a finite number >= 0"),
    ],
)
def test_an_unparseable_row_is_named(row, message):
    text = GOOD_HEAD + "2024-06-03,x,call,16,2024-06-18,0.33,5,13.6535\n" + row + "\n"
    with pytest.raises(ChainError, match=message):
        parse_chain(text, "bad.csv")


def test_a_chain_of_another_day_than_the_plan_is_refused():
    chain = parse_chain(GOOD_HEAD + "2024-06-04,x,call,16,2024-06-18,0.33,5,13.6535\n", "day.csv")
    with pytest.raises(ChainError, match=r"day\.csv: the chain is of 2024-06-04, the plan's market of 2024-06-03"):
        chain_quotes(chain, market())
    with pytest.raises(ChainError, match="of 2024-06-04"):
        calibrate(chain, market())


def test_quotes_below_intrinsic_or_above_the_bound_are_left_out_with_their_row():
    text = (
        GOOD_HEAD
        + "2024-06-03,a,call,10,2024-06-18,3.0,5,13.6535\n"  # intrinsic 3.65: below
        + "2024-06-03,b,call,16,2024-06-18,14.0,5,13.6535\n"  # above e^-rT F: no vol fits
        + "2024-06-03,c,call,16,2024-06-18,0.33,5,13.6535\n"
    )
    q = chain_quotes(parse_chain(text, "arb.csv"), market())
    assert any("arb.csv: line 2: call 10 2024-06-18 at 3 is below its intrinsic value" in w for w in q.warnings)
    assert any("arb.csv: line 3: call 16 2024-06-18 at 14 is at or above the no-arbitrage bound" in w for w in q.warnings)
    assert list(q.informative()) == [False, False, True]


def test_nothing_to_fit_says_so():
    with pytest.raises(ChainError, match="nothing to fit"):
        calibrate(parse_chain(GOOD_HEAD + "2024-06-03,c,call,16,2024-06-18,0.33,5,13.6535\n", "one.csv"), market())


def test_the_quote_layout_prices_at_the_mid_and_falls_back_to_the_last():
    text = (
        "Expiration,Strike,Call/Put,Bid,Ask,Last,Volume,Underlying Future\n"
        "2024-06-18,16,C,0.30,0.36,0.5,0,13.6535\n"
        "2024-06-18,17,c,,,0.26,12,\n"
    )
    chain = parse_chain(text, "quotes.csv")
    assert chain.layout == "quotes" and chain.as_of is None
    assert chain.price[0] == pytest.approx(0.33) and chain.two_sided[0]
    assert chain.price[1] == 0.26 and not chain.two_sided[1]
    q = chain_quotes(chain, market())
    assert q.forward[1] == 13.6535 and q.forward_listed[1]  # the plan's curve, listed month
    assert list(q.informative()) == [True, True]  # two-sided, or traded


def test_a_weekly_expiry_uses_the_interpolated_curve_and_stays_out_of_the_fit():
    chain = parse_chain(GOOD_HEAD + "2024-06-03,w,call,16,2024-06-26,0.3,50,\n", "weekly.csv")
    q = chain_quotes(chain, market())
    m = market()
    assert q.forward[0] == pytest.approx(float(m.forward((date(2024, 6, 26) - AS_OF).days)))
    assert not q.forward_listed[0] and not q.informative()[0]


def test_missing_file_and_directory_get_messages(tmp_path):
    with pytest.raises(ChainError, match="file not found"):
        load_chain(tmp_path / "nope.csv")
    with pytest.raises(ChainError, match="is a directory"):
        load_chain(tmp_path)


# -- the plan file's calibration keys -------------------------------------------------


def _plan_text_with(vol_extra: str) -> str:
    text = SAMPLE_PLAN.read_text()
    start = text.index("smile = [")
    end = text.index("]\n", start) + 2
    return text[:start] + vol_extra + text[end:]


@pytest.mark.parametrize(
    "extra, message",
    [
        ("smile = [ { days = 44, slope = 1.6, curve = 0.27 }, { days = 15, slope = 2.4, curve = 0.3 } ]\n",
         "market.vol.smile[1].days: nodes must be in increasing days; 15 follows 44"),
        ("smile = [ { days = 15, slope = 2.4, curv = 0.3 } ]\n", "market.vol.smile[0].curv: unknown key (did you mean 'curve'?)"),
        ("smile = [ { days = 15, slope = 2.4, curve = -1 } ]\n", "market.vol.smile[0].curve: must be at least 0"),
        ("smile = 3\n", "market.vol.smile: expected an array of { days, slope, curve }, got a number (3)"),
    ],
)
def test_bad_smile_keys_are_named_with_their_line(extra, message):
    from tui.core.plan_io import PlanError, parse_plan

    with pytest.raises(PlanError) as caught:
        parse_plan(_plan_text_with(extra), "p.toml")
    assert any(message in m and m.startswith("p.toml:") for m in caught.value.messages), caught.value.messages


def test_calibration_keys_round_trip_and_a_plan_without_them_writes_none(default_plan):
    from tui.core.plan_io import dumps_plan, parse_plan

    plan = load_plan(SAMPLE_PLAN)
    assert parse_plan(dumps_plan(plan)) == plan
    assert plan.market.vol.calibrated_on == date(2024, 6, 3) and len(plan.market.vol.smile) == 6
    text = dumps_plan(default_plan)
    for key in ("smile", "vvix_ratio", "calibrated_on", "rmse_vol_pts"):
        assert f"\n{key} = " not in text
