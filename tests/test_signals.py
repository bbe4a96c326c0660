"""Entry signals: RSI and MACD against textbook computations, crossovers, hit rates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from tui.core.signals import ema, forward_rise, front_months, hit_rates, last_change, macd, read_signals, rsi

# Wilder's RSI worked example as published by StockCharts ChartSchool ("Relative Strength
# Index", the cs-rsi spreadsheet): 33 closes, first RSI on the 15th close. The published
# RSI column rounds its averages to 2 decimals, hence the 0.1 tolerance against it.
CLOSES = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.00,
          46.03, 46.41, 46.22, 45.64, 46.21, 46.25, 45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13]
PUBLISHED_RSI = [70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87,
                 45.46, 37.30, 33.08, 37.77]


def textbook_rsi(closes: list[float], n: int = 14) -> list[float]:
    """Wilder (1978), step by step."""
    changes = [b - a for a, b in zip(closes, closes[1:])]
    gains = [max(c, 0.0) for c in changes]
    losses = [max(-c, 0.0) for c in changes]
    ag, al = sum(gains[:n]) / n, sum(losses[:n]) / n
    out = [100 - 100 / (1 + ag / al)]
    for g, l in zip(gains[n:], losses[n:]):
        ag, al = (ag * (n - 1) + g) / n, (al * (n - 1) + l) / n
        out.append(100 - 100 / (1 + ag / al))
    return out


def textbook_ema(values: list[float], n: int) -> list[float]:
    """SMA of the first n as the seed, then EMA_t = (x_t - EMA_{t-1}) * 2/(n+1) + EMA_{t-1}."""
    k = 2 / (n + 1)
    out = [sum(values[:n]) / n]
    for x in values[n:]:
        out.append((x - out[-1]) * k + out[-1])
    return out


def test_rsi_matches_wilder_and_the_published_example():
    got = rsi(pd.Series(CLOSES))
    assert got.iloc[:14].isna().all()
    np.testing.assert_allclose(got.iloc[14:].to_numpy(), textbook_rsi(CLOSES), rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.iloc[14:].to_numpy(), PUBLISHED_RSI, atol=0.1)


def test_rsi_all_gains_is_100():
    assert rsi(pd.Series(np.arange(1.0, 20.0))).iloc[-1] == 100.0


def test_macd_matches_a_textbook_computation():
    rng = np.random.default_rng(7)
    closes = list(20 + np.cumsum(rng.normal(0, 1, 60)))
    m = macd(pd.Series(closes))
    fast, slow = textbook_ema(closes, 12), textbook_ema(closes, 26)
    line = [f - s for f, s in zip(fast[26 - 12 :], slow)]  # both defined from close 26 on
    sig = textbook_ema(line, 9)
    assert m["macd"].iloc[:25].isna().all() and m["signal"].iloc[: 25 + 8].isna().all()
    np.testing.assert_allclose(m["macd"].iloc[25:].to_numpy(), line, atol=1e-12)
    np.testing.assert_allclose(m["signal"].iloc[33:].to_numpy(), sig, atol=1e-12)
    np.testing.assert_allclose(ema(pd.Series(closes), 12).iloc[11:].to_numpy(), fast, atol=1e-12)


def test_last_change_and_forward_rise():
    idx = pd.date_range("2024-01-01", periods=6, freq="D")
    on = pd.Series([False, True, True, False, True, True], index=idx)
    assert list(last_change(on)) == [idx[0], idx[1], idx[1], idx[3], idx[4], idx[4]]
    close = pd.Series([10.0, 11.0, 16.0, 12.0, 9.0, 30.0], index=idx)
    rise = forward_rise(close, horizon=2)
    # day 0: max(11, 16)/10 - 1 = 0.6; day 3: max(9, 30)/12 - 1 = 1.5; the last 2 days: unknown
    np.testing.assert_allclose(rise.iloc[:4].to_numpy(), [0.6, 16 / 11 - 1, 12 / 16 - 1, 1.5])
    assert rise.iloc[4:].isna().all()
    hit, base, n = hit_rates(on, close, rise=0.5, horizon=2)
    # known days 0..3, hits on 0 and 3 -> base 2/4; on days among them: 1, 2 -> 0 hits of 2
    assert (hit, base, n) == (0.0, 0.5, 2)


def test_front_months_skip_expired_and_unlisted():
    dates = np.array(["2024-01-16", "2024-01-17"], dtype="datetime64[D]")
    expiries = np.array(["2024-01-17", "2024-02-14", "2024-03-20"], dtype="datetime64[D]")
    settles = np.array([[13.0, 14.0, np.nan], [12.9, 14.2, 15.0]])
    f = front_months(dates, expiries, settles)
    # on the 16th M1 is the contract expiring on the 17th; on the 17th it has expired
    assert f["m1"].tolist() == [13.0, 14.2]
    assert f["m2"].tolist() == [14.0, 15.0]


def test_read_signals_on_a_short_frame():
    idx = pd.bdate_range("2024-01-01", periods=80)
    vix = pd.Series(np.r_[np.full(40, 14.0) + np.arange(40) * 0.01, np.linspace(15, 30, 40)], index=idx)
    frame = pd.DataFrame({"vix": vix, "vix3m": 16.0, "m1": vix * 0.95, "m2": 17.0}, index=idx)
    got = {s.name: s for s in read_signals(frame, idx[-1].date())}
    ratio = got["vix_vix3m"]
    assert ratio.value == pytest.approx(30 / 16) and ratio.on and ratio.state == "on"
    assert ratio.since == idx[int(np.argmax(vix.to_numpy() > 16.0))].date()  # first day above VIX3M
    assert got["m1_m2_slope"].value == pytest.approx((17.0 / (30 * 0.95) - 1) * 100)
    assert got["rsi14"].value == pytest.approx(100.0) and got["rsi14"].on
    # as_of long after the history: no data, but the record is still reported
    late = {s.name: s for s in read_signals(frame, date(2030, 1, 1))}
    assert late["rsi14"].state == "no data" and late["rsi14"].value is None and late["rsi14"].days_on == got["rsi14"].days_on
