"""The daily market history loader (tui.core.history) and the bundled 2006-2025 history."""

from __future__ import annotations

import gzip
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tui.core.calendar import vix_expiry
from tui.core.history import History, HistoryError, history_to_compact, load_history, save_history_csv


@pytest.fixture(scope="module")
def bundled() -> History:
    return load_history()


def _day(h: History, d: str) -> int:
    i = int(np.searchsorted(h.dates, np.datetime64(d)))
    assert h.dates[i] == np.datetime64(d)
    return i


def _settle(h: History, day: str, expiry: str) -> float:
    j = int(np.searchsorted(h.expiries, np.datetime64(expiry)))
    assert h.expiries[j] == np.datetime64(expiry)
    return float(h.settles[_day(h, day), j])


# -- the bundled history ---------------------------------------------------------------------

def test_bundled_history_spans_2006_to_2025(bundled):
    assert bundled.first_day == date(2006, 1, 3)
    assert bundled.last_day == date(2025, 4, 30)
    assert list(bundled.daily.columns) == ["vix", "vix3m", "vvix", "spx", "btc"]
    assert (np.diff(bundled.dates) > np.timedelta64(0, "D")).all()


def test_bundled_expiries_are_the_exchange_calendars(bundled):
    for e in bundled.expiries:
        d = pd.Timestamp(e).date()
        assert vix_expiry(d.year, d.month) == d
    # the published Tuesday expiries (SOURCES.md) are among them
    for tuesday in ("2008-02-19", "2014-03-18", "2019-03-19", "2022-03-15", "2024-06-18", "2025-03-18"):
        assert np.datetime64(tuesday) in bundled.expiries


def test_figures_quoted_elsewhere(bundled):
    # sample_data/stress_backwardation_2024-08-05.csv and episodes.toml quote these Cboe figures
    assert _settle(bundled, "2024-08-05", "2024-08-21") == 32.0986
    assert _settle(bundled, "2024-08-05", "2025-01-22") == 23.0012
    assert bundled.daily.loc["2024-08-05", "vix"] == 38.57
    assert bundled.daily.loc["2020-03-16", "vix"] == 82.69  # the highest VIX close
    assert bundled.daily.loc["2020-03-16", "vvix"] == 207.59  # the highest VVIX close


def test_final_settlement_sits_on_the_expiry_day(bundled):
    # on its expiry day a contract's cell holds its final settlement; after it, nothing
    i = _day(bundled, "2020-03-18")
    j = int(np.searchsorted(bundled.expiries, np.datetime64("2020-03-18")))
    assert np.isfinite(bundled.settles[i, j])
    assert np.isnan(bundled.settles[i + 1:, j]).all()


def test_bundled_history_equals_the_shared_data(bundled, shared_data):
    vx = pd.read_csv(shared_data / "vx_monthly_settlements.csv", parse_dates=["trade_date", "expiry"])
    vx = vx[(vx.trade_date >= "2006-01-01") & ~vx.suspect.astype(bool)]
    got = bundled.futures().merge(vx, on=["trade_date", "expiry"], how="left")
    assert got["settle_y"].notna().all()
    assert np.array_equal(got["settle_x"].to_numpy(), got["settle_y"].to_numpy())
    # every contract within twelve months is there (only 2006-07's far contracts are left out)
    within = vx[vx.expiry <= vx.trade_date + pd.Timedelta(days=330)]
    assert len(within.merge(bundled.futures(), on=["trade_date", "expiry"])) == len(within)
    finals = vx[vx.is_final_settlement_day.astype(bool)]
    for _, row in finals.sample(20, random_state=1).iterrows():
        assert _settle(bundled, str(row.trade_date.date()), str(row.expiry.date())) == row.settle
    vix = pd.read_csv(shared_data / "vix_daily_ohlc.csv", parse_dates=["date"]).set_index("date")["close"]
    mine = bundled.daily["vix"].dropna()
    assert np.array_equal(mine.to_numpy(), vix.reindex(mine.index).to_numpy())
    btc = pd.read_csv(shared_data / "btc_usd_daily.csv", parse_dates=["date"]).set_index("date")["close"]
    mine = bundled.daily["btc"].dropna()
    assert np.abs(mine.to_numpy() - btc.reindex(mine.index).to_numpy()).max() <= 0.005 + 1e-8  # rounded to the cent


def test_between_and_curve_on(bundled):
    part = bundled.between(date(2008, 10, 1), date(2008, 10, 31))
    assert part.first_day == date(2008, 10, 1) and part.last_day == date(2008, 10, 31)
    assert part.settles.shape == (len(part), len(bundled.expiries))
    curve = bundled.curve_on(date(2024, 8, 5))
    assert curve[0] == (date(2024, 8, 21), 32.0986)
    assert all(e > date(2024, 8, 5) for e, _ in curve)
    with pytest.raises(KeyError):
        bundled.curve_on(date(2024, 8, 4))  # a Sunday


# -- both layouts read back the same ---------------------------------------------------------

