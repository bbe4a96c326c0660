"""Hostile plan files, property-based: whatever the bytes, ``load_plan``/``parse_plan`` and
``alvh-tui check`` return a valid plan or a clear PlanError (exit 2) in bounded time, never
another exception, a traceback or a hang; and every plan that loads is valued with finite
figures and saves back losslessly.

Inputs: random TOML documents, the default plan with values swapped for every TOML type
on every key, huge and tiny numbers, NaN/inf, unicode and control characters, deep
nesting, very long strings, multi-megabyte files, truncations and byte flips. Cases that
once failed are kept in ``tests/corpus/plans`` and replayed by ``test_corpus``.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
import tempfile
import time
import tomllib
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

import pytest
import tomli_w
from hypothesis import example, given, settings
from hypothesis import strategies as st

from _fuzz import (
    CLI_LIMIT_S,
    CORPUS,
    DEFAULT_PLAN,
    PARSE_LIMIT_S,
    REPO_ROOT,
    assert_plan_error_is_clear,
    examples,
    integer_overflow,
    non_finite,
    time_limit,
    warm_up,
)
from tui.core.plan_io import PlanError, dumps_plan, load_plan, parse_plan
from tui.core.valuation import value_plan

warm_up()

DEFAULT_BYTES = DEFAULT_PLAN.read_bytes()
DEFAULT_TEXT = DEFAULT_BYTES.decode()
DEFAULT_DICT = tomllib.loads(DEFAULT_TEXT)
WORK = Path(tempfile.mkdtemp(prefix="alvh-fuzz-"))
SOURCE = "fuzz.toml"

# -- the contract ---------------------------------------------------------------


def _valued_finitely(plan) -> None:
    with time_limit(PARSE_LIMIT_S, "value_plan"):
        valuation = value_plan(plan)
    bad = non_finite(valuation) + integer_overflow(valuation)
    assert not bad, f"value_plan gave non-finite figures for a plan that loads: {bad[:5]}"
    from tui.core.price_json import valuation_to_json

    json.dumps(valuation_to_json(valuation), allow_nan=False)


def holds_contract(load, source: str, *, value: bool = True):
    """Run ``load``; it must give a plan (valued finitely, saved losslessly) or a clear PlanError."""
    started = time.perf_counter()
    try:
        with time_limit(PARSE_LIMIT_S, "loading the plan"):
            plan = load()
    except PlanError as error:
        assert_plan_error_is_clear(error, source)
        plan = None
    elapsed = time.perf_counter() - started
    assert elapsed < PARSE_LIMIT_S, f"loading took {elapsed:.2f} s"
    if plan is not None:
        text = dumps_plan(plan)
        assert parse_plan(text, source) == plan, "save -> load is not lossless"
        if value:
            _valued_finitely(plan)
    return plan


def parses(text: str, *, value: bool = True):
    return holds_contract(lambda: parse_plan(text, SOURCE), SOURCE, value=value)


def loads_file(raw: bytes, *, value: bool = True):
    path = WORK / "fuzz.toml"
    path.write_bytes(raw)
    return holds_contract(lambda: load_plan(path), str(path), value=value)


# -- strategies ---------------------------------------------------------------------

SPECIAL_INTS = [0, 1, -1, 10, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**30, 10**400, -(10**400)]
SPECIAL_FLOATS = [0.0, -0.0, 1e308, -1e308, 5e-324, -5e-324, 2.2250738585072014e-308, 1e-300, math.nan, math.inf, -math.inf,
                  1e15, 1e-9, 0.5, 0.99999, 1.0, 150.0, 500.0, 1e7, 1e12 + 1]
SPECIAL_STRINGS = ["", " ", "\t", "\x1b[2J\x1b[H", "\x9b31m", "\u202eevil", "\x00", "\n", "\r\n", "\x7f", "\ud800",
                   "M1", "M0", "M99", "m2", "ATM", "atm", "+10%", "-100%", "+1e999%", "-99.99%", "+100000%", "nan", "inf",
                   "-inf", "1e308", "5e-324", "-0.0", "1_000", "0x10", "2024-02-30", "0001-01-01", "9999-12-31",
                   "2024-08-21", "near", "tail", "budget", "contracts", "coverage", "VaR-sized loss",
                   "a" * 10_000, "ünïcødé ✓ 🚀", "\u200d", "\ufeff"]
SPECIAL_DATES = [date.min, date.max, date(1989, 12, 31), date(1990, 1, 1), date(2024, 8, 5), date(2024, 8, 6),
                 date(2024, 8, 21), date(2034, 8, 3), date(2999, 12, 31), date(3000, 1, 1)]

ints = st.one_of(st.sampled_from(SPECIAL_INTS), st.integers(), st.integers(-5, 5000))
floats = st.one_of(st.sampled_from(SPECIAL_FLOATS), st.floats())
any_char = st.characters(exclude_categories=())  # surrogates included
strings = st.one_of(st.sampled_from(SPECIAL_STRINGS), st.text(any_char, max_size=60))
dates = st.one_of(st.sampled_from(SPECIAL_DATES), st.dates())
datetimes = st.datetimes(timezones=st.sampled_from([None, timezone.utc, timezone(timedelta(hours=-14))]))
times = st.times()
scalars = st.one_of(st.booleans(), ints, floats, strings, dates, datetimes, times)
keys = st.one_of(st.sampled_from(["schema", "name", "market", "layers", "strike", "expiry", "weight", "futures",
                                  "settle", "vol", "x", "", " ", "a.b", "\x1b"]), st.text(any_char, max_size=12))
toml_values = st.recursive(
    scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(keys, kids, max_size=4)),
    max_leaves=10,
)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            yield from _paths(value, prefix + (i,))


ALL_PATHS = [p for p in _paths(DEFAULT_DICT) if p]


def _parent(doc, path):
    node = doc
    for step in path[:-1]:
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        else:
            return None
    return node


@st.composite
def mutated_docs(draw):
    """The default plan as a dict, with 1-4 values replaced, deleted, added or repeated."""
    doc = copy.deepcopy(DEFAULT_DICT)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = _parent(doc, path)
        last = path[-1]
        present = (isinstance(parent, list) and isinstance(last, int) and last < len(parent)) or (
            isinstance(parent, dict) and last in parent)
        if not present:
            continue
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add-key", "repeat"]))
        if action == "replace":
            parent[last] = draw(toml_values)
        elif action == "delete":
            del parent[last]
        elif action == "add-key" and isinstance(parent, dict):
            parent[draw(keys)] = draw(toml_values)
        elif action == "repeat" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
    return doc


def _dumps(doc) -> str | None:
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):  # tomli-w refuses a few shapes (e.g. an empty key path)
        return None


@st.composite
def byte_mutations(draw, base: bytes = DEFAULT_BYTES):
    raw = bytearray(base)
    for _ in range(draw(st.integers(1, 5))):
        n = len(raw)
        op = draw(st.sampled_from(["truncate", "flip", "flip", "insert", "delete", "duplicate", "set"]))
        at = draw(st.integers(0, max(n - 1, 0)))
        if op == "truncate":
            del raw[at:]
        elif op == "flip" and n:
            raw[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and n:
            raw[at] = draw(st.sampled_from([0, 0x1B, 0x22, 0x27, 0x5B, 0x5D, 0x3D, 0x0A, 0x0D, 0x23, 0x80, 0xC3, 0xFF]))
        elif op == "insert":
            raw[at:at] = draw(st.binary(max_size=16))
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 40))]
        elif op == "duplicate":
            end = min(n, at + draw(st.integers(1, 200)))
            raw[at:at] = raw[at:end]
    return bytes(raw)


LINES = DEFAULT_TEXT.splitlines()
LITERALS = ["nan", "inf", "-inf", "+inf", "1e308", "-1e308", "5e-324", "-0.0", "0", "-1", "9223372036854775807",
            "9223372036854775808", "0x7fffffffffffffff", "0o777", "0b1", "1_000_000", "true", '""', '"ATM"', '"M9"',
            '"\\u001b[2J"', '"\\u0000"', "[]", "[[[[]]]]", "{}", "{ a = 1 }", "2024-02-29", "1979-05-27T07:32:00Z",
            "07:32:00", "2024-08-05T00:00:00", "'''x'''", '"""\n[\n"""', "1e400", "[1, 'a', 2024-01-01]"]


@st.composite
def line_shuffles(draw):
    """Lines of the default plan dropped, repeated, reordered, or with their value replaced."""
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(lines) - 1)) if lines else 0
        op = draw(st.sampled_from(["drop", "repeat", "move", "value", "value"]))
        if not lines:
            break
        if op == "drop":
            del lines[i]
        elif op == "repeat":
            lines.insert(i, lines[i])
        elif op == "move":
            lines.insert(draw(st.integers(0, len(lines))), lines.pop(i))
        elif op == "value" and "=" in lines[i] and not lines[i].lstrip().startswith("{"):
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(st.sampled_from(LITERALS))}"
    return "\n".join(lines) + "\n"


# -- properties -------------------------------------------------------------------


@settings(max_examples=examples(150, 5000))
@given(mutated_docs())
def test_mutated_documents(doc):
    text = _dumps(doc)
    if text is not None:
        parses(text)


@settings(max_examples=examples(100, 3000))
@given(byte_mutations())
@example(DEFAULT_BYTES[: len(DEFAULT_BYTES) // 2])
@example(b"\xef\xbb\xbf" + DEFAULT_BYTES)  # a byte-order mark from a Windows editor
@example(DEFAULT_BYTES.replace(b"\n", b"\r\n"))
@example(DEFAULT_BYTES.replace(b"\n", b"\r"))
@example(b"")
def test_byte_mutations_of_the_default_plan(raw):
    loads_file(raw)


@settings(max_examples=examples(100, 3000))
@given(line_shuffles())
def test_line_shuffles(text):
    parses(text)


@settings(max_examples=examples(60, 2000))
@given(st.dictionaries(keys, toml_values, max_size=6))
def test_random_toml_documents(doc):
    text = _dumps(doc)
    if text is not None:
        plan = parses(text)
        assert plan is None or "schema" in doc


@settings(max_examples=examples(60, 2000))
@given(st.text(any_char, max_size=300))
def test_random_text(text):
    parses(text)


@settings(max_examples=examples(40, 1000))
@given(st.binary(max_size=400))
def test_random_bytes(raw):
    loads_file(raw)


# -- every key, every type ---------------------------------------------------------

SWAPS = [True, 0, -1, 2**63, 10**400, 1e308, 5e-324, -0.0, math.nan, math.inf, "", "\x1b[2J", "a" * 5000,
         date(2024, 8, 6), date.max, datetime(2024, 8, 6, 12, tzinfo=timezone.utc), dtime(7, 32), [], [1, "a"], {},
         {"a": {"b": [1]}}]


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_every_key_with_every_type(path):
    for value in SWAPS:
        doc = copy.deepcopy(DEFAULT_DICT)
        _parent(doc, path)[path[-1]] = value
        text = _dumps(doc)
        if text is not None:
            parses(text)


# -- big, deep and long --------------------------------------------------------------


def _deep(n: int) -> str:
    return DEFAULT_TEXT.replace('name = "near"', "x = " + "[" * n + "]" * n + '\nname = "near"', 1)


BIG_CASES = {
    "5MB of comment": DEFAULT_TEXT + "#" + "x" * 5_000_000 + "\n",
    "900KB of comment": DEFAULT_TEXT + "#" + "x" * 900_000 + "\n",
    "900KB name": DEFAULT_TEXT.replace('name = "Bridge', 'name = "' + "n" * 900_000 + "Bridge", 1),
    "nested arrays 100k deep": _deep(100_000),
    "nested arrays 900 deep": _deep(900),
    "nested inline tables 5k deep": DEFAULT_TEXT + "x = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n",
    "header-like line of 200k spaces in a string": DEFAULT_TEXT.replace(
        "[market]", 'x = """\n[' + " " * 200_000 + '\n"""\n[market]', 1),
    "key-like line of 200k chars in a string": DEFAULT_TEXT.replace(
        "[market]", 'x = """\n' + "k" * 200_000 + '\n"""\n[market]', 1),
    "100k unknown keys": DEFAULT_TEXT.replace("[market]", "".join(f"k{i} = 1\n" for i in range(100_000)) + "[market]", 1),
    "60k layers": DEFAULT_TEXT + "[[layers]]\n" * 60_000,
    "10k futures": DEFAULT_TEXT.replace(
        "futures = [", "futures = [" + "".join(f"{{ expiry = {date(2024, 8, 6) + timedelta(days=i)}, settle = 20 }}," for i in range(10_000)), 1),
    "integer of 5000 digits": DEFAULT_TEXT.replace("vix_spot = 38.57", "vix_spot = " + "9" * 5000, 1),
    "hex integer of 20k bits": DEFAULT_TEXT.replace("vix_spot = 38.57", "vix_spot = 0x" + "f" * 5000, 1),
    "hex integer strike": DEFAULT_TEXT.replace('strike = "ATM"', "strike = 0x" + "f" * 5000, 1),
    "strike percent of 10k digits": DEFAULT_TEXT.replace('strike = "ATM"', 'strike = "+' + "9" * 10_000 + '%"', 1),
    "as_of 0001-01-01": DEFAULT_TEXT.replace("as_of = 2024-08-05", "as_of = 0001-01-01", 1),
    "expiry 9999-12-31": DEFAULT_TEXT.replace('expiry = "M6"', "expiry = 9999-12-31", 1),
}


@pytest.mark.parametrize("name", list(BIG_CASES))
def test_big_deep_and_long(name):
    text = BIG_CASES[name]
    started = time.perf_counter()
    plan = parses(text)
    loads_file(text.encode("utf-8", "surrogatepass"))
    assert time.perf_counter() - started < 2 * PARSE_LIMIT_S
    assert plan is None or name == "900KB of comment"


def test_huge_file_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "big.toml"
    with open(path, "wb") as fh:
        fh.write(DEFAULT_BYTES)
        fh.truncate(200 * 1024 * 1024)  # sparse: 200 MB
    with time_limit(PARSE_LIMIT_S), pytest.raises(PlanError, match="at most"):
        load_plan(path)


def test_not_a_regular_file(tmp_path):
    import os

    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)  # reading a FIFO with no writer would block forever
    with time_limit(PARSE_LIMIT_S), pytest.raises(PlanError, match="not a regular file"):
        load_plan(fifo)
    with pytest.raises(PlanError, match="not a regular file"):
        load_plan("/dev/zero")
    with pytest.raises(PlanError, match="file name"):
        load_plan(str(tmp_path / "nul\x00.toml"))


# -- alvh-tui check, in a subprocess -----------------------------------------------------


def run_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", "check", str(path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=CLI_LIMIT_S, errors="replace",
    )


def assert_check_contract(path: Path) -> int:
    started = time.perf_counter()
    done = run_check(path)
    elapsed = time.perf_counter() - started
    assert elapsed < CLI_LIMIT_S
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr[-2000:]
    assert done.returncode in (0, 2), f"exit {done.returncode}: {done.stderr[-2000:]}"
    try:
        load_plan(path)
        loadable = True
    except PlanError:
        loadable = False
    if done.returncode == 0:
        assert loadable and done.stdout.startswith(f"{path}: ok")
    else:
        lines = done.stderr.splitlines()
        assert not loadable and lines and all(line.startswith(str(path)) for line in lines), done.stderr[-2000:]
    return done.returncode


@settings(max_examples=examples(12, 150), deadline=None)
@given(st.one_of(byte_mutations(), mutated_docs().map(_dumps).filter(bool).map(lambda t: t.encode("utf-8", "surrogatepass")),
                 line_shuffles().map(str.encode)))
def test_check_command(raw):
    path = WORK / "check.toml"
    path.write_bytes(raw)
    assert_check_contract(path)


# -- the corpus of cases that once failed ---------------------------------------------

CORPUS_PLANS = sorted((CORPUS / "plans").glob("*.toml"))


@pytest.mark.parametrize("path", CORPUS_PLANS, ids=lambda p: p.name)
def test_corpus(path):
    """``*.ok.toml`` must load and value finitely; ``*.refused.toml`` must be a clear PlanError."""
    plan = holds_contract(lambda: load_plan(path), str(path))
    if path.name.endswith(".ok.toml"):
        assert plan is not None
    elif path.name.endswith(".refused.toml"):
        assert plan is None
    assert assert_check_contract(path) == (0 if plan is not None else 2)
