"""Plan files (TOML, schema 1): read with tomllib, written with tomli-w, atomically.

A file that cannot be used raises :class:`PlanError` carrying one message per problem,
each naming the file, the key, the line where it can be found and what was expected.
Nothing is ever half-loaded: either every check passes and a :class:`Plan` comes back,
or nothing does.

Hostile input (files mangled in mail, fuzzed, or simply not plans) gets the same
treatment: whatever the bytes, reading returns a valid plan or raises ``PlanError`` in
bounded time. Numbers are held to the bounds below (generous for real markets, tight
enough that every figure of a valuation stays finite), and text that would reach a
terminal may not carry control characters.

Saving (:func:`save_plan`) is atomic and durable, keeps the previous version as a backup
beside the file (``PLAN.toml~``), refuses to overwrite a file changed on disk since it was
opened (:class:`FileStamp`, :class:`FileChangedError`) and turns every OS failure into a
:class:`SaveError` that names the file and the cause.
"""

from __future__ import annotations

import difflib
import errno as _errno
import hashlib
import math
import os
import re
import secrets
import stat
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from .curve import Future, MarketSnapshot
from .plan import (
    SCHEMA_VERSION,
    SIZING_MODES,
    Exposure,
    LEG_SIDES,
    Layer,
    Leg,
    Plan,
    Sizing,
    parse_month,
    parse_strike,
    weights_sum,
)
from .volmodel import VolModel

WEIGHT_TOLERANCE = 1e-6

# -- limits -----------------------------------------------------------------
# Generous for any real plan, tight enough that a loaded plan cannot drive a valuation
# to inf/NaN and that no input makes reading slow. ``market_csv`` uses the same ones, so
# a snapshot that loads from CSV always makes a plan that loads back.
MAX_PLAN_BYTES = 1_000_000  # a plan is a few KB; a megabyte is not a plan
MAX_PROBLEMS = 20  # messages listed before "... and N more"
MAX_LAYERS = 50
MAX_FUTURES = 200
MAX_NAME_CHARS = 100  # plan and layer names, stress scenario
MAX_SOURCE_CHARS = 2000
MIN_LEVEL = 0.01  # spot, settlement and strike levels: a cent (the VIX never closed below 9)
MAX_VIX = 1000.0  # spot and settlement levels (the VIX closed at 82.7 in 2020)
MAX_STRIKE = 10_000.0
MAX_PCT_STRIKE = 10.0  # "+1000%"
VOL_BOUNDS = (0.01, 20.0)  # ATM implied vol (1 % .. 2000 %)
MIN_DECAY_DAYS = 0.01
MAX_DECAY_DAYS = 36_500.0
SKEW_BOUNDS = (-5.0, 5.0)
RATE_BOUNDS = (-0.5, 1.0)
NOTIONAL_BOUNDS = (1.0, 1e15)
MAX_PREMIUM_USD = 1e9  # above any VIX options market; keeps budget / 1e-9 (the cheapest priced option) inside int64
MAX_CONTRACTS = 10_000_000
MIN_EXPOSURE_VOL = 1e-4
MIN_ABS_BETA = 1e-6  # a beta is 0 or at least this in size: 5e-324 is a typo, not a beta
MAX_DAYS_AHEAD = 3650  # futures and layer expiries within ten years of as_of
AS_OF_RANGE = (date(1990, 1, 1), date(2999, 12, 31))


@dataclass(frozen=True)
class Problem:
    key: str  # dotted path, e.g. "layers[2].strike"
    message: str  # what was expected / what is wrong
    line: int | None = None

    def render(self, source: str) -> str:
        source = _clean(source, 200)
        where = f"{source}:{self.line}" if self.line else source
        key = _clean(self.key, 100)
        message = _clean(self.message, 400)
        return f"{where}: {key}: {message}" if key else f"{where}: {message}"


class PlanError(ValueError):
    """A plan file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))

    @property
    def messages(self) -> list[str]:
        return [p.render(self.source) for p in self.problems]


# -- text that reaches a terminal -------------------------------------------

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _unsafe_char(ch: str) -> bool:
    """Control characters (C0, DEL, C1), lone surrogates, line/paragraph separators and
    bidi overrides: they move a terminal's cursor, hide text or cannot be written as UTF-8."""
    return unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI_CONTROLS


