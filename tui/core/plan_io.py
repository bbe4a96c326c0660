"""Plan files (TOML, schema 1): read with tomllib, written with tomli-w, atomically.

A file that cannot be used raises :class:`PlanError` carrying one message per problem,
each naming the file, the key, the line where it can be found and what was expected.
Nothing is ever half-loaded: either every check passes and a :class:`Plan` comes back,
or nothing does.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .curve import Future, MarketSnapshot
from .plan import (
    SCHEMA_VERSION,
    SIZING_MODES,
    Exposure,
    Layer,
    Plan,
    Sizing,
    parse_month,
    parse_strike,
    weights_sum,
)
from .volmodel import VolModel

WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Problem:
    key: str  # dotted path, e.g. "layers[2].strike"
    message: str  # what was expected / what is wrong
    line: int | None = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class PlanError(ValueError):
    """A plan file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(p.render(source) for p in problems))

    @property
    def messages(self) -> list[str]:
        return [p.render(self.source) for p in self.problems]


# -- locating a key's line in the text --------------------------------------

_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


class _LineFinder:
    """Finds the line of a key path (best effort; only used to point the user at it)."""

    def __init__(self, text: str):
        self.entries: list[tuple[str, int]] = []  # (dotted path, line number)
        table = ""
        counters: dict[str, int] = {}
        for number, raw in enumerate(text.splitlines(), start=1):
            header = _HEADER_RE.match(raw)
            if header:
                name = header.group(2).replace(" ", "")
                if header.group(1) == "[[":
                    index = counters.get(name, 0)
                    counters[name] = index + 1
                    table = f"{name}[{index}]"
                else:
                    table = name
                self.entries.append((table, number))
                continue
            key = _KEY_RE.match(raw)
            if key:
                path = f"{table}.{key.group(1)}" if table else key.group(1)
                self.entries.append((path, number))

    def line(self, path: str) -> int | None:
        # Exact key first, then its nearest enclosing table.
        candidate = path
        while candidate:
            for entry, number in self.entries:
                if entry == candidate:
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
)
_SIZING_KEYS = ("mode", "premium_usd", "stress_scenario")
_LAYER_KEYS = ("name", "weight", "expiry", "strike", "contracts", "roll_at_dte", "roll_to")


class _Reader:
    def __init__(self, source: str, text: str):
        self.source = source
        self.lines = _LineFinder(text)
        self.problems: list[Problem] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message, self.lines.line(key)))

    def unknown_keys(self, table: dict, allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
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
        if integer and (isinstance(value, float) and not value.is_integer()):
            self.fail(path, f"expected a whole number, got {value}")
            return default
        if positive and value <= 0:
            self.fail(path, f"must be positive, got {value}")
            return default
        if minimum is not None and value < minimum:
            self.fail(path, f"must be at least {minimum:g}, got {value}")
            return default
        if maximum is not None and value > maximum:
            self.fail(path, f"must be at most {maximum:g}, got {value}")
            return default
        return int(value) if integer else float(value)

    def string(self, table: dict, key: str, path: str, *, required=True, default=None) -> str | None:
        if key not in table:
            if required:
                self.fail(path, "missing; expected a string")
            return default
        value = table[key]
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_kind(value)}")
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
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(path, f"expected a date like 2026-11-20, got {_kind(value)}")
        return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, (date, datetime)):
        return f"a date ({value})"
    return type(value).__name__


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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PlanError(source, [_syntax_problem(error)]) from None
    reader = _Reader(source, text)
    plan = _read_plan(reader, data)
    if reader.problems or plan is None:
        raise PlanError(source, reader.problems or [Problem("", "the plan could not be read")])
    return plan


