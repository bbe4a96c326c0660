"""Entry signals: RSI and MACD against textbook computations, crossovers, hit rates."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

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
    changes = [b - a for a, b in pairwise(closes)]
    gains = [max(c, 0.0) for c in changes]
    losses = [max(-c, 0.0) for c in changes]
    ag, al = sum(gains[:n]) / n, sum(losses[:n]) / n
    out = [100 - 100 / (1 + ag / al)]
    for gain, loss in zip(gains[n:], losses[n:], strict=True):
        ag, al = (ag * (n - 1) + gain) / n, (al * (n - 1) + loss) / n
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
    line = [f - s for f, s in zip(fast[26 - 12 :], slow, strict=True)]  # both defined from close 26 on
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


# -- on the real history (the backtest's loader) ----------------------------------------------

@pytest.fixture(scope="module")
def real():
    from tui.core.kit import signals_at

    readout = signals_at(date(2024, 8, 5))
    if readout.problem and not readout.signals:
        pytest.skip(readout.problem)
    return {s.name: s for s in readout.signals}, readout


def test_signal_values_on_2024_08_05_against_the_raw_closes(real, shared_data):
    signals, _ = real
    vix = pd.read_csv(shared_data / "vix_daily_ohlc.csv", parse_dates=["date"]).set_index("date")
    vix3m = pd.read_csv(shared_data / "vix3m_daily_ohlc.csv", parse_dates=["date"]).set_index("date")
    day = pd.Timestamp("2024-08-05")
    assert signals["vix_vix3m"].value == pytest.approx(vix.loc[day, "close"] / vix3m.loc[day, "close"], rel=1e-9)
    # the sample snapshot of that day (sample_data/stress_backwardation_2024-08-05.csv): M1 32.0986, M2 30.3911
    assert signals["m1_m2_slope"].value == pytest.approx((30.3911 / 32.0986 - 1) * 100, rel=1e-6)
    assert signals["m1_m2_slope"].since == date(2024, 8, 5)  # contango on Aug 2 (M1 21.85 < M2 21.98)
    assert signals["vix_vix3m"].on and signals["rsi14"].on and signals["rsi14"].value > 70


def test_hit_and_base_rates_against_a_plain_count(real):
    from tui.core.history import load_history

    signals, readout = real
    closes = load_history().daily["vix"].to_numpy()
    # a day counts when it and the next 20 trading days all have a VIX close (two VX
    # settlement days have none: 2015-04-03, 2018-12-05)
    known = [i for i in range(len(closes) - 20) if np.isfinite(closes[i : i + 21]).all()]
    hits = [max(closes[i + 1 : i + 21]) >= 1.5 * closes[i] for i in known]
    assert signals["rsi14"].base_rate == pytest.approx(sum(hits) / len(hits), rel=1e-12)
    assert readout.history.startswith("2006-") and readout.history.endswith("2025-04-30")
    for s in signals.values():
        assert 0 <= s.hit_rate <= 1 and s.days_on > 50


def test_json_signals(real):
    from tui.core.plan_io import load_plan
    from tui.core.price_json import valuation_to_json
    from tui.core.valuation import value_plan
    from tui.resources import default_plan_path

    data = valuation_to_json(value_plan(load_plan(default_plan_path())))
    names = [s["name"] for s in data["signals"]]
    assert names == ["vix_vix3m", "m1_m2_slope", "rsi14", "macd"]
    for s in data["signals"]:
        assert set(s) >= {"name", "value", "state", "since", "hit_rate", "base_rate"}
        assert s["state"] in ("on", "off") and s["since"] <= "2024-08-05"


def test_as_of_after_the_history_reports_the_record_only():
    from tui.core.kit import signals_at

    readout = signals_at(date(2026, 11, 20))
    assert readout.problem and "does not reach 2026-11-20" in readout.problem
    assert all(s.state == "no data" and s.hit_rate is not None for s in readout.signals)


# -- the on-disk cache: price without pandas once the signals are known ------------------------

def test_the_signals_cache_gives_back_what_was_computed(isolated_cache):
    from tui.core import kit

    kit.signals_at.cache_clear()
    day = date(2024, 8, 5)
    computed = kit.signals_at(day)
    if not computed.signals:
        pytest.skip(computed.problem or "no history")
    assert (isolated_cache / kit.SIGNALS_CACHE).is_file()
    key = kit._history_key()
    assert kit._cached_readout(key, day) == computed  # every field, dates and rates exactly
    assert kit._cached_readout(key, date(2024, 8, 6)) is None  # a day not computed yet
    assert kit._cached_readout(key + "|touched", day) is None  # another history: computed afresh
    (isolated_cache / kit.SIGNALS_CACHE).write_text("{not json")
    assert kit._cached_readout(key, day) is None  # a damaged cache is ignored ...
    kit.signals_at.cache_clear()
    assert kit.signals_at(day) == computed  # ... and rewritten
    assert kit._cached_readout(key, day) == computed
    kit.signals_at.cache_clear()


@pytest.mark.slow
def test_price_imports_no_pandas_once_the_signals_are_cached(tmp_path):
    """``alvh-tui price`` spent most of its time importing pandas to read four signals off the
    history; with the cache warm a fresh process prints the same JSON without pandas."""
    import json
    import os
    import subprocess
    import sys

    from tui.resources import default_plan_path

    code = (
        "import sys, io, contextlib\n"
        "from tui.__main__ import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    main(['price', {str(default_plan_path())!r}, '--json'])\n"
        "print(out.getvalue())\n"
        "print('PANDAS' if 'pandas' in sys.modules else 'NO-PANDAS', file=sys.stderr)\n"
    )
    env = dict(os.environ, ALVH_TUI_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr
    first, second = (json.loads(run.stdout) for run in runs)
    if not first["signals"]:
        pytest.skip("no history for the signals")
    assert "PANDAS" in runs[0].stderr.split()  # computed: pandas was needed
    assert "NO-PANDAS" in runs[1].stderr.split()  # cached: not imported at all
    assert first == second