def _clean(text: str, limit: int) -> str:
    """``text`` made safe to print: unsafe characters escaped, cut to ``limit`` characters."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if not any(_unsafe_char(c) for c in text):
        return text
    return "".join(f"\\u{ord(c):04x}" if _unsafe_char(c) else c for c in text)


def printable(text: str, limit: int = 200) -> str:
    """``text`` safe to show in a terminal: control characters escaped, at most ``limit`` long."""
    return _clean(text, limit)


def text_problem(value: str, limit: int) -> str | None:
    """Why ``value`` may not be a name or source shown in a terminal (None when it may)."""
    return _text_problem(value, limit)


def _text_problem(value: str, limit: int) -> str | None:
    """Why ``value`` may not be a name shown in a terminal, or None when it may."""
    for i, ch in enumerate(value):
        if _unsafe_char(ch):
            return f"must not contain control characters (found U+{ord(ch):04X} at position {i + 1})"
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are allowed"
    return None


# -- locating a key's line in the text --------------------------------------

# Linear-time patterns: no two adjacent parts can match the same characters, so a long
# hostile line cannot make them backtrack (the old header pattern was cubic).
_HEADER_RE = re.compile(r"[ \t]*(\[\[?)([A-Za-z0-9_.\-\"' \t]+)\]")
_KEY_RE = re.compile(r"[ \t]*([A-Za-z0-9_\-]+)[ \t]*=")


class _LineFinder:
    """Finds the line of a key path (best effort; only used to point the user at it)."""

    def __init__(self, text: str):
        self.entries: dict[str, int] = {}  # dotted path -> first line number
        table = ""
        counters: dict[str, int] = {}
        # TOML lines end in LF (or CRLF); str.splitlines would also split on \x0c, \x1c...
        for number, raw in enumerate(text.split("\n"), start=1):
            header = _HEADER_RE.match(raw)
            if header:
                name = "".join(header.group(2).split())
                if header.group(1) == "[[":
                    index = counters.get(name, 0)
                    counters[name] = index + 1
                    table = f"{name}[{index}]"
                else:
                    table = name
                self.entries.setdefault(table, number)
                continue
            key = _KEY_RE.match(raw)
            if key:
                path = f"{table}.{key.group(1)}" if table else key.group(1)
                self.entries.setdefault(path, number)

    def line(self, path: str) -> int | None:
        # Exact key first, then its nearest enclosing table.
        candidate = path
        while candidate:
            number = self.entries.get(candidate)
            if number is not None:
                return number
            cut = max(candidate.rfind("."), candidate.rfind("["))
            candidate = candidate[:cut] if cut > 0 else ""
        return None


# -- reading ----------------------------------------------------------------

_TOP_KEYS = ("schema", "name", "market", "exposure", "sizing", "layers")
_MARKET_KEYS = ("as_of", "vix_spot", "rate", "futures", "vol", "source")
_VOL_KEYS = ("atm_front", "atm_long", "decay_days", "skew")
_FUTURE_KEYS = ("expiry", "settle")
_EXPOSURE_KEYS = (
    "notional_usd",
    "beta_spx",
    "vol_annual",
    "var_confidence",
    "var_horizon_days",
    "coverage_target",
    "spx_vix_elasticity",
    "btc_beta",
    "funding_rate",
)
_SIZING_KEYS = ("mode", "premium_usd", "stress_scenario")
_LAYER_KEYS = ("name", "weight", "expiry", "strike", "contracts", "roll_at_dte", "roll_to", "legs")
_LEG_KEYS = ("side", "strike", "ratio", "expiry")
MAX_LEGS = 4  # per layer
MAX_LEG_RATIO = 10.0


class _Reader:
    def __init__(self, source: str, text: str):
        self.source = source
        self.lines = _LineFinder(text)
        self.problems: list[Problem] = []
        self.dropped = 0  # problems beyond MAX_PROBLEMS, counted but not listed

    def fail(self, key: str, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        self.problems.append(Problem(key, message, self.lines.line(key)))

    def all_problems(self) -> list[Problem]:
        if not self.dropped:
            return self.problems
        more = "problem" if self.dropped == 1 else "problems"
        return self.problems + [Problem("", f"... and {self.dropped} more {more}")]

    def unknown_keys(self, table: dict, allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                if len(self.problems) >= MAX_PROBLEMS:
                    self.dropped += 1
                    continue
                close = difflib.get_close_matches(key[:100], allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                where = f"{prefix}.{key}" if prefix else key
                self.fail(where, f"unknown key{hint}; expected one of {', '.join(allowed)}")

    def table(self, parent: dict, key: str, path: str, required: bool = True) -> dict | None:
        if key not in parent:
            if required:
                self.fail(path, "missing table")
            return None
        value = parent[key]
        if not isinstance(value, dict):
            self.fail(path, f"expected a table, got {_kind(value)}")
            return None
        return value

    def number(
        self,
        table: dict,
        key: str,
        path: str,
        *,
        required: bool = True,
        default: float | None = None,
        positive: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
    ) -> float | None:
        if key not in table:
            if required:
                self.fail(path, "missing; expected a number")
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"expected a number, got {_kind(value)}")
            return default
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(path, f"expected a finite number, got {value}")
            return default
        if isinstance(value, int) and value.bit_length() > 1000:  # beyond any float
            self.fail(path, f"expected a number of sensible size, got {_show_number(value)}")
            return default
        if integer and (isinstance(value, float) and not value.is_integer()):
            self.fail(path, f"expected a whole number, got {value}")
            return default
        if positive and value <= 0:
            self.fail(path, f"must be positive, got {_show_number(value)}")
            return default
        if minimum is not None and value < minimum:
            self.fail(path, f"must be at least {minimum:g}, got {_show_number(value)}")
            return default
        if maximum is not None and value > maximum:
            self.fail(path, f"must be at most {maximum:g}, got {_show_number(value)}")
            return default
        return int(value) if integer else float(value)

    def string(
        self, table: dict, key: str, path: str, *, required=True, default=None, limit: int = MAX_NAME_CHARS
    ) -> str | None:
        if key not in table:
            if required:
                self.fail(path, "missing; expected a string")
            return default
        value = table[key]
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_kind(value)}")
            return default
        problem = _text_problem(value, limit)
        if problem:
            self.fail(path, problem)
            return default
        return value

    def a_date(self, table: dict, key: str, path: str) -> date | None:
        if key not in table:
            self.fail(path, "missing; expected a date like 2026-11-20")
            return None
        value = table[key]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and len(value) < 40:
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(path, f"expected a date like 2026-11-20, got {_kind(value)}")
        return None


def _show_number(value: int | float) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
        sign = "-" if value < 0 else ""
        return f"{sign}2**{abs(value).bit_length() - 1} or more"  # str() of a huge int can raise
    return str(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({_show_number(value)})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, (date, datetime)):
        return f"a date ({value})"
    return f"a {type(value).__name__} ({value})"  # datetime.time


def _syntax_problem(error: tomllib.TOMLDecodeError) -> Problem:
    text = str(error)
    line = getattr(error, "lineno", None)
    if line is None:
        m = re.search(r"\(at line (\d+), column (\d+)\)", text)
        line = int(m.group(1)) if m else None
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", text).strip()
    return Problem("", f"not valid TOML: {message}", line)


def parse_plan(text: str, source: str = "<plan>") -> Plan:
    """Parse and validate plan TOML text; raise :class:`PlanError` listing every problem."""
    if len(text) > MAX_PLAN_BYTES:
        raise PlanError(
            source,
            [Problem("", f"is {len(text):,} characters long; a plan file is at most {MAX_PLAN_BYTES:,} (is this a plan?)")],
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(source, [_syntax_problem(error)]) from None
    except RecursionError:
        raise PlanError(source, [Problem("", "not valid for a plan: arrays or tables nested too deeply")]) from None
    except ValueError as error:  # e.g. an integer literal of more than 4300 digits
        raise PlanError(source, [Problem("", f"not valid TOML: {error}")]) from None
    reader = _Reader(source, text)
    plan = _read_plan(reader, data)
    if reader.problems or plan is None:
        raise PlanError(source, reader.all_problems() or [Problem("", "the plan could not be read")])
    return plan


def _read_plan_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a plan file and its stat, read once; ``PlanError`` for anything else.

    Only a regular file is read (a FIFO or a device would block or never end), and at
    most ``MAX_PLAN_BYTES`` + 1 bytes of it.
    """
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise PlanError(source, [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise PlanError(source, [Problem("", "is a directory, expected a plan file")]) from None
    except OSError as error:
        raise PlanError(source, [Problem("", f"cannot be read: {error.strerror or error}")]) from None
    except ValueError as error:  # an embedded NUL in the path
        raise PlanError(source, [Problem("", f"is not a usable file name ({error})")]) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise PlanError(source, [Problem("", "is a directory, expected a plan file")])
        if not stat.S_ISREG(st.st_mode):
            raise PlanError(source, [Problem("", "is not a regular file (a pipe or a device?), expected a plan file")])
        if st.st_size > MAX_PLAN_BYTES:
            raise PlanError(
                source, [Problem("", f"is {st.st_size:,} bytes; a plan file is at most {MAX_PLAN_BYTES:,} (is this a plan?)")]
            )
        chunks = []
        remaining = MAX_PLAN_BYTES + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        raw = b"".join(chunks)
    except OSError as error:
        raise PlanError(source, [Problem("", f"cannot be read: {error.strerror or error}")]) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(source, [Problem("", f"is more than {MAX_PLAN_BYTES:,} bytes; a plan file is a few KB (is this a plan?)")])
    return raw, st


def _decode_plan(raw: bytes, source: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PlanError(source, [Problem("", "is not UTF-8 text (TOML files must be UTF-8)", line)]) from None
    # A byte-order mark (Windows editors, some mail clients) is not TOML; drop it.
    return text[1:] if text.startswith("\ufeff") else text


def load_plan(path: str | os.PathLike) -> Plan:
    """Read a plan file; every failure is a :class:`PlanError` naming the file."""
    path = Path(path)
    raw, _ = _read_plan_bytes(path)
    return parse_plan(_decode_plan(raw, str(path)), str(path))


def load_plan_stamped(path: str | os.PathLike) -> tuple[Plan, "FileStamp"]:
    """Read a plan and the :class:`FileStamp` of the very bytes it was read from.

    Pass the stamp to ``save_plan(..., expect=stamp)`` so that a file changed on disk
    since it was opened is never overwritten silently.
    """
    path = Path(path)
    raw, st = _read_plan_bytes(path)
    plan = parse_plan(_decode_plan(raw, str(path)), str(path))
    return plan, _stamp_of(raw, st)


def _read_plan(r: _Reader, data: dict) -> Plan | None:
    r.unknown_keys(data, _TOP_KEYS, "")
    schema = data.get("schema")
    if "schema" not in data:
        r.fail("schema", f"missing; expected schema = {SCHEMA_VERSION} at the top")
    elif isinstance(schema, bool) or not isinstance(schema, int):
        r.fail("schema", f"expected the integer {SCHEMA_VERSION}, got {_kind(schema)}")
    elif schema != SCHEMA_VERSION:
        r.fail("schema", f"unknown schema {_show_number(schema)}; this version of alvh-tui reads schema {SCHEMA_VERSION}")
        return None  # the rest of a newer schema may mean something else: don't guess
    name = r.string(data, "name", "name", required=False, default="Untitled plan", limit=MAX_NAME_CHARS)

    market = _read_market(r, data)
    exposure = _read_exposure(r, data)
    sizing = _read_sizing(r, data)
    layers = _read_layers(r, data, market, sizing)
    if r.problems:
        return None
    return Plan(name=name, market=market, exposure=exposure, sizing=sizing, layers=layers)


def _read_market(r: _Reader, data: dict) -> MarketSnapshot | None:
    m = r.table(data, "market", "market")
    if m is None:
        return None
    r.unknown_keys(m, _MARKET_KEYS, "market")
    as_of = r.a_date(m, "as_of", "market.as_of")
    if as_of is not None and not AS_OF_RANGE[0] <= as_of <= AS_OF_RANGE[1]:
        r.fail("market.as_of", f"expected a date between {AS_OF_RANGE[0]} and {AS_OF_RANGE[1]}, got {as_of}")
        as_of = None
    spot = r.number(m, "vix_spot", "market.vix_spot", positive=True, minimum=MIN_LEVEL, maximum=MAX_VIX)
    rate = r.number(m, "rate", "market.rate", minimum=RATE_BOUNDS[0], maximum=RATE_BOUNDS[1])
    source = r.string(m, "source", "market.source", required=False, default="", limit=MAX_SOURCE_CHARS)
    futures: list[Future] = []
    raw = m.get("futures")
    if raw is None:
        r.fail("market.futures", "missing; expected an array of { expiry = <date>, settle = <number> }")
    elif not isinstance(raw, list):
        r.fail("market.futures", f"expected an array of futures, got {_kind(raw)}")
    elif not raw:
        r.fail("market.futures", "the curve is empty; expected at least one { expiry, settle }")
    elif len(raw) > MAX_FUTURES:
        r.fail("market.futures", f"{len(raw)} futures; at most {MAX_FUTURES} are allowed")
    else:
        seen: dict[date, int] = {}
        for i, item in enumerate(raw):
            path = f"market.futures[{i}]"
            if not isinstance(item, dict):
                r.fail(path, f"expected {{ expiry = <date>, settle = <number> }}, got {_kind(item)}")
                continue
            r.unknown_keys(item, _FUTURE_KEYS, path)
            expiry = r.a_date(item, "expiry", f"{path}.expiry")
            settle = r.number(item, "settle", f"{path}.settle", positive=True, minimum=MIN_LEVEL, maximum=MAX_VIX)
            if expiry is None or settle is None:
                continue
            if expiry in seen:
                r.fail(f"{path}.expiry", f"duplicate expiry {expiry} (also market.futures[{seen[expiry]}])")
                continue
            if as_of is not None and (expiry - as_of).days > MAX_DAYS_AHEAD:
                r.fail(f"{path}.expiry", f"expires {expiry}, more than {MAX_DAYS_AHEAD} days after as_of {as_of}")
                continue
            seen[expiry] = i
            futures.append(Future(expiry, settle))
        if as_of is not None and futures and not any(f.expiry > as_of for f in futures):
            r.fail("market.futures", f"no future expires after as_of {as_of}; the curve has no live months")
    vol = VolModel()
    v = r.table(m, "vol", "market.vol", required=False)
    if v is not None:
        r.unknown_keys(v, _VOL_KEYS, "market.vol")
        d = VolModel()
        lo, hi = VOL_BOUNDS
        vol = VolModel(
            atm_front=r.number(v, "atm_front", "market.vol.atm_front", required=False, default=d.atm_front, positive=True, minimum=lo, maximum=hi),
            atm_long=r.number(v, "atm_long", "market.vol.atm_long", required=False, default=d.atm_long, positive=True, minimum=lo, maximum=hi),
            decay_days=r.number(v, "decay_days", "market.vol.decay_days", required=False, default=d.decay_days, positive=True, minimum=MIN_DECAY_DAYS, maximum=MAX_DECAY_DAYS),
            skew=r.number(v, "skew", "market.vol.skew", required=False, default=d.skew, minimum=SKEW_BOUNDS[0], maximum=SKEW_BOUNDS[1]),
        )
    if as_of is None or spot is None or rate is None or not futures:
        return None
    return MarketSnapshot(as_of=as_of, vix_spot=spot, rate=rate, futures=tuple(futures), vol=vol, source=source)


def _read_exposure(r: _Reader, data: dict) -> Exposure:
    d = Exposure()
    e = r.table(data, "exposure", "exposure", required=False)
    if e is None:
        return d
    r.unknown_keys(e, _EXPOSURE_KEYS, "exposure")
    beta = r.number(e, "beta_spx", "exposure.beta_spx", required=False, default=d.beta_spx, minimum=-20.0, maximum=20.0)
    if beta is not None and beta != 0.0 and abs(beta) < MIN_ABS_BETA:
        r.fail("exposure.beta_spx", f"{beta:g} is too small to be a beta; write 0 for an exposure that does not move with the S&P 500")
        beta = d.beta_spx
    return Exposure(
        notional_usd=r.number(e, "notional_usd", "exposure.notional_usd", default=d.notional_usd, positive=True, minimum=NOTIONAL_BOUNDS[0], maximum=NOTIONAL_BOUNDS[1]),
        beta_spx=beta,
        vol_annual=r.number(e, "vol_annual", "exposure.vol_annual", required=False, default=d.vol_annual, positive=True, minimum=MIN_EXPOSURE_VOL, maximum=20.0),
        var_confidence=r.number(e, "var_confidence", "exposure.var_confidence", required=False, default=d.var_confidence, minimum=0.5, maximum=0.99999),
        var_horizon_days=r.number(e, "var_horizon_days", "exposure.var_horizon_days", required=False, default=d.var_horizon_days, positive=True, integer=True, maximum=3650),
        coverage_target=r.number(e, "coverage_target", "exposure.coverage_target", required=False, default=d.coverage_target, positive=True, maximum=10.0),
        spx_vix_elasticity=r.number(e, "spx_vix_elasticity", "exposure.spx_vix_elasticity", required=False, default=d.spx_vix_elasticity, minimum=0.5, maximum=50.0),
        btc_beta=r.number(e, "btc_beta", "exposure.btc_beta", required=False, default=d.btc_beta, minimum=0.0, maximum=20.0),
        funding_rate=r.number(e, "funding_rate", "exposure.funding_rate", required=False, default=d.funding_rate, minimum=-0.2, maximum=1.0),
    )


def _read_sizing(r: _Reader, data: dict) -> Sizing:
    d = Sizing()
    s = r.table(data, "sizing", "sizing", required=False)
    if s is None:
        return d
    r.unknown_keys(s, _SIZING_KEYS, "sizing")
    mode = r.string(s, "mode", "sizing.mode", required=False, default=d.mode)
    if mode not in SIZING_MODES:
        r.fail("sizing.mode", f"expected one of {', '.join(repr(m) for m in SIZING_MODES)}, got {mode!r}")
        mode = d.mode
    premium = r.number(s, "premium_usd", "sizing.premium_usd", required=(mode == "budget"), default=None, positive=True, maximum=MAX_PREMIUM_USD)
    stress = r.string(s, "stress_scenario", "sizing.stress_scenario", required=False, default=None)
    return Sizing(mode=mode, premium_usd=premium, stress_scenario=stress)


def _read_layers(r: _Reader, data: dict, market: MarketSnapshot | None, sizing: Sizing) -> tuple[Layer, ...]:
    raw = data.get("layers")
    if raw is None:
        r.fail("layers", "missing; expected at least one [[layers]] table")
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        r.fail("layers", "expected [[layers]] tables")
        return ()
    if not raw:
        r.fail("layers", "expected at least one [[layers]] table")
        return ()
    if len(raw) > MAX_LAYERS:
        r.fail("layers", f"{len(raw)} layers; at most {MAX_LAYERS} are allowed")
        return ()
    layers: list[Layer] = []
    names: dict[str, int] = {}
    for i, item in enumerate(raw):
        path = f"layers[{i}]"
        r.unknown_keys(item, _LAYER_KEYS, path)
        name = r.string(item, "name", f"{path}.name", required=False, default=f"layer {i + 1}")
        if name is not None:
            if not name.strip():
                r.fail(f"{path}.name", "must not be empty")
            elif name in names:
                r.fail(f"{path}.name", f"duplicate layer name {name!r} (also layers[{names[name]}])")
            else:
                names[name] = i
        weight = r.number(item, "weight", f"{path}.weight", required=False, default=0.0, minimum=0.0, maximum=1.0)
        expiry = _read_expiry(r, item, f"{path}.expiry", market)
        strike = _read_strike(r, item, f"{path}.strike")
        contracts = r.number(
            item, "contracts", f"{path}.contracts", required=(sizing.mode == "contracts"), default=None,
            minimum=0, maximum=MAX_CONTRACTS, integer=True,
        )
        roll_at = r.number(item, "roll_at_dte", f"{path}.roll_at_dte", required=False, default=None, minimum=0, maximum=MAX_DAYS_AHEAD, integer=True)
        roll_to = r.string(item, "roll_to", f"{path}.roll_to", required=False, default=None)
        if roll_to is not None and parse_month(roll_to) is None:
            r.fail(f"{path}.roll_to", f"expected a listed month like \"M2\", got {roll_to!r}")
            roll_to = None
        legs = _read_legs(r, item, path, market)
        layers.append(Layer(name, weight, expiry, strike, contracts, roll_at, roll_to, legs))
    if sizing.mode in ("budget", "coverage") and layers:
        total = weights_sum(tuple(layers))
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            r.fail("layers", f"weights sum to {total:.6g}; in sizing mode {sizing.mode!r} they must sum to 1")
    return tuple(layers)


def _read_legs(r: _Reader, item: dict, path: str, market: MarketSnapshot | None) -> tuple[Leg, ...]:
    raw = item.get("legs")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        r.fail(f"{path}.legs", "expected [[layers.legs]] tables")
        return ()
    if len(raw) > MAX_LEGS:
        r.fail(f"{path}.legs", f"{len(raw)} legs; at most {MAX_LEGS} per layer")
        return ()
    legs: list[Leg] = []
    for j, leg in enumerate(raw):
        lp = f"{path}.legs[{j}]"
        r.unknown_keys(leg, _LEG_KEYS, lp)
        side = r.string(leg, "side", f"{lp}.side", required=False, default="short")
        if side not in LEG_SIDES:
            r.fail(f"{lp}.side", f"expected \"short\" or \"long\", got {side!r}")
            side = "short"
        if "strike" not in leg:
            r.fail(f"{lp}.strike", "missing; expected a number, \"ATM\" or \"+x%\"")
        strike = _read_strike(r, leg, f"{lp}.strike")
        ratio = r.number(leg, "ratio", f"{lp}.ratio", required=False, default=1.0, positive=True, maximum=MAX_LEG_RATIO)
        expiry = _read_expiry(r, leg, f"{lp}.expiry", market) if "expiry" in leg else None
        legs.append(Leg(side, strike, float(ratio), expiry))
    return tuple(legs)


def _check_layer_date(r: _Reader, path: str, value: date, market: MarketSnapshot | None) -> None:
    if market is None:
        return
    if value <= market.as_of:
        r.fail(path, f"expires {value}, on or before the market's as_of {market.as_of}")
    elif (value - market.as_of).days > MAX_DAYS_AHEAD:
        r.fail(path, f"expires {value}, more than {MAX_DAYS_AHEAD} days after the market's as_of {market.as_of}")


def _read_expiry(r: _Reader, item: dict, path: str, market: MarketSnapshot | None) -> str | date:
    if "expiry" not in item:
        r.fail(path, "missing; expected \"M<n>\" (a listed month) or a date")
        return "M1"
    value = item["expiry"]
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        _check_layer_date(r, path, value, market)
        return value
    if isinstance(value, str) and len(value) < 40:
        n = parse_month(value)
        if n is not None:
            if market is not None and n > len(market.live_futures):
                r.fail(path, f"{value} is not listed; the curve has {len(market.live_futures)} live months")
            return f"M{n}"
        try:
            as_date = date.fromisoformat(value.strip())
        except ValueError:
            r.fail(path, f"expected \"M<n>\" or a date, got {_kind(value)}")
            return "M1"
        _check_layer_date(r, path, as_date, market)
        return as_date
    r.fail(path, f"expected \"M<n>\" or a date, got {_kind(value)}")
    return "M1"


def _read_strike(r: _Reader, item: dict, path: str) -> float | str:
    if "strike" not in item:
        return "ATM"
    value = item["strike"]
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1000:
        r.fail(path, f"must be at most {MAX_STRIKE:g}, got {_show_number(value)}")
        return "ATM"
    if isinstance(value, str) and len(value) > 40:
        r.fail(path, f"expected a positive number, \"ATM\" or \"+x%\", got {_kind(value)}")
        return "ATM"
    try:
        kind, number = parse_strike(value)
    except (ValueError, AttributeError, OverflowError):
        r.fail(path, f"expected a positive number, \"ATM\" or \"+x%\", got {_kind(value)}")
        return "ATM"
    if kind == "abs":
        if not math.isfinite(number) or number <= 0:
            r.fail(path, f"must be a positive, finite strike, got {_show_value(value)}")
            return "ATM"
        if number < MIN_LEVEL:
            r.fail(path, f"must be at least {MIN_LEVEL:g}, got {_show_value(value)}")
            return "ATM"
        if number > MAX_STRIKE:
            r.fail(path, f"must be at most {MAX_STRIKE:g}, got {_show_value(value)}")
            return "ATM"
        return number
    if kind == "pct" and number <= -1.0:
        r.fail(path, f"{value} would put the strike at or below zero")
        return "ATM"
    if kind == "pct" and number > MAX_PCT_STRIKE:
        r.fail(path, f"{value} is more than {MAX_PCT_STRIKE * 100:+g}% above the future")
        return "ATM"
    return "ATM" if kind == "atm" else f"{number * 100:+g}%"


def _show_value(value: Any) -> str:
    return _show_number(value) if isinstance(value, (int, float)) else repr(value)


# -- writing ----------------------------------------------------------------

def _num(x: float) -> int | float:
    # Whole-number money reads better without ".0"; tomllib gives it back as int,
    # and every reader converts to float, so the round trip stays exact.
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def plan_to_dict(plan: Plan) -> dict:
    """The plan as a TOML-ready dict in the file's stable key order."""
    m = plan.market
    market: dict[str, Any] = {"as_of": m.as_of, "vix_spot": m.vix_spot, "rate": m.rate}
    if m.source:
        market["source"] = m.source
    market["futures"] = [{"expiry": f.expiry, "settle": f.settle} for f in m.futures]
    market["vol"] = {
        "atm_front": m.vol.atm_front,
        "atm_long": m.vol.atm_long,
        "decay_days": _num(m.vol.decay_days),
        "skew": m.vol.skew,
    }
    e = plan.exposure
    exposure = {
        "notional_usd": _num(e.notional_usd),
        "beta_spx": e.beta_spx,
        "vol_annual": e.vol_annual,
        "var_confidence": e.var_confidence,
        "var_horizon_days": e.var_horizon_days,
        "coverage_target": e.coverage_target,
        "spx_vix_elasticity": e.spx_vix_elasticity,
        "btc_beta": e.btc_beta,
    }
    if e.funding_rate is not None:
        exposure["funding_rate"] = e.funding_rate
    sizing: dict[str, Any] = {"mode": plan.sizing.mode}
    if plan.sizing.premium_usd is not None:
        sizing["premium_usd"] = _num(plan.sizing.premium_usd)
    if plan.sizing.stress_scenario is not None:
        sizing["stress_scenario"] = plan.sizing.stress_scenario
    layers = []
    for layer in plan.layers:
        out: dict[str, Any] = {"name": layer.name, "weight": layer.weight, "expiry": layer.expiry}
        out["strike"] = layer.strike
        if layer.contracts is not None:
            out["contracts"] = layer.contracts
        if layer.roll_at_dte is not None:
            out["roll_at_dte"] = layer.roll_at_dte
        if layer.roll_to is not None:
            out["roll_to"] = layer.roll_to
        if layer.legs:
            out["legs"] = [_leg_to_dict(leg) for leg in layer.legs]
        layers.append(out)
    return {
        "schema": plan.schema,
        "name": plan.name,
        "market": market,
        "exposure": exposure,
        "sizing": sizing,
        "layers": layers,
    }


def _leg_to_dict(leg: Leg) -> dict:
    out: dict[str, Any] = {"side": leg.side, "strike": leg.strike, "ratio": _num(leg.ratio)}
    if leg.expiry is not None:
        out["expiry"] = leg.expiry
    return out


def dumps_plan(plan: Plan) -> str:
    import tomli_w  # lazily: only saving needs it

    return tomli_w.dumps(plan_to_dict(plan))


def plan_problems(plan: Plan, source: str = "<plan>") -> list[str]:
    """What would stop ``plan`` from loading back once saved (empty when nothing would).

    The very rules of :func:`parse_plan`, applied to the text :func:`save_plan` would
    write: the app can use it to refuse an impossible edit with the same message a file
    would get.
    """
    try:
        text = dumps_plan(plan)
    except (TypeError, ValueError) as error:
        return [f"{source}: cannot be written as TOML: {_clean(str(error), 200)}"]
    try:
        parse_plan(text, source)
    except PlanError as error:
        return error.messages
    return []


# -- comparing plans ----------------------------------------------------------

def _show_diff_value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        value = _num(value)
    if isinstance(value, (int, float)):
        return _show_number(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        shown = value if value and value.strip() == value and len(value) <= 40 else repr(value[:40] + ("..." if len(value) > 40 else ""))
        return _clean(shown, 60)
    if isinstance(value, dict):
        label = value.get("name", value.get("expiry"))
        return _show_diff_value(label) if label is not None else "a table"
    return _clean(repr(value), 60)


def _diff(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = list(old) + [k for k in new if k not in old]
        for key in keys:
            where = f"{path}.{key}" if path else key
            if key not in new:
                out.append(f"{where}: {_show_diff_value(old[key])} -> (none)")
            elif key not in old:
                out.append(f"{where}: (none) -> {_show_diff_value(new[key])}")
            else:
                _diff(old[key], new[key], where, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for i in range(max(len(old), len(new))):
            where = f"{path}[{i}]"
            if i >= len(new):
                out.append(f"{where}: removed ({_show_diff_value(old[i])})")
            elif i >= len(old):
                out.append(f"{where}: added ({_show_diff_value(new[i])})")
            else:
                _diff(old[i], new[i], where, out)
        return
    same = old == new and type(old) is type(new) or (
        isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool)
        and not isinstance(new, bool) and old == new
    )
    if not same:
        out.append(f"{path}: {_show_diff_value(old)} -> {_show_diff_value(new)}")


def diff_plans(old: Plan, new: Plan) -> list[str]:
    """What changed from ``old`` to ``new``, one human line per value, in file order.

    Keys are the file's dotted paths: ``"layers[0].strike: ATM -> 35"``,
    ``"market.vix_spot: 38.57 -> 40"``, ``"layers[3]: added (hedge)"``,
    ``"sizing.premium_usd: 5000000 -> (none)"``. Layers and futures are compared by
    position. Empty when the two plans would be saved as the same file.
    """
    out: list[str] = []
    _diff(plan_to_dict(old), plan_to_dict(new), "", out)
    return out


# -- safe saving ----------------------------------------------------------------

BACKUP_SUFFIX = "~"


def backup_path(path: str | os.PathLike) -> Path:
    """Where :func:`save_plan` keeps the previous version of ``path``: ``PLAN.toml~``."""
    path = Path(path)
    return path.with_name(path.name + BACKUP_SUFFIX)


@dataclass(frozen=True)
class FileStamp:
    """What a plan file was when it was opened: enough to notice any later change.

    ``sha256`` decides (a touched but identical file is not a change); ``mtime_ns`` and
    ``size`` are kept for display. A file that did not exist has ``size == -1``.
    """

    mtime_ns: int
    size: int
    sha256: str

    @property
    def exists(self) -> bool:
        return self.size >= 0


MISSING = FileStamp(mtime_ns=0, size=-1, sha256="")


def _stamp_of(raw: bytes, st: os.stat_result) -> FileStamp:
    return FileStamp(mtime_ns=st.st_mtime_ns, size=len(raw), sha256=hashlib.sha256(raw).hexdigest())


def file_stamp(path: str | os.PathLike) -> FileStamp:
    """The :class:`FileStamp` of ``path`` now; :data:`MISSING` when there is no such file.

    Prefer :func:`load_plan_stamped`, which stamps the very bytes it parsed. Other read
    failures raise ``OSError``.
    """
    try:
        raw, st = _read_current(Path(path))
    except FileNotFoundError:
        return MISSING
    return _stamp_of(raw, st)


def _read_current(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes and stat of the file about to be replaced (no size limit: it is backed up)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(_errno.EISDIR, os.strerror(_errno.EISDIR), str(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(_errno.EINVAL, "not a regular file", str(path))
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks), st
    finally:
        os.close(fd)


_CAUSES = {
    _errno.ENOSPC: "the disk is full",
    getattr(_errno, "EDQUOT", -1): "the disk quota is exceeded",
    _errno.EACCES: "permission denied",
    _errno.EPERM: "the operation is not permitted",
    _errno.EROFS: "the file system is read-only",
    _errno.ENOENT: "the folder does not exist",
    _errno.ENOTDIR: "a part of the path is not a folder",
    _errno.EISDIR: "the path is a folder",
    _errno.ENAMETOOLONG: "the file name is too long",
    _errno.EIO: "an input/output error (a failing disk or a lost network share?)",
    _errno.EILSEQ: "the plan holds text that cannot be written as UTF-8",
}


class SaveError(OSError):
    """A plan could not be saved. ``str()`` is the message for the user.

    Attributes: ``path`` (the plan file), ``step`` (what was being done), ``errno`` and
    ``strerror`` (from the OS), ``written`` (True only when the new version did reach
    the file but could not be made durable; otherwise the previous file is unchanged).
    """

    def __init__(self, path: Path, step: str, error: OSError | None, *, written: bool = False, backup: Path | None = None):
        code = getattr(error, "errno", None) or _errno.EIO
        strerror = getattr(error, "strerror", None) or (str(error) if error else os.strerror(code))
        super().__init__(code, strerror, str(path))
        self.path = Path(path)
        self.step = step
        self.written = written
        cause = _CAUSES.get(code)
        cause = f"{cause} ({strerror})" if cause and cause.lower() != strerror.lower() else (cause or strerror)
        if written:
            after = "the new version is in place but may not survive a crash"
            if backup is not None:
                after += f"; the previous version is in {backup.name}"
        else:
            after = "the previous file is unchanged"
        self.message = f"cannot save {_clean(str(path), 200)}: {cause} while {step}; {after}"

    def __str__(self) -> str:
        return self.message


class FileChangedError(Exception):
    """The plan file changed on disk since it was opened; nothing was written.

    ``changes`` are human lines of what differs between the file now on disk and the
    plan being saved (``"key: on disk -> yours"``, from :func:`diff_plans`), or one line
    saying the file was deleted, created, or is no longer a valid plan. ``disk_plan`` is
    the plan on disk when it still loads. To overwrite anyway, save again with
    ``expect=error.actual`` (or ``expect=None``).
    """

    def __init__(self, path: Path, expected: FileStamp, actual: FileStamp, changes: list[str], disk_plan: Plan | None):
        self.path = Path(path)
        self.expected = expected
        self.actual = actual
        self.changes = changes
        self.disk_plan = disk_plan
        shown = changes[:8] + ([f"... and {len(changes) - 8} more"] if len(changes) > 8 else [])
        super().__init__(
            f"{_clean(str(path), 200)} changed on disk since it was opened; not overwritten.\n"
            + "\n".join(f"  {line}" for line in shown)
        )

    @property
    def summary(self) -> str:
        return str(self)


def _changed_on_disk(path: Path, plan: Plan, expect: FileStamp, current: bytes | None, st) -> FileChangedError | None:
    if current is None:
        if not expect.exists:
            return None
        return FileChangedError(path, expect, MISSING, ["the file was deleted or moved away since it was opened"], None)
    actual = _stamp_of(current, st)
    if expect.exists and actual.sha256 == expect.sha256:
        return None
    if not expect.exists:
        lead = "a file was created at this path since the plan was opened"
    else:
        lead = None
    disk_plan = None
    try:
        disk_plan = parse_plan(_decode_plan(current, str(path)), str(path))
    except PlanError as error:
        changes = [f"the file on disk is not a valid plan: {error.messages[0]}"]
    else:
        changes = [f"on disk -> yours: {line}" for line in diff_plans(disk_plan, plan)] or [
            "the file on disk was rewritten (same plan, different text)"
        ]
    if lead:
        changes.insert(0, lead)
    return FileChangedError(path, expect, actual, changes, disk_plan)


def _write_beside(directory: Path, stem: str, data: bytes, mode: int | None) -> Path:
    """Write ``data`` to a new temporary file in ``directory``, flushed and fsynced."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = directory / f".{stem}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o666)  # the umask applies, as for any new file
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise FileExistsError(_errno.EEXIST, "no free temporary file name", str(directory))
    try:
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno in (_errno.EACCES, _errno.EPERM, _errno.EINVAL, _errno.EISDIR):
            return  # a folder one may not open (or a platform without directory fds)
        raise
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (_errno.EINVAL, _errno.EBADF, getattr(_errno, "ENOTSUP", -1), _errno.EROFS):
            raise  # file systems that cannot sync a directory say so with these
    finally:
        os.close(fd)


def save_plan(
    plan: Plan,
    path: str | os.PathLike,
    expect: FileStamp | None = None,
    *,
    backup: bool = True,
) -> Path:
    """Save ``plan`` to ``path`` safely; return the path written.

    * **Atomic and durable**: the text goes to a temporary file beside the target
      (``.PLAN.toml.<random>.tmp``), which is flushed and fsynced, renamed over the
      target, and then the directory is fsynced. A crash leaves the old file or the new
      one, never half of one. A symbolic link is followed: its target is replaced.
    * **Backup**: when a file is replaced, its previous bytes are first kept beside it as
      ``PLAN.toml~`` (see :func:`backup_path`; written the same atomic way and replacing
      any older backup). ``backup=False`` skips it.
    * **Changed on disk**: with ``expect`` (the :class:`FileStamp` taken when the plan was
      opened, from :func:`load_plan_stamped` or :func:`file_stamp`; :data:`MISSING` for a
      new file) a file whose content differs from the stamp is not touched:
      :class:`FileChangedError` says what differs. ``expect=None`` does not check.
    * **Failures**: every OS error (permission denied, a read-only file or folder, a full
      disk, a missing folder) raises :class:`SaveError` naming the file and the cause;
      the previous file and its backup are then intact and no temporary file is left.
      A read-only existing file is refused even where the folder would allow the rename.

    Between the check against ``expect`` and the rename another program could still
    write the file; that window is a few milliseconds, not the whole edit session.
    """
    path = Path(path)
    target = path
    try:
        if path.is_symlink():
            target = Path(os.path.realpath(path))
    except OSError:
        pass
    directory = target.parent if str(target.parent) else Path(".")
    try:
        data = dumps_plan(plan).encode("utf-8")
    except UnicodeEncodeError as error:
        raise SaveError(path, "encoding the plan", OSError(_errno.EILSEQ, str(error))) from None

    try:
        current, st = _read_current(target)
    except FileNotFoundError:
        current, st = None, None
    except OSError as error:
        raise SaveError(path, "reading the file it replaces", error) from None
    if expect is not None:
        changed = _changed_on_disk(path, plan, expect, current, st)
        if changed is not None:
            raise changed
    mode = stat.S_IMODE(st.st_mode) if st is not None else None
    if st is not None and not os.access(target, os.W_OK):
        raise SaveError(path, "checking the file", OSError(_errno.EACCES, "the file is read-only"))

    bak = backup_path(target)
    try:
        tmp = _write_beside(directory, target.name, data, mode)
    except OSError as error:
        raise SaveError(path, f"writing a temporary file in {_clean(str(directory), 200)}", error) from None
    try:
        if backup and current is not None:
            try:
                old = _write_beside(directory, bak.name, current, mode)
                try:
                    os.replace(old, bak)
                except BaseException:
                    _unlink_quietly(old)
                    raise
            except OSError as error:
                raise SaveError(path, f"keeping the previous version as {bak.name}", error) from None
        try:
            os.replace(tmp, target)
        except OSError as error:
            raise SaveError(path, "renaming the new version into place", error) from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    try:
        _fsync_directory(directory)
    except OSError as error:
        raise SaveError(
            path, "syncing the folder", error, written=True, backup=bak if backup and current is not None else None
        ) from None
    return path
