"""Plan files (TOML, schema 1): parsed with tomllib, dumped with tomli-w.

The keys a file may hold are declared once, on the model's dataclasses (see
``plan_schema``); the bounds they are held to live in ``limits``. A file that cannot be
used raises :class:`PlanError` carrying one message per problem, each naming the file,
the key, the line where it can be found and what was expected. Nothing is ever
half-loaded: either every check passes and a :class:`Plan` comes back, or nothing does.

Hostile input (files mangled in mail, fuzzed, or simply not plans) gets the same
treatment: whatever the bytes, reading returns a valid plan or raises ``PlanError`` in
bounded time. Numbers are held to the bounds of ``limits`` (generous for real markets,
tight enough that every figure of a valuation stays finite), and text that would reach
a terminal may not carry control characters.

Saving safely (atomic, with a backup, refusing a file changed on disk) is ``plan_save``.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .curve import Future, MarketSnapshot
from .limits import (
    MAX_DAYS_AHEAD,
    MAX_FUTURES,
    MAX_KEY_PARTS,
    MAX_LAYERS,
    MAX_LEGS,
    MAX_PCT_STRIKE,
    MAX_PLAN_BYTES,
    MAX_SMILE_NODES,
    MAX_STRIKE,
    MIN_ABS_BETA,
    MIN_LEVEL,
    WEIGHT_TOLERANCE,
)
from .months import MONTHS_BEYOND_CURVE, months_past_curve
from .plan import SCHEMA_VERSION, BacktestSettings, Exposure, Layer, Leg, Plan, parse_month, parse_strike, weights_sum
from .plan_reader import PlanError, Problem, Reader, deep_key_line, describe, show_number, show_value
from .plan_schema import Key, key_names, to_table
from .safe_files import FileStamp, FileTooLargeError, NotRegularFileError, read_regular, stamp_of
from .safe_text import printable
from .volmodel import SmileNode

__all__ = [
    "PlanError",
    "Problem",
    "dumps_plan",
    "load_plan",
    "load_plan_stamped",
    "parse_plan",
    "plan_problems",
    "plan_to_dict",
    "read_plan_bytes",
    "decode_plan",
]


# -- parsing ----------------------------------------------------------------

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
    deep = deep_key_line(text)
    if deep is not None:
        raise PlanError(source, [Problem("", f"a key has {MAX_KEY_PARTS} or more dotted parts; a plan's keys have at most 3", deep)])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(source, [_syntax_problem(error)]) from None
    except RecursionError:
        raise PlanError(source, [Problem("", "not valid for a plan: arrays or tables nested too deeply")]) from None
    except ValueError as error:  # e.g. an integer literal of more than 4300 digits
        raise PlanError(source, [Problem("", f"not valid TOML: {error}")]) from None
    reader = Reader(source, text, _READERS)
    plan = _read_plan(reader, data)
    if reader.problems or plan is None:
        fixable = plan is not None and not reader.dropped and all(p.fixable for p in reader.problems)
        raise PlanError(source, reader.all_problems() or [Problem("", "the plan could not be read")], plan if fixable else None)
    return plan


def read_plan_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    """The bytes of a plan file and its stat, read once; ``PlanError`` for anything else.

    Only a regular file is read (a FIFO or a device would block or never end), and at
    most ``MAX_PLAN_BYTES`` + 1 bytes of it.
    """
    source = str(path)
    try:
        return read_regular(path, MAX_PLAN_BYTES)
    except FileNotFoundError:
        raise PlanError(source, [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise PlanError(source, [Problem("", "is a directory, expected a plan file")]) from None
    except NotRegularFileError:
        raise PlanError(source, [Problem("", "is not a regular file (a pipe or a device?), expected a plan file")]) from None
    except FileTooLargeError as error:
        if error.size is not None:
            message = f"is {error.size:,} bytes; a plan file is at most {MAX_PLAN_BYTES:,} (is this a plan?)"
        else:
            message = f"is more than {MAX_PLAN_BYTES:,} bytes; a plan file is a few KB (is this a plan?)"
        raise PlanError(source, [Problem("", message)]) from None
    except OSError as error:
        raise PlanError(source, [Problem("", f"cannot be read: {error.strerror or error}")]) from None
    except ValueError as error:  # an embedded NUL in the path
        raise PlanError(source, [Problem("", f"is not a usable file name ({error})")]) from None


def decode_plan(raw: bytes, source: str) -> str:
    """A plan file's bytes as text (UTF-8, a byte-order mark dropped); ``PlanError`` else."""
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
    raw, _ = read_plan_bytes(path)
    return parse_plan(decode_plan(raw, str(path)), str(path))


