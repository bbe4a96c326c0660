"""Hostile market CSVs, property-based: ``load_snapshot_csv`` returns a snapshot or raises
``MarketDataError`` naming the file, in bounded time, never another exception or a hang.

And a snapshot that loads is one a plan can hold: embedded in a plan it passes plan_io's
rules (so a CSV the app opens can always be saved and reopened) and values finitely.
Cases that once failed are kept in ``tests/corpus/csv`` and replayed by ``test_corpus``.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _fuzz import (
    CORPUS,
    DEFAULT_PLAN,
    PARSE_LIMIT_S,
    REPO_ROOT,
    examples,
    file_edge_cases,
    integer_overflow,
    non_finite,
    terminal_hazard,
    time_limit,
    warm_up,
)
from tui.core import limits as io
from tui.core.curve import Future, MarketSnapshot
from tui.core.market_csv import COLUMN_ORDER, MarketDataError, load_snapshot_csv, save_snapshot_csv
from tui.core.plan import Layer
from tui.core.plan_io import load_plan, plan_problems
from tui.core.safe_text import unsafe_char
from tui.core.valuation import value_plan
from tui.core.volmodel import VolModel

warm_up()
load_snapshot_csv(REPO_ROOT / "sample_data" / "flat_2022-11-09.csv")  # pandas imported once, not in an example

SAMPLES = sorted((REPO_ROOT / "sample_data").glob("*.csv"))
SAMPLE_BYTES = [p.read_bytes() for p in SAMPLES]
BASE_PLAN = load_plan(DEFAULT_PLAN)
WORK = Path(tempfile.mkdtemp(prefix="alvh-fuzz-csv-"))


def holds_contract(path: Path) -> MarketSnapshot | None:
    started = time.perf_counter()
    try:
        with time_limit(PARSE_LIMIT_S, "loading the CSV"):
            snapshot = load_snapshot_csv(path)
    except MarketDataError as error:
        message = str(error)
        assert message.startswith(f"{path}: "), message
        assert "Traceback" not in message and len(message) < 1500, message[:300]
        assert not any(terminal_hazard(c) for c in message), f"control characters in {message!r}"
        return None
    assert time.perf_counter() - started < PARSE_LIMIT_S
    assert isinstance(snapshot, MarketSnapshot)
    # A snapshot that loads is one a plan can hold, and one that values finitely.
    plan = replace(BASE_PLAN, market=snapshot, layers=(Layer("near", 1.0, "M1", "ATM"),))
    assert plan_problems(plan) == [], plan_problems(plan)
    v = value_plan(plan)
    assert not non_finite(v) + integer_overflow(v), non_finite(v)[:5]
    return snapshot


def load_bytes(raw: bytes) -> MarketSnapshot | None:
    path = WORK / "snap.csv"
    path.write_bytes(raw)
    return holds_contract(path)


# -- strategies ---------------------------------------------------------------------

CELLS = ["", " ", "nan", "NaN", "inf", "-inf", "1e308", "-1e308", "5e-324", "-0.0", "0", "-1", "0x10", "1_000",
         "9223372036854775808", "1e400", "38.57", "0.051", "4.5", "2024-08-05", "2024-08-21", "2024-02-30",
         "0001-01-01", "9999-12-31", "2262-04-12", "1677-09-21", "2024-8-5", "20240805", "٢٠٢٤-٠٨-٠٥",
         "Q24", "Z23", '"quoted, with comma"', '"unbalanced', '"a ""b"""', "\x1b[2J", "\x00", "\u202e", "#",
         "a" * 200_000, "1.5", "0.65", "60", "0.3", "-5", "21", "1e-9"]
any_char = st.characters(exclude_categories=("Cs",))
cells = st.one_of(st.sampled_from(CELLS), st.text(any_char, max_size=20),
                  st.floats().map(repr), st.integers().map(str))
column_names = st.one_of(st.sampled_from(list(COLUMN_ORDER) + ["AS_OF", " settle ", "settle.1", "", "x", "index"]),
                         st.text(any_char, max_size=8))


@st.composite
def structured_csv(draw) -> bytes:
    """A header of (mostly) real columns and rows of hostile cells."""
    header = draw(st.one_of(
        st.permutations(list(COLUMN_ORDER[:5])),
        st.permutations(list(COLUMN_ORDER)),
        st.lists(column_names, min_size=0, max_size=12),
    ))
    width = len(header)
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.lists(cells, min_size=max(width - 1, 0), max_size=width + 1))
        rows.append(",".join(row))
    comments = draw(st.lists(st.sampled_from(["# a comment", "#", "   ", "", "# \x1b[2J"]), max_size=2))
    sep = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return sep.join([*comments, ",".join(header), *rows]).encode("utf-8", "surrogatepass")