def load_plan(path: str | os.PathLike) -> Plan:
    """Read a plan file; every failure is a :class:`PlanError` naming the file."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PlanError(source, [Problem("", "no such file")]) from None
    except IsADirectoryError:
        raise PlanError(source, [Problem("", "is a directory, expected a plan file")]) from None
    except OSError as error:
        raise PlanError(source, [Problem("", f"cannot be read: {error.strerror or error}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PlanError(source, [Problem("", "is not UTF-8 text (TOML files must be UTF-8)", line)]) from None
    return parse_plan(text, source)


def _read_plan(r: _Reader, data: dict) -> Plan | None:
    r.unknown_keys(data, _TOP_KEYS, "")
    schema = data.get("schema")
    if "schema" not in data:
        r.fail("schema", f"missing; expected schema = {SCHEMA_VERSION} at the top")
    elif isinstance(schema, bool) or not isinstance(schema, int):
        r.fail("schema", f"expected the integer {SCHEMA_VERSION}, got {_kind(schema)}")
    elif schema != SCHEMA_VERSION:
        r.fail("schema", f"unknown schema {schema}; this version of alvh-tui reads schema {SCHEMA_VERSION}")
        return None  # the rest of a newer schema may mean something else: don't guess
    name = r.string(data, "name", "name", required=False, default="Untitled plan")

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
    spot = r.number(m, "vix_spot", "market.vix_spot", positive=True)
    rate = r.number(m, "rate", "market.rate", minimum=-0.5, maximum=1.0)
    source = r.string(m, "source", "market.source", required=False, default="")
    futures: list[Future] = []
    raw = m.get("futures")
    if raw is None:
        r.fail("market.futures", "missing; expected an array of { expiry = <date>, settle = <number> }")
    elif not isinstance(raw, list):
        r.fail("market.futures", f"expected an array of futures, got {_kind(raw)}")
    elif not raw:
        r.fail("market.futures", "the curve is empty; expected at least one { expiry, settle }")
    else:
        seen: dict[date, int] = {}
        for i, item in enumerate(raw):
            path = f"market.futures[{i}]"
            if not isinstance(item, dict):
                r.fail(path, f"expected {{ expiry = <date>, settle = <number> }}, got {_kind(item)}")
                continue
            r.unknown_keys(item, _FUTURE_KEYS, path)
            expiry = r.a_date(item, "expiry", f"{path}.expiry")
            settle = r.number(item, "settle", f"{path}.settle", positive=True)
            if expiry is None or settle is None:
                continue
            if expiry in seen:
                r.fail(f"{path}.expiry", f"duplicate expiry {expiry} (also market.futures[{seen[expiry]}])")
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
        vol = VolModel(
            atm_front=r.number(v, "atm_front", "market.vol.atm_front", required=False, default=d.atm_front, positive=True, maximum=20.0),
            atm_long=r.number(v, "atm_long", "market.vol.atm_long", required=False, default=d.atm_long, positive=True, maximum=20.0),
            decay_days=r.number(v, "decay_days", "market.vol.decay_days", required=False, default=d.decay_days, positive=True),
            skew=r.number(v, "skew", "market.vol.skew", required=False, default=d.skew, minimum=-5.0, maximum=5.0),
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
    return Exposure(
        notional_usd=r.number(e, "notional_usd", "exposure.notional_usd", default=d.notional_usd, positive=True),
        beta_spx=r.number(e, "beta_spx", "exposure.beta_spx", required=False, default=d.beta_spx, minimum=-20.0, maximum=20.0),
        vol_annual=r.number(e, "vol_annual", "exposure.vol_annual", required=False, default=d.vol_annual, positive=True, maximum=20.0),
        var_confidence=r.number(e, "var_confidence", "exposure.var_confidence", required=False, default=d.var_confidence, minimum=0.5, maximum=0.99999),
        var_horizon_days=r.number(e, "var_horizon_days", "exposure.var_horizon_days", required=False, default=d.var_horizon_days, positive=True, integer=True, maximum=3650),
        coverage_target=r.number(e, "coverage_target", "exposure.coverage_target", required=False, default=d.coverage_target, positive=True, maximum=10.0),
        spx_vix_elasticity=r.number(e, "spx_vix_elasticity", "exposure.spx_vix_elasticity", required=False, default=d.spx_vix_elasticity, minimum=0.5, maximum=50.0),
        btc_beta=r.number(e, "btc_beta", "exposure.btc_beta", required=False, default=d.btc_beta, minimum=0.0, maximum=20.0),
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
    premium = r.number(s, "premium_usd", "sizing.premium_usd", required=(mode == "budget"), default=None, positive=True)
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
    layers: list[Layer] = []
    names: dict[str, int] = {}
    for i, item in enumerate(raw):
        path = f"layers[{i}]"
        r.unknown_keys(item, _LAYER_KEYS, path)
        name = r.string(item, "name", f"{path}.name", required=False, default=f"layer {i + 1}")
        if name is not None:
            if not name.strip():
                r.fail(f"{path}.name", "must not be empty")
            elif any(ord(c) < 32 for c in name):
                r.fail(f"{path}.name", "must not contain control characters")
            elif name in names:
                r.fail(f"{path}.name", f"duplicate layer name {name!r} (also layers[{names[name]}])")
            else:
                names[name] = i
        weight = r.number(item, "weight", f"{path}.weight", required=False, default=0.0, minimum=0.0, maximum=1.0)
        expiry = _read_expiry(r, item, f"{path}.expiry", market)
        strike = _read_strike(r, item, f"{path}.strike")
        contracts = r.number(
            item, "contracts", f"{path}.contracts", required=(sizing.mode == "contracts"), default=None, minimum=0, integer=True
        )
        roll_at = r.number(item, "roll_at_dte", f"{path}.roll_at_dte", required=False, default=None, minimum=0, integer=True)
        roll_to = r.string(item, "roll_to", f"{path}.roll_to", required=False, default=None)
        if roll_to is not None and parse_month(roll_to) is None:
            r.fail(f"{path}.roll_to", f"expected a listed month like \"M2\", got {roll_to!r}")
            roll_to = None
        layers.append(Layer(name, weight, expiry, strike, contracts, roll_at, roll_to))
    if sizing.mode in ("budget", "coverage") and layers:
        total = weights_sum(tuple(layers))
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            r.fail("layers", f"weights sum to {total:.6g}; in sizing mode {sizing.mode!r} they must sum to 1")
    return tuple(layers)


def _read_expiry(r: _Reader, item: dict, path: str, market: MarketSnapshot | None) -> str | date:
    if "expiry" not in item:
        r.fail(path, "missing; expected \"M<n>\" (a listed month) or a date")
        return "M1"
    value = item["expiry"]
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if market is not None and value <= market.as_of:
            r.fail(path, f"expires {value}, on or before the market's as_of {market.as_of}")
        return value
    if isinstance(value, str):
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
        if market is not None and as_date <= market.as_of:
            r.fail(path, f"expires {as_date}, on or before the market's as_of {market.as_of}")
        return as_date
    r.fail(path, f"expected \"M<n>\" or a date, got {_kind(value)}")
    return "M1"


def _read_strike(r: _Reader, item: dict, path: str) -> float | str:
    if "strike" not in item:
        return "ATM"
    value = item["strike"]
    try:
        kind, number = parse_strike(value)
    except (ValueError, AttributeError):
        r.fail(path, f"expected a positive number, \"ATM\" or \"+x%\", got {_kind(value)}")
        return "ATM"
    if kind == "abs":
        if not math.isfinite(number) or number <= 0:
            r.fail(path, f"must be a positive, finite strike, got {value}")
            return "ATM"
        return number
    if kind == "pct" and number <= -1.0:
        r.fail(path, f"{value} would put the strike at or below zero")
        return "ATM"
    return "ATM" if kind == "atm" else f"{number * 100:+g}%"


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
        layers.append(out)
    return {
        "schema": plan.schema,
        "name": plan.name,
        "market": market,
        "exposure": exposure,
        "sizing": sizing,
        "layers": layers,
    }


def dumps_plan(plan: Plan) -> str:
    import tomli_w  # lazily: only saving needs it

    return tomli_w.dumps(plan_to_dict(plan))


def save_plan(plan: Plan, path: str | os.PathLike) -> Path:
    """Write atomically: a temporary file beside the target, fsync, then rename over it.

    The previous file is untouched until the rename, so a failure never loses it.
    """
    path = Path(path)
    text = dumps_plan(plan)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