def load_plan_stamped(path: str | os.PathLike) -> tuple[Plan, FileStamp]:
    """Read a plan and the :class:`FileStamp` of the very bytes it was read from.

    Pass the stamp to ``save_plan(..., expect=stamp)`` so that a file changed on disk
    since it was opened is never overwritten silently.
    """
    path = Path(path)
    raw, st = read_plan_bytes(path)
    try:
        plan = parse_plan(decode_plan(raw, str(path)), str(path))
    except PlanError as error:
        error.stamp = stamp_of(raw, st)  # a draft opened in the app keeps the file's stamp
        raise
    return plan, stamp_of(raw, st)


# -- reading the tables --------------------------------------------------------
# Plain keys (numbers, strings, dates) are read by Reader.fields from the declarations;
# these read the kinds that need more (the schema line, cross-key checks, arrays).

def _read_plan(r: Reader, data: dict) -> Plan | None:
    r.unknown_keys(data, key_names(Plan), "")
    schema = data.get("schema")
    if "schema" not in data:
        r.fail("schema", f"missing; expected schema = {SCHEMA_VERSION} at the top")
    elif isinstance(schema, bool) or not isinstance(schema, int):
        r.fail("schema", f"expected the integer {SCHEMA_VERSION}, got {describe(schema)}")
    elif schema != SCHEMA_VERSION:
        r.fail("schema", f"unknown schema {show_number(schema)}; this version of alvh-tui reads schema {SCHEMA_VERSION}")
        return None  # the rest of a newer schema may mean something else: don't guess
    values = r.fields(data, Plan, "", {}, skip=("schema",), check_unknown=False)
    if r.problems and not all(p.fixable for p in r.problems):
        return None
    try:
        return Plan(**values)
    except (TypeError, ValueError):  # Plan's own checks: the "fixable" plan was not usable after all
        return None


def _read_market(r: Reader, data: dict, key: str, path: str, decl: Key, default, required, values, context) -> MarketSnapshot | None:
    m = r.table(data, key, path)
    if m is None:
        return None
    got = r.fields(m, MarketSnapshot, path, context)
    if got["as_of"] is None or got["vix_spot"] is None or got["rate"] is None or not got["futures"]:
        return None
    return MarketSnapshot(**got)


def _read_futures(r: Reader, m: dict, key: str, path: str, decl: Key, default, required, values, context) -> tuple[Future, ...]:
    as_of = values.get("as_of")
    futures: list[Future] = []
    raw = m.get(key)
    if raw is None:
        r.fail(path, "missing; expected an array of { expiry = <date>, settle = <number> }")
    elif not isinstance(raw, list):
        r.fail(path, f"expected an array of futures, got {describe(raw)}")
    elif not raw:
        r.fail(path, "the curve is empty; expected at least one { expiry, settle }")
    elif len(raw) > MAX_FUTURES:
        r.fail(path, f"{len(raw)} futures; at most {MAX_FUTURES} are allowed")
    else:
        seen: dict[date, int] = {}
        for i, item in enumerate(raw):
            where = f"{path}[{i}]"
            if not isinstance(item, dict):
                r.fail(where, f"expected {{ expiry = <date>, settle = <number> }}, got {describe(item)}")
                continue
            got = r.fields(item, Future, where, context)
            expiry, settle = got["expiry"], got["settle"]
            if expiry is None or settle is None:
                continue
            if expiry in seen:
                r.fail(f"{where}.expiry", f"duplicate expiry {expiry} (also {path}[{seen[expiry]}])")
                continue
            if as_of is not None and (expiry - as_of).days > MAX_DAYS_AHEAD:
                r.fail(f"{where}.expiry", f"expires {expiry}, more than {MAX_DAYS_AHEAD} days after as_of {as_of}")
                continue
            seen[expiry] = i
            futures.append(Future(**got))
        if as_of is not None and futures and not any(f.expiry > as_of for f in futures):
            r.fail(path, f"no future expires after as_of {as_of}; the curve has no live months")
    return tuple(futures)


def _read_exposure(r: Reader, data: dict, key: str, path: str, decl: Key, default, required, values, context) -> Exposure:
    e = r.table(data, key, path, required=False)
    if e is None:
        return default
    got = r.fields(e, Exposure, path, context)
    if "basis" not in e and "btc_beta" in e:
        got["basis"] = "crypto"  # without a basis, a plan that sets btc_beta is a crypto exposure
    beta = got["beta_spx"]
    if beta is not None and beta != 0.0 and abs(beta) < MIN_ABS_BETA:
        r.fail(f"{path}.beta_spx", f"{beta:g} is too small to be a beta; write 0 for an exposure that does not move with the S&P 500")
        got["beta_spx"] = default.beta_spx
    return Exposure(**got)


