"""Shared pieces of the fuzz suites: hypothesis profiles, a hang guard, and the walk that
checks every number of a valuation is finite.

Profiles (select with ``HYPOTHESIS_PROFILE``):

* ``ci`` (default): sized so that every fuzz file together runs in well under two minutes
  on two cores;
* ``deep``: many more cases per property, for long local runs
  (``HYPOTHESIS_PROFILE=deep python -m pytest tests/test_fuzz_*.py tests/test_numeric_guards.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import signal
import threading
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, example, settings

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).resolve().parent / "corpus"
DEFAULT_PLAN = REPO_ROOT / "sample_data" / "default_plan.toml"

# Seconds one parse/load/valuation may take before it counts as a hang. Generous for a
# slow CI machine: the real figure is milliseconds (a 1 MB file takes well under one second).
PARSE_LIMIT_S = 5.0
# A `check` subprocess starts Python, numpy and scipy before it reads the file.
CLI_LIMIT_S = 30.0

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=3000,  # ms, per example; hangs are also caught by time_limit below
    suppress_health_check=_SUPPRESS,
    print_blob=True,
)
settings.register_profile(
    "deep",
    max_examples=3000,
    deadline=10000,
    suppress_health_check=_SUPPRESS,
    print_blob=True,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def file_edge_cases(sample: bytes):
    """Decorator (above ``@given``): the byte-level cases every file reader meets, always run:
    half the file, a byte-order mark (a Windows editor), CRLF and CR line ends, an empty file."""
    cases = (sample[: len(sample) // 2], b"\xef\xbb\xbf" + sample, sample.replace(b"\n", b"\r\n"), sample.replace(b"\n", b"\r"), b"")

    def apply(test):
        for case in reversed(cases):
            test = example(case)(test)
        return test

    return apply


def examples(ci: int, deep: int) -> int:
    """max_examples for one property, by profile (a few properties are costlier)."""
    return deep if PROFILE == "deep" else ci


class Hang(AssertionError):
    """An operation ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float, what: str = "operation"):
    """Fail (instead of hanging forever) when the block runs longer than ``seconds``."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum, frame):
        raise Hang(f"{what} took longer than {seconds:g} s (a hang?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def non_finite(obj, path: str = "valuation", _seen=None) -> list[str]:
    """Every path in ``obj`` (dataclasses, tuples, dicts, numpy arrays) holding NaN or inf."""
    bad: list[str] = []
    if obj is None or isinstance(obj, (str, bool, date, datetime, time)):
        return bad
    if isinstance(obj, (int, np.integer)):
        return bad
    if isinstance(obj, (float, np.floating)):
        if not math.isfinite(float(obj)):
            bad.append(f"{path} = {obj}")
        return bad
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fc":
            flat = obj.reshape(-1)
            where = np.flatnonzero(~np.isfinite(flat))
            if where.size:
                bad.append(f"{path}[{int(where[0])}] = {flat[where[0]]} ({where.size} of {flat.size} not finite)")
        elif obj.dtype.kind == "O":
            for i, item in enumerate(obj.reshape(-1)):
                bad += non_finite(item, f"{path}[{i}]")
        return bad
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            bad += non_finite(getattr(obj, f.name), f"{path}.{f.name}")
        return bad
    if isinstance(obj, dict):
        for key, value in obj.items():
            bad += non_finite(value, f"{path}.{key}")
        return bad
    if isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            bad += non_finite(item, f"{path}[{i}]")
        return bad
    return bad


def integer_overflow(obj, path: str = "valuation") -> list[str]:
    """int64 wrap-around shows up as negative contract counts."""
    bad = []
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            bad += integer_overflow(getattr(obj, f.name), f"{path}.{f.name}")
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            bad += integer_overflow(item, f"{path}[{i}]")
    elif path.endswith("contracts") and isinstance(obj, (int, np.integer)) and obj < 0:
        bad.append(f"{path} = {obj}")
    return bad


def terminal_hazard(ch: str) -> bool:
    """C0/C1 controls and DEL, lone surrogates, line/paragraph separators, bidi overrides."""
    import unicodedata

    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or 0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069


def assert_plan_error_is_clear(error, source: str) -> None:
    """A PlanError that a user can read: messages that name the file, short, printable."""
    messages = error.messages
    assert messages, "a PlanError with no message"
    assert len(messages) <= 21, f"{len(messages)} messages: the list should be capped"
    for m in messages:
        assert m.startswith(source), f"message does not name the file: {m!r}"
        assert "Traceback" not in m
        assert len(m) < 1200, f"a {len(m)}-character message"
        assert not any(terminal_hazard(c) for c in m), f"control characters reach the terminal in {m!r}"


def warm_up() -> None:
    """Import what a valuation imports lazily, so the first example is not slow."""
    from tui.core.plan_io import load_plan
    from tui.core.valuation import value_plan

    plan = load_plan(DEFAULT_PLAN)
    value_plan(plan)
    from scipy.optimize import brentq  # noqa: F401  (coverage sizing)
