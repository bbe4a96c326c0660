"""Market snapshot CSV: loading, saving, every error message, and the bundled samples."""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import pytest

from tui.core.calendar import month_code, monthly_expiries
from tui.core.curve import Future, MarketSnapshot
from tui.core.market_csv import MarketDataError, load_snapshot_csv, parse_snapshot_csv, save_snapshot_csv
from tui.core.volmodel import VolModel

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"


def _is_snapshot(path: Path) -> bool:
    """sample_data holds other CSVs too (the daily history, the option chain, event dates):
    a market snapshot is the one whose header starts with as_of."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.lstrip().startswith("#"):
                return line.lower().startswith("as_of,")
    return False


SAMPLES = sorted(p for p in SAMPLE_DIR.glob("*.csv") if _is_snapshot(p))

HEADER = "as_of,vix_spot,rate,expiry,settle"
GOOD_ROWS = [
    "2024-08-05,38.57,0.051,2024-08-21,32.0986",
    "2024-08-05,38.57,0.051,2024-09-18,30.3911",
    "2024-08-05,38.57,0.051,2024-10-16,27.3048",
]
R0, R1 = GOOD_ROWS[0], GOOD_ROWS[1]


def write(tmp_path: Path, *lines: str, name: str = "snap.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- loading --------------------------------------------------------------------


def test_minimal_file_loads(tmp_path):
    snap = load_snapshot_csv(write(tmp_path, HEADER, *GOOD_ROWS))
    assert snap.as_of == date(2024, 8, 5)
    assert snap.vix_spot == 38.57
    assert snap.rate == 0.051
    assert snap.futures == (
        Future(date(2024, 8, 21), 32.0986),
        Future(date(2024, 9, 18), 30.3911),
        Future(date(2024, 10, 16), 27.3048),
    )
    assert snap.vol == VolModel()  # no vol columns: the default model
    assert snap.source == ""


def test_comments_blank_lines_case_spaces_and_order(tmp_path):
    path = write(
        tmp_path,
        "# 2024-08-05: yen carry unwind",
        "   # indented comment",
        "",
        "AS_OF, Vix_Spot, rate, expiry, settle, atm_front, atm_long, decay_days, skew, source",
        # rows out of order: the snapshot sorts them
        "2024-08-05, 38.57, 0.051, 2024-10-16, 27.3048, 1.5, 0.65, 60, 0.3, \"Cboe #1, approx. rate\"",
        "",
        "# a comment between rows",
        "2024-08-05, 38.57, 0.051, 2024-08-21, 32.0986, 1.5, 0.65, 60, 0.3, \"Cboe #1, approx. rate\"",
    )
    snap = load_snapshot_csv(path)
    assert [f.expiry for f in snap.futures] == [date(2024, 8, 21), date(2024, 10, 16)]
    assert snap.vol == VolModel(atm_front=1.5, atm_long=0.65, decay_days=60.0, skew=0.3)
    assert snap.source == "Cboe #1, approx. rate"  # a '#' inside a field is not a comment


def test_trailing_commas_are_tolerated(tmp_path):
    # A trailing comma on every row must not shift the columns (pandas' index gotcha).
    snap = load_snapshot_csv(write(tmp_path, HEADER + ",", R0 + ",", R1 + ","))
    assert snap.as_of == date(2024, 8, 5) and snap.vix_spot == 38.57
    assert [f.settle for f in snap.futures] == [32.0986, 30.3911]
    snap = load_snapshot_csv(write(tmp_path, HEADER, R0 + ",", R1 + ",,"))
    assert [f.settle for f in snap.futures] == [32.0986, 30.3911]


def test_source_may_be_blank_on_some_rows(tmp_path):
    path = write(
        tmp_path,
        HEADER + ",source",
        GOOD_ROWS[0] + ",Cboe",
        GOOD_ROWS[1] + ",",
    )
    assert load_snapshot_csv(path).source == "Cboe"


def test_round_trip(tmp_path):
    snap = MarketSnapshot(
        as_of=date(2026, 11, 20),
        vix_spot=35.0,
        rate=0.1 + 0.2,  # a float that needs all 17 digits
        futures=(
            Future(date(2027, 1, 20), 30.4),
            Future(date(2026, 12, 16), 33.1 + 1e-12),
            Future(date(2026, 12, 9), 34.0),  # a weekly expiry: no month code
        ),
        vol=VolModel(atm_front=1.1, atm_long=0.55, decay_days=90.0, skew=-0.05),
        source='hand-made, with "quotes", commas and a # sign\nand a newline',
    )
    path = tmp_path / "out.csv"
    save_snapshot_csv(snap, path, comments=["made by a test", "second line"])
    text = path.read_text()
    assert text.startswith("# made by a test\n# second line\nas_of,vix_spot,rate,expiry,settle,")
    assert ",F27," in text and ",Z26," in text
    back = load_snapshot_csv(path)
    assert back.as_of == snap.as_of
    assert back.vix_spot == snap.vix_spot
    assert back.rate == snap.rate
    assert back.futures == snap.futures
    assert back.vol == snap.vol
    assert back.source == " ".join(snap.source.split())  # saved on one line
    # saving again gives the same bytes
    save_snapshot_csv(back, tmp_path / "again.csv", comments=["made by a test", "second line"])
    assert (tmp_path / "again.csv").read_text() == text


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "snap.csv"
    path.write_text("previous good file\n")
    snap = load_snapshot_csv(write(tmp_path, HEADER, *GOOD_ROWS, name="src.csv"))
    save_snapshot_csv(snap, path)
    assert load_snapshot_csv(path).futures == snap.futures
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.csv", "src.csv"]
    empty = MarketSnapshot(as_of=date(2024, 8, 5), vix_spot=20.0, rate=0.0, futures=())
    with pytest.raises(MarketDataError, match="empty curve"):
        save_snapshot_csv(empty, path)
    assert load_snapshot_csv(path).futures == snap.futures  # untouched


# --- errors ---------------------------------------------------------------------

def replace_cell(row: str, index: int, value: str) -> str:
    cells = row.split(",")
    cells[index] = value
    return ",".join(cells)


ERROR_CASES = {
    # name: (lines, fragments the message must contain)
    "missing settle column": (
        ["as_of,vix_spot,rate,expiry", "2024-08-05,38.57,0.051,2024-08-21"],
        ["line 1 (header)", "missing column 'settle'", "expected columns as_of, vix_spot"],
    ),
    "missing two columns": (
        ["as_of,expiry,settle", "2024-08-05,2024-08-21,32.1"],
        ["missing column 'vix_spot', 'rate'"],
    ),
    "misspelt column": (
        [HEADER + ",skwe", R0 + ",0.3"],
        ["unexpected column 'skwe'", "allowed are"],
    ),
    "duplicate column": (
        [HEADER + ",settle", R0 + ",1"],
        ["'settle' appears more than once"],
    ),
    "partial vol columns": (
        [HEADER + ",atm_front,atm_long", R0 + ",1.1,0.6"],
        ["vol-model columns come as a set of four", "missing 'decay_days', 'skew'"],
    ),
    "non-numeric settle": (
        [HEADER, R0, replace_cell(R1, 4, "abc")],
        ["line 3 (data row 2), column 'settle'", "expected a positive settlement price", "got 'abc'"],
    ),
    "NaN settle": (
        [HEADER, replace_cell(R0, 4, "nan")],
        ["line 2 (data row 1), column 'settle'", "got 'nan'"],
    ),
    "inf settle": (
        [HEADER, replace_cell(R0, 4, "inf")],
        ["column 'settle'", "got 'inf'"],
    ),
    "empty settle": (
        [HEADER, replace_cell(R0, 4, "")],
        ["column 'settle'", "got an empty cell"],
    ),
    "zero settle": (
        [HEADER, replace_cell(R0, 4, "0")],
        ["column 'settle'", "expected a positive settlement price", "got '0'"],
    ),
    "negative settle": (
        [HEADER, replace_cell(R0, 4, "-1.5")],
        ["column 'settle'", "got '-1.5'"],
    ),
    "non-numeric spot": (
        [HEADER, replace_cell(R0, 1, "high")],
        ["column 'vix_spot'", "expected a positive VIX level", "got 'high'"],
    ),
    "NaN spot": (
        [HEADER, replace_cell(R0, 1, "NaN")],
        ["column 'vix_spot'", "got 'NaN'"],
    ),
    "inf spot": (
        [HEADER, replace_cell(R0, 1, "-inf")],
        ["column 'vix_spot'", "got '-inf'"],
    ),
    "zero spot": (
        [HEADER, R0, replace_cell(R1, 1, "0")],
        ["line 3 (data row 2), column 'vix_spot'", "got '0'"],
    ),
    "negative spot": (
        [HEADER, replace_cell(R0, 1, "-38.57")],
        ["column 'vix_spot'", "got '-38.57'"],
    ),
    "unparseable as_of": (
        [HEADER, replace_cell(R0, 0, "08/05/2024")],
        ["line 2 (data row 1), column 'as_of'", "expected a date as YYYY-MM-DD", "got '08/05/2024'"],
    ),
    "impossible expiry date": (
        [HEADER, R0, replace_cell(R1, 3, "2024-02-30")],
        ["line 3 (data row 2), column 'expiry'", "expected a date as YYYY-MM-DD", "got '2024-02-30'"],
    ),
    "empty expiry": (
        [HEADER, replace_cell(R0, 3, "")],
        ["column 'expiry'", "got an empty cell"],
    ),
    "as_of differs": (
        [HEADER, R0, replace_cell(R1, 0, "2024-08-06")],
        ["line 3 (data row 2), column 'as_of'", "expected the same value on every row", "'2024-08-05'", "got '2024-08-06'"],
    ),
    "spot differs": (
        [HEADER, R0, replace_cell(R1, 1, "38.6")],
        ["line 3 (data row 2), column 'vix_spot'", "expected the same value on every row", "got '38.6'"],
    ),
    "rate differs": (
        [HEADER, R0, replace_cell(R1, 2, "0.05")],
        ["line 3 (data row 2), column 'rate'", "expected the same value on every row", "got '0.05'"],
    ),
    "non-numeric rate": (
        [HEADER, replace_cell(R0, 2, "5%")],
        ["column 'rate'", "expected a finite decimal rate", "got '5%'"],
    ),
    "rate given in percent": (
        [HEADER, replace_cell(R0, 2, "5.1")],
        ["column 'rate'", "between -0.2 and 0.5", "got '5.1'"],
    ),
    "duplicate expiry": (
        [HEADER, R0, R1, replace_cell(R1, 4, "30.0")],
        ["line 4 (data row 3), column 'expiry'", "duplicate expiry 2024-09-18", "already given on line 3"],
    ),
    "expiry on as_of": (
        [HEADER, replace_cell(R0, 3, "2024-08-05")],
        ["column 'expiry'", "expected an expiry after as_of 2024-08-05", "got 2024-08-05"],
    ),
    "expiry before as_of": (
        [HEADER, R0, replace_cell(R1, 3, "2024-07-17")],
        ["line 3 (data row 2), column 'expiry'", "after as_of 2024-08-05", "got 2024-07-17"],
    ),
    "empty curve": (
        ["# only a header", HEADER],
        ["empty curve", "expected one data row per listed monthly future"],
    ),
    "only comments": (
        ["# nothing here", "#"],
        ["no header row", "expected a CSV header"],
    ),
    "vol value differs": (
        [HEADER + ",atm_front,atm_long,decay_days,skew", R0 + ",1.5,0.65,60,0.3", R1 + ",1.5,0.65,90,0.3"],
        ["line 3 (data row 2), column 'decay_days'", "same value on every row", "got '90'"],
    ),
    "negative vol": (
        [HEADER + ",atm_front,atm_long,decay_days,skew", R0 + ",-1.5,0.65,60,0.3"],
        ["column 'atm_front'", "expected a positive number", "got '-1.5'"],
    ),
    "NaN skew": (
        [HEADER + ",atm_front,atm_long,decay_days,skew", R0 + ",1.5,0.65,60,nan"],
        ["column 'skew'", "expected a finite number", "got 'nan'"],
    ),
    "wrong contract code": (
        [HEADER + ",contract", R0 + ",U24"],
        ["column 'contract'", "expected 'Q24' for expiry 2024-08-21", "got 'U24'"],
    ),
    "source differs": (
        [HEADER + ",source", R0 + ",Cboe", R1 + ",Yahoo"],
        ["line 3 (data row 2), column 'source'", "same source on every row", "got 'Yahoo'"],
    ),
    "too many fields": (
        ["# comment", HEADER, R0, R1 + ",extra"],
        ["line 4: expected 5 fields as in the header, got 6", "extra value 'extra'"],
    ),
    "extra field on every row": (
        [HEADER, R0 + ",9", R1 + ",9"],
        ["line 2: expected 5 fields as in the header, got 6", "extra value '9'"],
    ),
    "too few fields": (
        ["# comment", "", HEADER, R0, "2024-08-05,38.57,0.051,2024-09-18"],
        ["line 5: expected 5 fields as in the header, got 4"],
    ),
    "unterminated quote": (
        ["# c", HEADER + ",source", R0 + ',"Cboe', R1 + ",Cboe"],
        ["line 3: not a well-formed CSV record", "balanced double quotes"],
    ),
    "nameless column": (
        ["as_of,,rate,expiry,settle", R0],
        ["line 1 (header): column 2 has no name"],
    ),
    "bad cell after a multi-line quoted field": (
        [HEADER + ",source", R0 + ',"two', 'lines"', replace_cell(R1, 4, "x") + ",two lines"],
        ["line 4 (data row 2), column 'settle'", "got 'x'"],
    ),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_name_file_place_and_expectation(tmp_path, case):
    lines, fragments = ERROR_CASES[case]
    path = write(tmp_path, *lines, name="bad market.csv")
    with pytest.raises(MarketDataError) as info:
        load_snapshot_csv(path)
    message = str(info.value)
    assert message.startswith(str(path) + ": ")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "Traceback" not in message
    assert isinstance(info.value, ValueError)
    with pytest.raises(MarketDataError) as from_text:
        parse_snapshot_csv(path.read_text(), str(path))
    assert str(from_text.value) == message  # the text entry point says the same


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(MarketDataError, match="file not found"):
        load_snapshot_csv(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(MarketDataError, match="no header row"):
        load_snapshot_csv(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage\x80\x81")
    with pytest.raises(MarketDataError, match="not a UTF-8 text file"):
        load_snapshot_csv(binary)



@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_parse_from_text_gives_what_the_file_loads(path):
    assert parse_snapshot_csv(path.read_text(), "anything.csv") == load_snapshot_csv(path)

# --- the bundled sample snapshots -------------------------------------------------


def test_samples_exist_and_cover_three_regimes():
    names = [p.name for p in SAMPLES]
    assert any(n.startswith("calm_contango_") for n in names)
    assert any(n.startswith("stress_backwardation_") for n in names)
    assert any(n.startswith("flat_") for n in names)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_sample_is_consistent(path, tmp_path):
    snap = load_snapshot_csv(path)
    assert snap.as_of.isoformat() in path.name
    assert path.read_text().startswith("#")  # comment lines name date, event, source
    assert 3 <= len(snap.futures) <= 8
    # the listed futures are exactly the calendar's M1..Mn, with their month codes
    assert [f.expiry for f in snap.futures] == monthly_expiries(snap.as_of, len(snap.futures))
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    assert [r["contract"] for r in rows] == [month_code(f.expiry) for f in snap.futures]
    assert "approximate" in snap.source and "T-bill" in snap.source
    assert 0.0 <= snap.rate <= 0.06
    regime = snap.regime()
    vol = snap.vol
    assert 0.3 <= vol.skew <= 0.4 and 60 <= vol.decay_days <= 90
    if path.name.startswith("calm_contango_"):
        assert regime.name == "contango"
        levels = [snap.vix_spot] + [f.settle for f in snap.futures]
        assert levels == sorted(levels)
        assert 0.85 <= vol.atm_front <= 1.0 and 0.55 <= vol.atm_long <= 0.6
    elif path.name.startswith("stress_backwardation_"):
        assert regime.name == "backwardation" and regime.depth == "deep"
        assert snap.vix_spot > snap.month(1).settle > snap.month(2).settle > snap.month(6).settle
        assert 1.3 <= vol.atm_front <= 1.6 and 0.6 <= vol.atm_long <= 0.7
    elif path.name.startswith("flat_"):
        assert abs(regime.m1_m2_slope_pct) < 1.0
    elif path.name == "curve_2024-06-03.csv":  # the option chain's day: calm contango, Oct-24 election bump
        assert regime.name == "contango" and snap.vix_spot < snap.month(1).settle < snap.month(2).settle
        assert snap.month(5).settle > snap.month(6).settle
    else:
        pytest.fail(f"unexpected sample name {path.name}")
    # a sample survives a save/load round trip unchanged
    save_snapshot_csv(snap, tmp_path / path.name)
    assert load_snapshot_csv(tmp_path / path.name) == snap


def _real_settles(shared_data: Path) -> dict[tuple[str, str], str]:
    out = {}
    with open(shared_data / "vx_monthly_settlements.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["suspect"] != "True":
                out[(row["trade_date"], row["expiry"])] = row["settle"]
    return out


def _vix_closes(shared_data: Path) -> dict[str, str]:
    with open(shared_data / "vix_daily_ohlc.csv", newline="") as fh:
        return {row["date"]: row["close"] for row in csv.DictReader(fh)}


def test_sample_figures_equal_the_real_data(shared_data):
    settles = _real_settles(shared_data)
    closes = _vix_closes(shared_data)
    assert SAMPLES
    for path in SAMPLES:
        snap = load_snapshot_csv(path)
        day = snap.as_of.isoformat()
        assert snap.vix_spot == float(closes[day]), path.name
        for f in snap.futures:
            key = (day, f.expiry.isoformat())
            assert key in settles, f"{path.name}: no real settle for {key}"
            assert f.settle == float(settles[key]), f"{path.name}: {key}"
        # and it lists every real monthly contract up to the eighth
        real = sorted(e for (t, e) in settles if t == day and e > day)[: len(snap.futures)]
        assert [f.expiry.isoformat() for f in snap.futures] == real


def test_the_curve_snapshots_file_agrees_with_the_samples(shared_data):
    """curve_snapshots.csv (an independent reshaping) has the same M1..M8 where it has the day."""
    with open(shared_data / "curve_snapshots.csv", newline="") as fh:
        rows = {row["date"]: row for row in csv.DictReader(fh)}
    compared = 0
    for path in SAMPLES:
        snap = load_snapshot_csv(path)
        row = rows.get(snap.as_of.isoformat())
        if row is None:
            continue
        assert snap.vix_spot == float(row["vix_close"])
        for i, f in enumerate(snap.futures, start=1):
            assert f.expiry.isoformat() == row[f"m{i}_expiry"]
            assert f.settle == float(row[f"m{i}_settle"])
        compared += 1
    assert compared >= 2  # 2023-12-15 and 2024-08-05 are in both


def test_stress_sample_is_the_day_closest_to_35_over_22(shared_data):
    """Of all VX days since 2006, the stress sample's M1/M6 are nearest to 35 / 22."""
    by_day: dict[str, list[tuple[str, float]]] = {}
    for (day, expiry), settle in _real_settles(shared_data).items():
        if day >= "2006-01-01" and expiry > day:
            by_day.setdefault(day, []).append((expiry, float(settle)))
    best_day, best = None, math.inf
    for day, listed in by_day.items():
        listed.sort()
        if len(listed) >= 6:
            distance = math.hypot(listed[0][1] - 35.0, listed[5][1] - 22.0)
            if distance < best:
                best_day, best = day, distance
    chosen = [p for p in SAMPLES if p.name == f"stress_backwardation_{best_day}.csv"]
    assert chosen, f"closest day is {best_day} (distance {best:.2f}); no sample for it"