def _read_backtest(r: Reader, data: dict, key: str, path: str, decl: Key, default, required, values, context) -> BacktestSettings:
    b = r.table(data, key, path, required=False)
    if b is None:
        return default
    got = r.fields(b, BacktestSettings, path, context)
    if got["start"] is not None and got["end"] is not None and got["end"] <= got["start"]:
        r.fail(f"{path}.end", f"{got['end']} is not after {path}.start {got['start']}")
    return BacktestSettings(**got)


def _read_layers(r: Reader, data: dict, key: str, path: str, decl: Key, default, required, values, context) -> tuple[Layer, ...]:
    raw = data.get(key)
    if raw is None:
        r.fail(path, "missing; expected at least one [[layers]] table")
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        r.fail(path, "expected [[layers]] tables")
        return ()
    if not raw:
        r.fail(path, "expected at least one [[layers]] table")
        return ()
    if len(raw) > MAX_LAYERS:
        r.fail(path, f"{len(raw)} layers; at most {MAX_LAYERS} are allowed")
        return ()
    sizing = values["sizing"]
    context = {**context, "market": values.get("market"), "sizing.mode": sizing.mode}
    layers: list[Layer] = []
    names: dict[str, int] = {}
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        got = r.fields(item, Layer, where, context, missing={"name": f"layer {i + 1}"})
        name = got["name"]
        if name is not None:
            if not name.strip():
                r.fail(f"{where}.name", "must not be empty")
            elif name in names:
                r.fail(f"{where}.name", f"duplicate layer name {name!r} (also {path}[{names[name]}])")
            else:
                names[name] = i
        layers.append(Layer(**got))
    if sizing.mode in ("budget", "coverage") and layers:
        total = weights_sum(tuple(layers))
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            r.fail(path, f"weights sum to {total:.6g}; in sizing mode {sizing.mode!r} they must sum to 1", fixable=True)
    return tuple(layers)


def _check_month_reach(r: Reader, path: str, value: str, n: int, market: MarketSnapshot | None) -> bool:
    """``M<n>`` is the calendar's n-th monthly expiry; it may reach past the listed curve
    (a warning when priced), but not by more than a year: that is a typo, not a hedge."""
    if market is None or not market.live_futures:
        return True
    past = months_past_curve(n, market)
    if past > MONTHS_BEYOND_CURVE:
        last = market.live_futures[-1].expiry
        r.fail(
            path,
            f"{value} is {past} months beyond the last listed future ({last}); "
            f"at most {MONTHS_BEYOND_CURVE} months past the curve are allowed",
        )
        return False
    return True


def _read_legs(r: Reader, item: dict, key: str, path: str, decl: Key, default, required, values, context) -> tuple[Leg, ...]:
    raw = item.get(key)
    if raw is None:
        return default
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        r.fail(path, "expected [[layers.legs]] tables")
        return default
    if len(raw) > MAX_LEGS:
        r.fail(path, f"{len(raw)} legs; at most {MAX_LEGS} per layer")
        return default
    return tuple(Leg(**r.fields(leg, Leg, f"{path}[{j}]", context)) for j, leg in enumerate(raw))


def _read_leg_expiry(r: Reader, item: dict, key: str, path: str, decl: Key, default, required, values, context) -> str | date | None:
    if key not in item:
        return default  # the layer's expiry
    return _read_expiry(r, item, key, path, decl, None, required, values, context)


def _check_layer_date(r: Reader, path: str, value: date, market: MarketSnapshot | None) -> None:
    if market is None:
        return
    if value <= market.as_of:
        r.fail(path, f"expires {value}, on or before the market's as_of {market.as_of}")
    elif (value - market.as_of).days > MAX_DAYS_AHEAD:
        r.fail(path, f"expires {value}, more than {MAX_DAYS_AHEAD} days after the market's as_of {market.as_of}")


def _read_expiry(r: Reader, item: dict, key: str, path: str, decl: Key, default, required, values, context) -> str | date:
    market = context.get("market")
    if key not in item:
        r.fail(path, "missing; expected \"M<n>\" (a monthly expiry) or a date")
        return default
    value = item[key]
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        _check_layer_date(r, path, value, market)
        return value
    if isinstance(value, str) and len(value) < 40:
        n = parse_month(value)
        if n is not None:
            _check_month_reach(r, path, value, n, market)
            return f"M{n}"
        try:
            as_date = date.fromisoformat(value.strip())
        except ValueError:
            r.fail(path, f"expected \"M<n>\" or a date, got {describe(value)}")
            return default
        _check_layer_date(r, path, as_date, market)
        return as_date
    r.fail(path, f"expected \"M<n>\" or a date, got {describe(value)}")
    return default


