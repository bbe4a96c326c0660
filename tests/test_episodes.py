"""The historical episode library: loading, provenance against the shared data, tenor beta."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest

from tui.core.episodes import (
    DEFAULT_TENOR_BETA_LONG,
    DEFAULT_TENOR_TAU_DAYS,
    MIN_SPOT_MOVE_POINTS,
    Episode,
    fit_tenor_beta,
    load_episodes,
    tenor_beta,
)

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "sample_data" / "episodes.toml"
EPISODES = load_episodes(LIBRARY)
BY_ID = {e.id: e for e in EPISODES}
IDS = [e.id for e in EPISODES]

MACRO = ["gfc-2008", "china-2015", "volmageddon-2018", "covid-2020", "yen-carry-2024", "tariffs-2025"]
CRYPTO_NATIVE_FLAT_VIX = ["terra-2022", "ftx-2022"]


# -- shared data (local helper: tests/conftest.py belongs to another worker) -----------------


def _shared_data_dir() -> Path:
    env = os.environ.get("ALVH_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="module")
def shared():
    d = _shared_data_dir()
    if not (d / "vx_monthly_settlements.csv").is_file():
        pytest.skip(f"shared data not found at {d} (set ALVH_SHARED_DATA)")
    pd = pytest.importorskip("pandas")
    vix = pd.read_csv(d / "vix_daily_ohlc.csv", parse_dates=["date"]).set_index("date")
    vvix = pd.read_csv(d / "vvix_daily_close.csv", parse_dates=["date"]).set_index("date")
    btc = pd.read_csv(d / "btc_usd_daily.csv", parse_dates=["date"]).set_index("date")
    spx = pd.read_csv(d / "spx_daily.csv", parse_dates=["date"]).set_index("date")
    vx = pd.read_csv(d / "vx_monthly_settlements.csv", parse_dates=["trade_date", "expiry"])
    vx = vx[(~vx["suspect"].astype(bool)) & (vx["expiry"] > vx["trade_date"])]
    return {"pd": pd, "vix": vix, "vvix": vvix, "btc": btc, "vx": vx, "spx": spx}


def _ts(shared, d: date):
    return shared["pd"].Timestamp(d)


# -- the library loads and is complete -------------------------------------------------------


def test_every_episode_loads():
    assert len(EPISODES) >= 9
    assert len(set(IDS)) == len(IDS)
    for e in EPISODES:
        assert isinstance(e, Episode)
        assert e.start < e.end
        assert len(e.curve_before) == 6 and len(e.curve_after) == 6
        assert all(isinstance(x, date) and isinstance(s, float) for x, s in e.curve_before + e.curve_after)
        assert e.notes and e.sources
        assert any("vix_daily_ohlc.csv" in s for s in e.sources)
        assert any("vx_monthly_settlements.csv" in s for s in e.sources)


def test_default_path_is_the_bundled_library():
    assert load_episodes() == EPISODES


@pytest.mark.parametrize(
    "year_month",
    ["2008-10", "2015-08", "2018-02", "2020-03", "2022-05", "2022-11", "2023-03", "2024-08", "2025-04"],
)
def test_required_episodes_present(year_month):
    assert any(e.end.isoformat().startswith(year_month) for e in EPISODES)


def test_frozen():
    with pytest.raises(AttributeError):
        EPISODES[0].vix_after = 1.0  # type: ignore[misc]


def test_spot_move_and_tenor_moves():
    e = BY_ID["covid-2020"]
    assert e.spot_move == pytest.approx(82.69 - 13.68)
    moves = dict(e.tenor_moves())
    # The Mar-2020 future (2020-03-18) was 33 days out on 2020-02-14 and 2 days out on 2020-03-16.
    assert moves[33] == pytest.approx(72.625 - 15.425)
    assert dict(e.tenor_moves(dte_at="after"))[2] == pytest.approx(72.625 - 15.425)
    # Feb-2020 expired inside the window, so only five contracts are matched.
    assert len(moves) == 5
    with pytest.raises(ValueError):
        e.tenor_moves(dte_at="sideways")


def test_tenor_moves_match_by_expiry():
    for e in EPISODES:
        after = dict(e.curve_after)
        for (expiry, before), (dte, change) in zip(
            [p for p in e.curve_before if p[0] in after], e.tenor_moves(), strict=True
        ):
            assert dte == (expiry - e.start).days
            assert change == pytest.approx(after[expiry] - before)


def test_eth_return_only_with_a_source():
    for e in EPISODES:
        if e.eth_return is not None:
            assert e.eth_source and "domain.md" in e.eth_source
        else:
            assert e.eth_source is None


# -- every figure equals the shared data -----------------------------------------------------


@pytest.mark.parametrize("eid", IDS)
def test_vix_closes_match_data(shared, eid):
    e = BY_ID[eid]
    vix = shared["vix"]["close"]
    assert e.vix_before == vix[_ts(shared, e.start)]
    assert e.vix_after == vix[_ts(shared, e.end)]


@pytest.mark.parametrize("eid", IDS)
@pytest.mark.parametrize("which", ["before", "after"])
def test_curves_match_data(shared, eid, which):
    e = BY_ID[eid]
    day = e.start if which == "before" else e.end
    vx = shared["vx"]
    rows = vx[vx["trade_date"] == _ts(shared, day)].sort_values("expiry").head(6)
    expected = [(r.expiry.date(), float(r.settle)) for r in rows.itertuples()]
    assert len(expected) == 6, f"fewer than six monthly futures on {day}"
    assert list(getattr(e, f"curve_{which}")) == expected


@pytest.mark.parametrize("eid", IDS)
def test_vvix_matches_data(shared, eid):
    e = BY_ID[eid]
    vvix = shared["vvix"]["vvix"]
    s, t = _ts(shared, e.start), _ts(shared, e.end)
    if s in vvix.index and t in vvix.index:
        assert e.vvix_before == vvix[s]
        assert e.vvix_after == vvix[t]
    else:
        assert e.vvix_before is None and e.vvix_after is None


@pytest.mark.parametrize("eid", IDS)
def test_spx_matches_data(shared, eid):
    e = BY_ID[eid]
    spx = shared["spx"]["close"]
    s, t = _ts(shared, e.start), _ts(shared, e.end)
    assert e.spx_before == round(float(spx[s]), 2)
    assert e.spx_after == round(float(spx[t]), 2)
    assert e.spx_return == round(float(spx[t] / spx[s] - 1.0), 4)


@pytest.mark.parametrize("eid", IDS)
def test_btc_matches_data(shared, eid):
    e = BY_ID[eid]
    btc = shared["btc"]["close"]
    s, t = _ts(shared, e.start), _ts(shared, e.end)
    if s in btc.index and t in btc.index:
        assert e.btc_before == round(float(btc[s]), 2)
        assert e.btc_after == round(float(btc[t]), 2)
        assert e.btc_return == round(float(btc[t] / btc[s] - 1.0), 4)
    else:
        assert e.btc_before is None and e.btc_after is None and e.btc_return is None
        assert e.start < date(2014, 9, 18)


def test_vx_windows_are_settlement_days(shared):
    days = set(shared["vx"]["trade_date"].dt.date)
    for e in EPISODES:
        assert e.start in days and e.end in days, e.id


# -- what the library must show --------------------------------------------------------------


@pytest.mark.parametrize("eid", CRYPTO_NATIVE_FLAT_VIX)
def test_crypto_native_failures_small_vix_move_big_btc_fall(eid):
    e = BY_ID[eid]
    assert abs(e.spot_move) < 2.0
    assert abs(e.front_move(1)) < 2.0  # M1 calls bought at the start gained little
    assert e.btc_return is not None and e.btc_return < -0.15
    assert "did not help" in e.notes


def test_ftx_curve_stayed_in_contango():
    e = BY_ID["ftx-2022"]
    for curve in (e.curve_before, e.curve_after):
        assert curve[0][1] < curve[1][1]


@pytest.mark.parametrize("eid", MACRO)
def test_macro_shocks_invert_the_front(eid):
    e = BY_ID[eid]
    assert e.spot_move >= 20.0
    # (The start is not always in contango: 2008-09-12 and 2025-04-02 were already flat.)
    assert e.curve_after[0][1] > e.curve_after[1][1]
    assert e.vvix_ratio is not None and e.vvix_ratio > 1.4


# -- tenor beta ------------------------------------------------------------------------------


def test_tenor_beta_shape():
    assert tenor_beta(0) == pytest.approx(1.0)
    b = tenor_beta([0, 10, 30, 90, 180, 1000])
    assert all(x > y for x, y in pairwise(b))
    assert b[-1] == pytest.approx(DEFAULT_TENOR_BETA_LONG, abs=1e-6)
    assert tenor_beta(5, tau_days=10, b_long=1.0) == pytest.approx(1.0)


def test_fit_reproduces_module_constants():
    tau, b_long, diag = fit_tenor_beta(EPISODES)
    assert abs(tau - DEFAULT_TENOR_TAU_DAYS) <= 0.5
    assert abs(b_long - DEFAULT_TENOR_BETA_LONG) <= 0.005
    assert diag.success
    assert set(diag.episodes_skipped) == set(CRYPTO_NATIVE_FLAT_VIX)
    assert all(abs(e.spot_move) >= MIN_SPOT_MOVE_POINTS for e in EPISODES if e.id in diag.episodes_used)
    assert diag.n_points == sum(len(BY_ID[i].tenor_moves()) for i in diag.episodes_used)
    assert diag.rmse < 0.2
    assert "tau" in diag.summary()


def test_fitted_beta_within_measured_band():
    # domain.md section 4: beta(M1) 0.41-0.88 (median ~0.6), beta(~6M) 0.17-0.20 (2020, 2024).
    tau, b_long, _ = fit_tenor_beta(EPISODES)
    assert 0.41 <= tenor_beta(20, tau, b_long) <= 0.88
    assert 0.41 <= tenor_beta(20) <= 0.88
    # Six months out the fit gives ~0.22, a little above the two measured points; keep it close.
    assert 0.15 <= tenor_beta(180) <= 0.25


def test_fit_needs_vix_shocks():
    with pytest.raises(ValueError, match="at least 3 points"):
        fit_tenor_beta([BY_ID[i] for i in CRYPTO_NATIVE_FLAT_VIX])


# -- bad content -----------------------------------------------------------------------------


def _library_with(tmp_path: Path, old: str, new: str, *, count: int = 1) -> Path:
    text = LIBRARY.read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "episodes.toml"
    p.write_text(text.replace(old, new, count), encoding="utf-8")
    return p


def _error(path: Path) -> str:
    with pytest.raises(ValueError) as info:
        load_episodes(path)
    return str(info.value)


def test_bad_settle_names_file_episode_and_key(tmp_path):
    e = BY_ID["ftx-2022"]
    expiry, settle = e.curve_after[2]
    old = f"{{ expiry = {expiry.isoformat()}, settle = {settle!r} }}"
    p = _library_with(tmp_path, old, f'{{ expiry = {expiry.isoformat()}, settle = "high" }}')
    msg = _error(p)
    assert str(p) in msg and "ftx-2022" in msg and "curve_after[2].settle" in msg and "number" in msg


def test_missing_key_names_episode_and_key(tmp_path):
    p = _library_with(tmp_path, "vix_after = 26.09\n", "")
    msg = _error(p)
    assert "ftx-2022" in msg and "'vix_after'" in msg and "missing" in msg


def test_bad_date_names_episode_and_key(tmp_path):
    p = _library_with(tmp_path, "start = 2020-02-14", 'start = "Feb 14"')
    msg = _error(p)
    assert "covid-2020" in msg and "'start'" in msg and "date" in msg


def test_unknown_key_and_eth_without_source(tmp_path):
    msg = _error(_library_with(tmp_path, "vix_after = 26.09\n", "vix_after = 26.09\nvix_afterr = 1\n"))
    assert "ftx-2022" in msg and "vix_afterr" in msg
    msg = _error(_library_with(tmp_path, "vix_after = 26.09\n", "vix_after = 26.09\neth_return = -0.2\n"))
    assert "ftx-2022" in msg and "eth_source" in msg


def test_episode_without_id_is_named_by_position(tmp_path):
    p = _library_with(tmp_path, 'id = "china-2015"\n', "")
    msg = _error(p)
    assert "episode #2" in msg and "'id'" in msg


def test_duplicate_id_and_bad_toml(tmp_path):
    msg = _error(_library_with(tmp_path, 'id = "china-2015"', 'id = "gfc-2008"'))
    assert "duplicate" in msg and "gfc-2008" in msg
    p = tmp_path / "broken.toml"
    p.write_text("schema = 1\n[[episodes]\n", encoding="utf-8")
    assert str(p) in _error(p)
    p.write_text("schema = 2\n", encoding="utf-8")
    assert "schema" in _error(p)


def test_unsorted_curve_and_past_expiry(tmp_path):
    p = _library_with(tmp_path, "{ expiry = 2020-03-18, settle = 72.625 }", "{ expiry = 2020-03-16, settle = 72.625 }")
    msg = _error(p)
    assert "covid-2020" in msg and "curve_after[0].expiry" in msg


@pytest.mark.slow
def test_module_imports_no_ui_or_heavy_libraries():
    code = (
        "import sys, tui.core.episodes as m; m.load_episodes();"
        "bad = [x for x in ('textual', 'pandas', 'scipy') if x in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_values_are_finite():
    for e in EPISODES:
        nums = [e.vix_before, e.vix_after, *(s for _, s in e.curve_before + e.curve_after)]
        nums += [x for x in (e.vvix_before, e.vvix_after, e.btc_return) if x is not None]
        assert all(math.isfinite(x) for x in nums)