@st.composite
def sample_mutations(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(SAMPLE_BYTES)))
    for _ in range(draw(st.integers(1, 5))):
        n = len(raw)
        op = draw(st.sampled_from(["truncate", "flip", "set", "insert", "delete", "duplicate", "cell"]))
        at = draw(st.integers(0, max(n - 1, 0)))
        if op == "truncate":
            del raw[at:]
        elif op == "flip" and n:
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and n:
            raw[at] = draw(st.sampled_from(b',"\n\r#\x00\x1b\xff-.e'))
        elif op == "insert":
            raw[at:at] = draw(st.binary(max_size=12))
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 30))]
        elif op == "duplicate":
            raw[at:at] = raw[at : min(n, at + draw(st.integers(1, 300)))]
        elif op == "cell":
            raw[at:at] = draw(st.sampled_from(CELLS)).encode("utf-8")[:300]
    return bytes(raw)


LEVEL = st.one_of(st.sampled_from([io.MIN_LEVEL, io.MAX_VIX, 38.57]), st.floats(io.MIN_LEVEL, io.MAX_VIX))


@st.composite
def legal_snapshots(draw) -> MarketSnapshot:
    as_of = draw(st.dates(date(1990, 1, 1), date(2250, 12, 31)))  # pandas dates end in 2262
    n = draw(st.integers(1, 12))
    offsets = sorted(draw(st.lists(st.integers(1, io.MAX_DAYS_AHEAD), min_size=n, max_size=n, unique=True)))
    vol = VolModel(
        draw(st.floats(*io.VOL_BOUNDS)), draw(st.floats(*io.VOL_BOUNDS)),
        draw(st.floats(io.MIN_DECAY_DAYS, io.MAX_DECAY_DAYS)), draw(st.floats(*io.SKEW_BOUNDS)),
    )
    # legal: what safe_text accepts (no control or invisible characters, Cf included)
    chars = st.characters(exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")).filter(lambda c: not unsafe_char(c))
    source = draw(st.one_of(st.just(""), st.text(chars, max_size=80)))
    return MarketSnapshot(as_of, draw(LEVEL), draw(st.floats(-0.2, 0.5)),
                          tuple(Future(as_of + timedelta(days=d), draw(LEVEL)) for d in offsets), vol, source)


# -- properties -------------------------------------------------------------------


@settings(max_examples=examples(100, 3000))
@file_edge_cases(SAMPLE_BYTES[0])
@given(sample_mutations())
def test_mutated_samples(raw):
    load_bytes(raw)


@settings(max_examples=examples(100, 3000))
@given(structured_csv())
def test_structured_hostile_csv(raw):
    load_bytes(raw)


@settings(max_examples=examples(40, 1000))
@given(st.binary(max_size=500))
def test_random_bytes(raw):
    load_bytes(raw)


@settings(max_examples=examples(60, 2000))
@given(legal_snapshots())
def test_legal_snapshots_round_trip_and_fit_in_a_plan(snapshot):
    path = WORK / "legal.csv"
    save_snapshot_csv(snapshot, path, comments=["generated"])
    loaded = holds_contract(path)
    assert loaded is not None
    expected_source = " ".join(snapshot.source.split())
    assert loaded == replace(snapshot, source=expected_source)


BIG = {
    "20 MB file": ("as_of,vix_spot,rate,expiry,settle\n" + "2024-08-05,38.57,0.051,2024-08-21,32.0\n" * 500_000),
    "a 200k-character cell": "as_of,vix_spot,rate,expiry,settle,source\n2024-08-05,38.57,0.051,2024-08-21,32.0," + "s" * 200_000 + "\n",
    "5000 rows": "as_of,vix_spot,rate,expiry,settle\n" + "".join(
        f"2024-08-05,38.57,0.051,{date(2024, 8, 6) + timedelta(days=i)},20\n" for i in range(5000)),
    "a 300k-character header": ",".join(["as_of", "vix_spot", "rate", "expiry", "settle"] + ["x"] * 100_000) + "\n",
    "1e6 blank lines": "\n" * 1_000_000 + "as_of,vix_spot,rate,expiry,settle\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BIG))
def test_big_files(name):
    started = time.perf_counter()
    load_bytes(BIG[name].encode())
    assert time.perf_counter() - started < 2 * PARSE_LIMIT_S


def test_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with time_limit(PARSE_LIMIT_S), pytest.raises(MarketDataError, match="not a regular file"):
        load_snapshot_csv(fifo)
    with time_limit(PARSE_LIMIT_S), pytest.raises(MarketDataError, match="not a regular file"):
        load_snapshot_csv("/dev/zero")
    with pytest.raises(MarketDataError, match="director"):
        load_snapshot_csv(tmp_path)


# -- the corpus of cases that once failed ---------------------------------------------

CORPUS_CSV = sorted((CORPUS / "csv").glob("*.csv"))


@pytest.mark.parametrize("path", CORPUS_CSV, ids=lambda p: p.name)
def test_corpus(path):
    snapshot = holds_contract(path)
    if path.name.endswith(".ok.csv"):
        assert snapshot is not None
    elif path.name.endswith(".refused.csv"):
        assert snapshot is None