def _read_strike(r: Reader, item: dict, key: str, path: str, decl: Key, default, required, values, context) -> float | str:
    if key not in item:
        return default
    value = item[key]
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 1000:
        r.fail(path, f"must be at most {MAX_STRIKE:g}, got {show_number(value)}")
        return default
    if isinstance(value, str) and len(value) > 40:
        r.fail(path, f"expected a positive number, \"ATM\" or \"+x%\", got {describe(value)}")
        return default
    try:
        kind, number = parse_strike(value)
    except (ValueError, AttributeError, OverflowError):
        r.fail(path, f"expected a positive number, \"ATM\" or \"+x%\", got {describe(value)}")
        return default
    if kind == "abs":
        if not math.isfinite(number) or number <= 0:
            r.fail(path, f"must be a positive, finite strike, got {show_value(value)}")
            return default
        if number < MIN_LEVEL:
            r.fail(path, f"must be at least {MIN_LEVEL:g}, got {show_value(value)}")
            return default
        if number > MAX_STRIKE:
            r.fail(path, f"must be at most {MAX_STRIKE:g}, got {show_value(value)}")
            return default
        return number
    if kind == "pct" and number <= -1.0:
        r.fail(path, f"{value} would put the strike at or below zero")
        return default
    if kind == "pct" and number > MAX_PCT_STRIKE:
        r.fail(path, f"{value} is more than {MAX_PCT_STRIKE * 100:+g}% above the future")
        return default
    return "ATM" if kind == "atm" else f"{number * 100:+g}%"


def _read_month(r: Reader, item: dict, key: str, path: str, decl: Key, default, required, values, context) -> str | None:
    month = r.string(item, key, path, required=required, default=default)
    if month is None:
        return month
    n = parse_month(month)
    if n is None:
        r.fail(path, f"expected a month like \"M2\", got {month!r}")
        return default
    if not _check_month_reach(r, path, month, n, context.get("market")):
        return default
    return month


def _read_smile(r: Reader, v: dict, key: str, path: str, decl: Key, default, required, values, context) -> tuple[SmileNode, ...]:
    """``market.vol.smile``: the calibrated smile's nodes, in increasing days."""
    raw = v.get(key)
    if raw is None:
        return default
    if not isinstance(raw, list) or not raw:
        r.fail(path, f"expected an array of {{ days, slope, curve }}, got {describe(raw)}")
        return default
    if len(raw) > MAX_SMILE_NODES:
        r.fail(path, f"{len(raw)} nodes; at most {MAX_SMILE_NODES} are allowed")
        return default
    nodes: list[SmileNode] = []
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            r.fail(where, f"expected {{ days = <number>, slope = <number>, curve = <number> }}, got {describe(item)}")
            continue
        got = r.fields(item, SmileNode, where, context)
        if any(got[k] is None for k in ("days", "slope", "curve")):
            continue
        if nodes and got["days"] <= nodes[-1].days:
            r.fail(f"{where}.days", f"nodes must be in increasing days; {got['days']:g} follows {nodes[-1].days:g}")
            continue
        nodes.append(SmileNode(**got))
    return tuple(nodes)


def _read_optional_date(r: Reader, t: dict, key: str, path: str, decl: Key, default, required, values, context) -> date | None:
    return r.a_date(t, key, path) if key in t else default


_READERS = {
    "smile": _read_smile,
    "optional_date": _read_optional_date,
    "market": _read_market,
    "futures": _read_futures,
    "exposure": _read_exposure,
    "layers": _read_layers,
    "backtest": _read_backtest,
    "expiry": _read_expiry,
    "strike": _read_strike,
    "month": _read_month,
    "legs": _read_legs,
    "leg_expiry": _read_leg_expiry,
}


# -- writing ----------------------------------------------------------------

def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as a TOML-ready dict in the file's stable key order."""
    return to_table(plan)


def dumps_plan(plan: Plan) -> str:
    import tomli_w  # lazily: only saving needs it

    return tomli_w.dumps(plan_to_dict(plan))


def plan_problems(plan: Plan, source: str = "<plan>") -> list[str]:
    """What would stop ``plan`` from loading back once saved (empty when nothing would).

    The very rules of :func:`parse_plan`, applied to the text ``save_plan`` would
    write: the app can use it to refuse an impossible edit with the same message a file
    would get.
    """
    try:
        text = dumps_plan(plan)
    except (TypeError, ValueError) as error:
        return [f"{source}: cannot be written as TOML: {printable(str(error), 200)}"]
    try:
        parse_plan(text, source)
    except PlanError as error:
        return error.messages
    return []
