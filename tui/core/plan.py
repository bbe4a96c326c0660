"""The plan model: layers of long VIX calls held against an exposure, and how they are sized.

Everything here is a frozen dataclass: an edit makes a new plan (``dataclasses.replace``),
which is what lets the app keep an undo stack and the valuation stay immutable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import date

from . import limits
from .curve import MarketSnapshot
from .plan_schema import choice, custom, day, integer, number, schema_version, table, tables, text

SCHEMA_VERSION = 1
SIZING_MODES = ("contracts", "budget", "coverage")
REPLAY_MODES = ("level", "move")
BASES = ("equity", "crypto")  # exposure.basis: what moves the exposure in a replay
BACKTEST_ENTRY_RULES = ("always", "backwardation", "vix_over_vix3m")
ROLL_WHEN_RULES = ("backwardation_eases",)
CONTRACT_MULTIPLIER = 100.0  # one VIX option = 100 x price in USD

_MONTH_RE = re.compile(r"^M([1-9][0-9]?)$")
_PCT_RE = re.compile(r"^(?:ATM)?\s*([+-])\s*([0-9]+(?:\.[0-9]*)?)\s*%$")


# The fields below declare the plan file's keys (see plan_schema.py): adding a key is
# one line here, with its bounds in limits.py.

LEG_SIDES = ("short", "long")


@dataclass(frozen=True)
class Leg:
    """A further call held with a layer's long call, per long contract: a short call sold to
    finance it (a call spread, a ratio spread, or a shorter-dated call for a calendar)."""

    side: str = choice("short", LEG_SIDES)  # "short" (sold: financing) or "long"
    strike: float | str = custom("strike", "+50%")  # a number, "ATM" or "+x%" of the leg's own future
    ratio: float = number(1.0, bounds=limits.LEG_RATIO_BOUNDS, positive=True)  # contracts per long contract
    expiry: str | date | None = custom("leg_expiry", None)  # None: the layer's expiry; else "M<n>" or a date

    @property
    def sign(self) -> float:
        return -1.0 if self.side == "short" else 1.0


@dataclass(frozen=True)
class Layer:
    name: str = text(missing=None)  # the reader names an unnamed layer "layer <n>"
    weight: float = number(bounds=limits.WEIGHT_BOUNDS, missing=0.0)
    expiry: str | date = custom("expiry", "M1", required=True)  # "M<n>" or a date
    strike: float | str = custom("strike", "ATM")  # a number, "ATM", or "+x%" / "-x%" of the layer's future
    # used (and required) in sizing mode "contracts"
    contracts: int | None = integer(None, minimum=0, maximum=limits.MAX_CONTRACTS, required_if=("sizing.mode", "contracts"))
    roll_at_dte: int | None = integer(None, minimum=0, maximum=limits.MAX_DAYS_AHEAD)
    roll_to: str | None = custom("month", None)  # "M<n>"
    # "backwardation_eases" (backtest only): roll into roll_to as soon as the M1->M2 slope
    # turns from backwardation to contango, or at roll_at_dte, whichever comes first
    roll_when: str | None = choice(None, ROLL_WHEN_RULES)
    # financing legs ([[layers.legs]]); a layer without legs is one long call
    legs: tuple[Leg, ...] = tables(Leg, (), kind="legs", omit=(None, ()))


@dataclass(frozen=True)
class Exposure:
    notional_usd: float = number(2_000_000_000.0, bounds=limits.NOTIONAL_BOUNDS, positive=True, required=True, whole=True)
    beta_spx: float = number(2.0, bounds=limits.BETA_BOUNDS)
    vol_annual: float = number(0.75, minimum=limits.MIN_EXPOSURE_VOL, maximum=limits.MAX_EXPOSURE_VOL, positive=True)
    var_confidence: float = number(0.99, bounds=limits.VAR_CONFIDENCE_BOUNDS)
    var_horizon_days: int = integer(10, maximum=limits.MAX_VAR_HORIZON_DAYS, positive=True)
    coverage_target: float = number(0.20, maximum=limits.MAX_COVERAGE_TARGET, positive=True)
    # The S&P 500 move that goes with a VIX move: SPX'/SPX = (VIX'/VIX) ** (-1 / k).
    # See tui/core/exposure.py for the calibration of the default k = 5.
    spx_vix_elasticity: float = number(5.0, bounds=limits.ELASTICITY_BOUNDS)
    # Historical replays move a crypto exposure (basis "crypto") by btc_beta x BTC's
    # return over the episode's window (where the library has it).
    btc_beta: float = number(1.0, bounds=limits.BTC_BETA_BOUNDS)
    # The VaR stress: S&P 500 annual vol (sigma_m; default from the S&P 500's daily
    # closes 1990-2025, see exposure.py) and an optional crash correlation that replaces
    # the CAPM one (beta x sigma_m / sigma_e).
    spx_vol_annual: float = number(0.18, bounds=limits.SPX_VOL_BOUNDS)
    stress_correlation: float | None = number(None, bounds=limits.CORRELATION_BOUNDS)
    # "equity": replays move the exposure with the S&P 500; "crypto": with BTC. A file
    # without it is equity unless it sets btc_beta (plan_io).
    basis: str = choice("equity", BASES)
    # The treasury's cost of capital (annual, continuously compounded): the premium paid
    # now is carried at this rate over each layer's life (sizing.funding_cost_usd).
    # None: no funding cost is counted.
    funding_rate: float | None = number(None, bounds=limits.FUNDING_RATE_BOUNDS)


@dataclass(frozen=True)
class Sizing:
    mode: str = choice("budget", SIZING_MODES)
    premium_usd: float | None = number(
        5_000_000.0, maximum=limits.MAX_PREMIUM_USD, positive=True, required_if=("mode", "budget"), whole=True, missing=None
    )
    stress_scenario: str | None = text(None)


@dataclass(frozen=True)
class ScenarioSettings:
    # "level": a replay puts the market where the episode ended (each tenor at the
    # episode's end level, never below today's); "move": adds the episode's point moves.
    replay: str = choice("level", REPLAY_MODES)


@dataclass(frozen=True)
class BacktestSettings:
    """The plan's optional ``[backtest]`` table (tui/core/backtest.py); defaults = no rule."""

    entry: str = choice("always", BACKTEST_ENTRY_RULES)  # open new layers only while this holds
    take_profit: float | None = number(None, bounds=limits.TAKE_PROFIT_BOUNDS)  # close at k x cost
    start: date | None = day(None, bounds=limits.AS_OF_RANGE, required=False)
    end: date | None = day(None, bounds=limits.AS_OF_RANGE, required=False)