def test_long_and_compact_layouts_agree(bundled, tmp_path):
    part = bundled.between(date(2020, 2, 1), date(2020, 4, 30))
    long = part.futures()
    long = long.join(part.daily, on="trade_date")
    long.insert(0, "Open", 1.0)  # a Cboe column the loader ignores
    long_path = tmp_path / "long.csv"
    long.rename(columns={"trade_date": "Trade Date", "settle": "Settle"}).to_csv(long_path, index=False)
    compact_path = tmp_path / "compact.csv.gz"
    save_history_csv(part, compact_path, ["a comment"])
    assert gzip.decompress(compact_path.read_bytes()).startswith(b"# a comment\ndate,")
    for path in (long_path, compact_path):
        again = load_history(path)
        assert np.array_equal(again.dates, part.dates)
        listed = np.isfinite(part.settles).any(axis=0)
        assert np.array_equal(again.expiries, part.expiries[listed])
        assert np.allclose(again.settles, part.settles[:, listed], equal_nan=True, rtol=0, atol=1e-12)
        assert np.allclose(again.daily.to_numpy(), part.daily.to_numpy(), equal_nan=True)


def test_compact_columns_follow_the_calendar(bundled):
    part = bundled.between(date(2024, 8, 5), date(2024, 8, 5))
    row = history_to_compact(part).iloc[0]
    assert row["m1"] == 32.0986 and row["m6"] == 23.0012 and np.isnan(row["m0"])


# -- bad files -------------------------------------------------------------------------------

def _write(tmp_path, text: str, name: str = "h.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


LONG_HEAD = "# my history\ntrade_date,expiry,settle,vix\n"


@pytest.mark.parametrize(
    "text, expected",
    [
        (LONG_HEAD + "2024-08-05,2024-08-21,32.1,38.57\n2024-08-06,2024-08-21,abc,30\n",
         "line 4, column 'settle': expected a settlement price >= 0, got 'abc'"),
        (LONG_HEAD + "2024-08-05,2024-08-21,32.1,38.57\n2024-13-06,2024-08-21,30,30\n",
         "line 4, column 'trade_date': expected a date YYYY-MM-DD, got '2024-13-06'"),
        (LONG_HEAD + "2024-08-05,2024-08-21,-1,38.57\n",
         "line 3, column 'settle': expected a settlement price >= 0, got '-1'"),
        (LONG_HEAD + "2024-08-05,2024-08-01,20,38.57\n",
         "line 3, column 'expiry': expected an expiry on or after the trade date 2024-08-05"),
        (LONG_HEAD + "2024-08-05,2024-08-21,20,38.57\n\n2024-08-05,2024-08-21,21,38.57\n",
         "line 5: contract expiring 2024-08-21 on 2024-08-05 is given twice (first at line 3)"),
        (LONG_HEAD + "2024-08-05,2024-08-21,20,38.57\n2024-08-05,2024-09-18,21,38\n",
         "expected the same vix on every row of 2024-08-05"),
        (LONG_HEAD + "2024-08-05,2024-08-21,20,-3\n",
         "line 3, column 'vix': expected a positive VIX close or an empty cell, got '-3'"),
        (LONG_HEAD + "2024-08-05,2024-08-21,20,38.57,7,8\n",
         "line 3: expected 4 fields as in the header, got 6"),
        ("trade_date,settle\n2024-08-05,20\n", "line 1 (header): neither layout"),
        ("date,vix,m1,m2\n2024-08-05,38.57,32.1,30.4\n2024-08-05,30,30,29\n",
         "line 3, column 'date': expected a day after 2024-08-05"),
        ("date,vix,m1,colour\n2024-08-05,38.57,32.1,red\n", "line 1 (header): unknown column 'colour'"),
        ("date,m0,m1\n2024-08-05,30,32.1\n",
         "line 2, column 'm0': m0 is the final settlement of a contract expiring that day"),
        ("date,m1,m1\n2024-08-05,30,32.1\n", "column 'm1' appears twice"),
        ("date,vix,m1\n2024-08-05,38.57,\n", "no settlement in any m<n> column"),
        ("", "no header and no data"),
        ("# only a comment\ntrade_date,expiry,settle\n", "line 2: a header and no data rows"),
    ],
)
def test_bad_history_files_name_line_and_column(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(HistoryError) as info:
        load_history(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_unreadable_history_files(tmp_path):
    cases = {
        tmp_path / "missing.csv": "file not found",
        tmp_path: "is a directory",
    }
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    cases[binary] = "not a UTF-8 text file"
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(b"date,m1\n2024-08-05,30\n")[:20])
    cases[broken] = "not a readable gzip file"
    for path, expected in cases.items():
        with pytest.raises(HistoryError, match=expected):
            load_history(path)


def test_zero_settle_is_a_placeholder_not_a_price(tmp_path):
    path = _write(tmp_path, "Trade Date,Expiry,Settle\n2024-08-05,2024-08-21,32.1\n2024-08-05,2025-08-20,0\n")
    h = load_history(path)
    assert [pd.Timestamp(e).date() for e in h.expiries] == [date(2024, 8, 21)]
    assert np.isnan(h.daily["vix"]).all()


def test_build_script_rebuilds_the_bundled_file(shared_data, tmp_path):
    import runpy
    from tui.core.history import default_history_path

    script = runpy.run_path(str(default_history_path().parent.parent / "scripts" / "build_history.py"))
    out = tmp_path / "rebuilt.csv"
    assert script["main"]([str(shared_data), "--out", str(out)]) == 0
    assert out.read_bytes() == default_history_path().read_bytes()