@dataclass(frozen=True)
class Plan:
    schema: int = schema_version(SCHEMA_VERSION)  # keyword-only: first in the file
    name: str = text(missing="Untitled plan")
    market: MarketSnapshot = table(MarketSnapshot, kind="market", required=True)
    exposure: Exposure = table(Exposure, kind="exposure")
    sizing: Sizing = table(Sizing)
    layers: tuple[Layer, ...] = tables(Layer, (), kind="layers")
    scenarios: ScenarioSettings = table(ScenarioSettings)
    backtest: BacktestSettings = table(BacktestSettings, kind="backtest", omit=(BacktestSettings(),))

    def with_layer(self, index: int, **changes) -> "Plan":
        layers = list(self.layers)
        layers[index] = replace(layers[index], **changes)
        return replace(self, layers=tuple(layers))


# -- the 4/4/2 preset -------------------------------------------------------

def preset_442() -> tuple[Layer, ...]:
    """The method's default layers: 40 % near ATM, 40 % mid rolled forward, 20 % deep-OTM tail."""
    return (
        Layer("near", 0.4, "M1", "ATM", roll_at_dte=14, roll_to="M2"),
        Layer("mid", 0.4, "M3", "+10%", roll_at_dte=30, roll_to="M4"),
        Layer("tail", 0.2, "M6", "+50%", roll_at_dte=60, roll_to="M7"),
    )


def preset_442_financed() -> tuple[Layer, ...]:
    """The 4/4/2 with the near layer financed by a 1x1 call spread: short the +50 % call."""
    near, mid, tail = preset_442()
    return (replace(near, legs=(Leg("short", "+50%", 1.0),)), mid, tail)


# -- resolving a layer against a market -------------------------------------

def parse_month(spec: str) -> int | None:
    """``"M3"`` -> 3; anything else -> None."""
    m = _MONTH_RE.match(spec.strip().upper()) if isinstance(spec, str) else None
    return int(m.group(1)) if m else None


def resolve_expiry(expiry: str | date, market: MarketSnapshot) -> date:
    """A date as given; ``M<n>`` by the calendar (the n-th monthly expiry after as_of)."""
    if isinstance(expiry, date):
        return expiry
    n = parse_month(expiry)
    if n is None:
        raise ValueError(f"expiry {expiry!r} is neither M<n> nor a date")
    from .months import resolve_month

    return resolve_month(n, market).expiry


def expiry_warnings(layers: tuple[Layer, ...], expiries, market: MarketSnapshot) -> list[str]:
    """An ``M<n>`` the curve does not list, a layer expiring after the last listed future,
    a ``roll_to`` beyond the listed curve: priced, with a warning."""
    from .months import months_past_curve, resolve_month

    out: list[str] = []
    live = market.live_futures
    last = live[-1].expiry if live else None
    for layer, e in zip(layers, expiries, strict=True):
        n = parse_month(layer.expiry) if isinstance(layer.expiry, str) else None
        if n is not None:
            month = resolve_month(n, market)
            if not month.listed:
                out.append(f"layer {layer.name!r}: {month.label} is not listed on the curve; priced on the interpolated curve")
        if last is not None and e > last:
            out.append(
                f"layer {layer.name!r}: expires {e.isoformat()}, after the last listed future ({last.isoformat()}); "
                "priced on a flat extrapolation of the curve"
            )
        k = parse_month(layer.roll_to) if layer.roll_to else None
        if k is not None and months_past_curve(k, market) > 0:
            out.append(
                f"layer {layer.name!r}: roll_to {layer.roll_to} is beyond the listed curve (last future {last}); "
                "its rolls are priced on a flat extrapolation"
            )
    return out


def listed_strike(level: float) -> float:
    """Round to the Cboe VIX option strike grid: 0.50 apart below 15, 1 apart above."""
    if level < 15.0:
        return max(0.5, round(level * 2.0) / 2.0)
    return float(round(level))


def parse_strike(spec: float | str) -> tuple[str, float]:
    """Classify a strike spec: ("abs", K), ("atm", 0.0) or ("pct", +0.10)."""
    if isinstance(spec, bool):
        raise ValueError("a strike is a number, \"ATM\" or \"+x%\"")
    if isinstance(spec, (int, float)):
        return ("abs", float(spec))
    text = spec.strip().upper()
    if text == "ATM":
        return ("atm", 0.0)
    m = _PCT_RE.match(text)
    if m:
        pct = float(m.group(2)) / 100.0
        return ("pct", pct if m.group(1) == "+" else -pct)
    try:
        return ("abs", float(text))
    except ValueError:
        raise ValueError(f"strike {spec!r} is not a number, \"ATM\" or \"+x%\"") from None


def resolve_strike(spec: float | str, future: float) -> float:
    """The strike a spec means for a layer whose future is at ``future``.

    "ATM" and "+x%" are rounded to the listed strike grid, since those are the only
    strikes one can trade; a number is taken as given.
    """
    kind, value = parse_strike(spec)
    if kind == "abs":
        return value
    return listed_strike(future * (1.0 + value))


def format_strike(spec: float | str) -> str:
    kind, value = parse_strike(spec)
    if kind == "abs":
        return f"{value:g}"
    if kind == "atm":
        return "ATM"
    return f"{value * 100:+g}%"


def weights_sum(layers: tuple[Layer, ...]) -> float:
    return math.fsum(layer.weight for layer in layers)
