"""Editing a plan: pure functions from (plan, what the user typed) to a new plan.

Every function returns a new :class:`Plan` (or raises :class:`EditError` with a message
fit to show the user as is) and never touches its input, so the app can keep an undo
stack of plans and refuse a bad value without changing anything. No textual here.

Weights. In sizing modes ``budget`` and ``coverage`` the weights split the hedge and
must sum to 1 (a plan file whose weights do not is refused on load). So in those modes
an edit of one layer's weight keeps the edited value and rescales the *other* layers
in proportion, and adding, duplicating or deleting a layer keeps the sum at 1 too. In
mode ``contracts`` the weights are informational and are left exactly as typed.

Bounds. The editor accepts only what the plan loader accepts: every bound comes from
``limits`` (the loader's), and an edit that would break one is refused with a message
naming it, so whatever the editor makes saves, reloads and journals.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date

from . import limits
from .limits import MAX_CONTRACTS, MAX_DAYS_AHEAD, MAX_LAYERS, MAX_PCT_STRIKE, MAX_PREMIUM_USD, MAX_STRIKE, MIN_LEVEL
from .plan import (
    SIZING_MODES,
    Layer,
    Leg,
    Plan,
    Sizing,
    format_strike,
    listed_strike,
    parse_month,
    parse_strike,
    preset_442,
    preset_442_financed,
)
from .safe_text import text_problem

FIELDS = ("name", "weight", "expiry", "strike", "contracts")
WEIGHT_STEP = 0.05
STRIKE_PCT_STEP = 0.05
WEIGHT_DECIMALS = 4
MAX_NAME = 24  # what fits the table's name column; the file allows limits.MAX_NAME_CHARS
assert MAX_NAME <= limits.MAX_NAME_CHARS


class EditError(ValueError):
    """A value the user typed that cannot be used; ``str(error)`` is the message to show."""


def weights_must_sum_to_one(plan: Plan) -> bool:
    return plan.sizing.mode in ("budget", "coverage")


# -- showing a cell's current value as editable text ------------------------

def cell_text(plan: Plan, index: int, field: str) -> str:
    layer = plan.layers[index]
    if field == "name":
        return layer.name
    if field == "weight":
        return f"{layer.weight:g}"
    if field == "expiry":
        return layer.expiry.isoformat() if isinstance(layer.expiry, date) else str(layer.expiry)
    if field == "strike":
        return format_strike(layer.strike) + "".join(f" / {_leg_text(leg)}" for leg in layer.legs)
    if field == "contracts":
        return "" if layer.contracts is None else str(layer.contracts)
    raise EditError(f"{field} is computed, not edited")


# -- parsing ----------------------------------------------------------------

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$", re.IGNORECASE)


def _number(text: str, what: str) -> float:
    t = text.strip().replace(",", "").replace("_", "")
    if not t:
        raise EditError(f"{what}: type a value (esc cancels)")
    if not _NUMBER_RE.match(t):
        raise EditError(f"{what}: {text.strip()!r} is not a number")
    value = float(t)
    if not math.isfinite(value):
        raise EditError(f"{what}: {text.strip()!r} is not a finite number")
    return value


def parse_weight(text: str) -> float:
    """``0.3``, ``.3`` or ``30%`` -> 0.3; must lie in [0, 1]."""
    t = text.strip()
    percent = t.endswith("%")
    value = _number(t[:-1] if percent else t, "weight")
    if percent:
        value /= 100.0
    if not 0.0 <= value <= 1.0:
        raise EditError(f"weight: must be between 0 and 1 (or 0% and 100%), got {t}")
    return round(value, WEIGHT_DECIMALS + 2)


_MONEY_RE = re.compile(r"^\$?\s*([0-9][0-9,_]*(?:\.[0-9]*)?|\.[0-9]+)(?:e([+-]?\d+))?\s*([kmb])?$", re.IGNORECASE)
_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9}


def parse_money(text: str, what: str = "budget") -> float:
    """``5000000``, ``$5,000,000``, ``5M``, ``2.5m``, ``500k``, ``1.2B`` -> USD; must be positive."""
    t = text.strip()
    m = _MONEY_RE.match(t)
    if not m:
        raise EditError(f"{what}: {t!r} is not an amount (try 5000000, 5M or 500k)")
    value = float(m.group(1).replace(",", "").replace("_", ""))
    if m.group(2):
        value *= 10.0 ** int(m.group(2))
    if m.group(3):
        value *= _SCALE[m.group(3).lower()]
    if not math.isfinite(value) or value <= 0.0:
        raise EditError(f"{what}: must be a positive amount, got {t!r}")
    return value


def parse_strike_text(text: str) -> float | str:
    """A strike as typed: a number, ``ATM`` or ``+x%``/``-x%``; returns the plan's spec."""
    t = text.strip()
    if not t:
        raise EditError("strike: type a number, ATM or +x% (esc cancels)")
    try:
        kind, value = parse_strike(t)
    except ValueError:
        raise EditError(f"strike: expected a number, ATM or +x% of the future, got {t!r}") from None
    if kind == "abs":
        if not math.isfinite(value) or value <= 0.0:
            raise EditError(f"strike: must be a positive number, got {t}")
        if value < MIN_LEVEL:
            raise EditError(f"strike: must be at least {MIN_LEVEL:g}, got {t}")
        if value > MAX_STRIKE:
            raise EditError(f"strike: {value:g} is beyond any listed VIX strike (max {MAX_STRIKE:g})")
        return float(value)
    if kind == "atm":
        return "ATM"
    if value <= -1.0:
        raise EditError(f"strike: {t} would put the strike at or below zero")
    if value > MAX_PCT_STRIKE:
        raise EditError(f"strike: {t} is more than {MAX_PCT_STRIKE * 100:+g}% out of the money")
    return f"{value * 100:+g}%"


def parse_expiry_text(text: str, plan: Plan) -> str | date:
    """``M3`` (the calendar's third monthly expiry; an unlisted one is priced on the
    interpolated curve, with a warning) or an ISO date after the market's as_of."""
    from .months import MONTHS_BEYOND_CURVE, months_past_curve

    t = text.strip()
    market = plan.market
    live = len(market.live_futures)
    n = parse_month(t)
    if n is not None:
        past = months_past_curve(n, market)
        if past > MONTHS_BEYOND_CURVE:
            raise EditError(
                f"expiry: M{n} is {past} months beyond the last listed future; at most {MONTHS_BEYOND_CURVE} are allowed"
            )
        return f"M{n}"
    try:
        when = date.fromisoformat(t)
    except ValueError:
        raise EditError(f"expiry: expected M1..M{live} or a date like {market.as_of.isoformat()}, got {t!r}") from None
    if when <= market.as_of:
        raise EditError(f"expiry: {when} is on or before the market's as-of date {market.as_of}")
    if (when - market.as_of).days > MAX_DAYS_AHEAD:
        raise EditError(f"expiry: {when} is more than {MAX_DAYS_AHEAD} days after the market's as-of date {market.as_of}")
    return when


def parse_contracts(text: str) -> int:
    value = _number(text, "contracts")
    if not float(value).is_integer():
        raise EditError(f"contracts: must be a whole number, got {text.strip()}")
    if value < 0:
        raise EditError(f"contracts: must be zero or more, got {text.strip()}")
    if value > MAX_CONTRACTS:
        raise EditError(f"contracts: {value:,.0f} is more than {MAX_CONTRACTS:,}")
    return int(value)


def check_name(plan: Plan, index: int | None, name: str) -> str:
    n = name.strip()
    if not n:
        raise EditError("name: must not be empty")
    problem = text_problem(n, limits.MAX_NAME_CHARS)
    if problem:
        raise EditError(f"name: {problem}")
    if len(n) > MAX_NAME:
        raise EditError(f"name: at most {MAX_NAME} characters")
    for i, layer in enumerate(plan.layers):
        if i != index and layer.name == n:
            raise EditError(f"name: another layer is already called {n!r}")
    return n


# -- weights ------------------------------------------------------------------

def _tidy(weights: list[float], keep: int | None = None) -> list[float]:
    """Round to WEIGHT_DECIMALS and give the rounding residual to the largest weight
    other than ``keep``, so that the weights sum to 1 to float precision."""
    out = [round(w, WEIGHT_DECIMALS) for w in weights]
    candidates = [i for i in range(len(out)) if i != keep] or list(range(len(out)))
    residual = 1.0 - math.fsum(out)
    if candidates and abs(residual) > 0:
        j = max(candidates, key=lambda i: out[i])
        if out[j] + residual >= 0.0:
            out[j] = round(out[j] + residual, 12)
    return out


def _rebalanced(weights: list[float], fixed: int, value: float) -> list[float]:
    n = len(weights)
    if n == 1:
        if abs(value - 1.0) > 1e-9:
            raise EditError("weight: a single layer carries the whole hedge, so its weight is 1")
        return [1.0]
    others = [i for i in range(n) if i != fixed]
    rest = 1.0 - value
    total = math.fsum(weights[i] for i in others)
    out = list(weights)
    out[fixed] = value
    for i in others:
        out[i] = weights[i] * rest / total if total > 1e-12 else rest / len(others)
    return _tidy(out, keep=fixed)


def normalised(weights: list[float]) -> list[float]:
    total = math.fsum(weights)
    if total <= 1e-12:
        return _tidy([1.0 / len(weights)] * len(weights)) if weights else []
    return _tidy([w / total for w in weights])


def _with_weights(plan: Plan, weights: list[float]) -> Plan:
    layers = tuple(replace(layer, weight=w) for layer, w in zip(plan.layers, weights, strict=True))
    return replace(plan, layers=layers)


def set_weight(plan: Plan, index: int, value: float) -> Plan:
    if weights_must_sum_to_one(plan):
        return _with_weights(plan, _rebalanced([layer.weight for layer in plan.layers], index, value))
    return plan.with_layer(index, weight=value)


def weight_note(old: Plan, new: Plan, edited: int) -> str:
    """What an edit of layer ``edited``'s weight did to the other layers, for the message
    line ("" when nothing else moved): ``rescaled to sum 1: near 0.4→0.35, mid 0.4→0.35``,
    or, when the others were all 0 (their split is gone), ``others were 0, split equally: …``."""
    if len(old.layers) != len(new.layers):
        return ""
    moved = [
        (a.name, a.weight, b.weight)
        for i, (a, b) in enumerate(zip(old.layers, new.layers, strict=True))
        if i != edited and abs(a.weight - b.weight) > 1e-12
    ]
    if not moved:
        return ""
    if all(w == 0.0 for _, w, _ in moved):
        return "others were 0, split equally: " + ", ".join(f"{n} {w:g}" for n, _, w in moved)
    return "rescaled to sum 1: " + ", ".join(f"{n} {a:g}→{b:g}" for n, a, b in moved)


def weight_texts(weights: list[float]) -> tuple[list[str], str]:
    """The weights as the table shows them, and their total: two decimals, or three when
    a weight needs them (0.375), rounded so that the column visibly adds up to the total
    shown (largest remainder: 1/3 each shows as 0.334, 0.333, 0.333 and total 1.000)."""
    decimals = 2 if all(abs(round(w, 2) - w) < 1e-9 for w in weights) else 3
    scale = 10**decimals
    total = round(math.fsum(weights) * scale)
    floors = [math.floor(w * scale + 1e-9) for w in weights]
    short = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: weights[i] * scale - floors[i], reverse=True)
    for i in order[: max(short, 0)]:
        floors[i] += 1
    return [f"{f / scale:.{decimals}f}" for f in floors], f"{total / scale:.{decimals}f}"


def renormalise(plan: Plan) -> Plan:
    """Scale the weights so they sum to 1 (equal shares when they are all zero)."""
    return _with_weights(plan, normalised([layer.weight for layer in plan.layers]))


# -- setting a cell from text -----------------------------------------------

def set_cell(plan: Plan, index: int, field: str, text: str) -> Plan:
    """The plan with layer ``index``'s ``field`` set from ``text``; EditError if unusable."""
    if not 0 <= index < len(plan.layers):
        raise EditError("no such layer")
    if field == "name":
        return plan.with_layer(index, name=check_name(plan, index, text))
    if field == "weight":
        return set_weight(plan, index, parse_weight(text))
    if field == "expiry":
        return plan.with_layer(index, expiry=parse_expiry_text(text, plan))
    if field == "strike":
        strike, legs = parse_strike_and_legs(text, plan.layers[index])
        return plan.with_layer(index, strike=strike, legs=legs)
    if field == "contracts":
        if plan.sizing.mode != "contracts":
            raise EditError(
                f"contracts: in sizing mode {plan.sizing.mode!r} they follow from the "
                f"{'budget' if plan.sizing.mode == 'budget' else 'coverage target'}; press m to size by contracts"
            )
        return plan.with_layer(index, contracts=parse_contracts(text))
    raise EditError(f"{field} is computed from the plan; edit name, weight, expiry, strike or contracts")


def set_budget(plan: Plan, text: str) -> Plan:
    if plan.sizing.mode != "budget":
        raise EditError(f"budget: the plan is sized by {plan.sizing.mode}; press m to switch to budget")
    budget = parse_money(text)
    if budget > MAX_PREMIUM_USD:
        raise EditError(f"budget: at most ${MAX_PREMIUM_USD:,.0f} (got {text.strip()})")
    return replace(plan, sizing=replace(plan.sizing, premium_usd=budget))


# -- nudges -------------------------------------------------------------------

def _strike_step(level: float) -> float:
    return 0.5 if level < 15.0 else 1.0


def nudge_strike(spec: float | str, direction: int) -> float | str:
    kind, value = parse_strike(spec)
    if kind == "abs":
        stepped = value + direction * _strike_step(value if direction > 0 else value - 0.01)
        new = listed_strike(stepped)
        if new == value:  # off-grid strikes snap to the grid first
            new = listed_strike(value + direction * 1.0)
        if new < MIN_LEVEL:
            raise EditError("strike: cannot go lower")
        if new > MAX_STRIKE:
            raise EditError(f"strike: cannot go above {MAX_STRIKE:g}")
        return float(new)
    pct = round(value + direction * STRIKE_PCT_STEP, 6)
    if pct <= -0.95:
        raise EditError("strike: cannot go further below the future")
    if pct > MAX_PCT_STRIKE:
        raise EditError(f"strike: cannot go further above the future ({MAX_PCT_STRIKE * 100:+g}% at most)")
    if abs(pct) < 1e-9:
        return "ATM"
    return f"{pct * 100:+g}%"


def _contracts_step(n: int) -> int:
    if n >= 10_000:
        return 1000
    if n >= 1000:
        return 100
    if n >= 100:
        return 10
    return 1


def nudge_expiry(plan: Plan, spec: str | date, direction: int) -> str:
    """One calendar month up or down, within the listed curve (M1 .. the last listed month)."""
    from .months import months_past_curve, resolve_month

    market = plan.market
    last = max(1, 1 - months_past_curve(1, market))  # the calendar index of the last listed month
    n = parse_month(spec) if isinstance(spec, str) else None
    if n is None:  # a date: step to the calendar month after / before it
        when = spec if isinstance(spec, date) else date.fromisoformat(str(spec))
        expiries = {k: resolve_month(k, market).expiry for k in range(1, last + 1)}
        months = [k for k, e in expiries.items() if (e > when if direction > 0 else e < when)]
        if not months:
            raise EditError("expiry: no listed month " + ("after" if direction > 0 else "before") + f" {when}")
        return f"M{months[0] if direction > 0 else months[-1]}"
    new = n + direction
    if not 1 <= new <= last:
        raise EditError(f"expiry: the curve reaches M1..M{last}")
    return f"M{new}"


def nudge(plan: Plan, index: int, field: str, direction: int) -> Plan:
    """Step ``field`` of layer ``index`` one notch up (+1) or down (-1).

    strike: one listed strike (1 point, 0.5 below 15) for a number, 5 % for ATM/+x%;
    weight: 0.05; contracts: about 1 % (1, 10, 100 or 1000); expiry: one listed month.
    """
    if direction not in (1, -1):
        raise ValueError("direction is +1 or -1")
    if not 0 <= index < len(plan.layers):
        raise EditError("no such layer")
    layer = plan.layers[index]
    if field == "strike":
        return plan.with_layer(index, strike=nudge_strike(layer.strike, direction))
    if field == "weight":
        w = round(layer.weight + direction * WEIGHT_STEP, WEIGHT_DECIMALS)
        if w < 0.0 or w > 1.0:
            raise EditError("weight: stays between 0 and 1")
        return set_weight(plan, index, w)
    if field == "contracts":
        if plan.sizing.mode != "contracts":
            raise EditError(f"contracts: sized by {plan.sizing.mode}; press m to size by contracts")
        c = layer.contracts or 0
        new = c + direction * _contracts_step(c if direction > 0 else max(c - 1, 0))
        if new < 0:
            raise EditError("contracts: cannot go below zero")
        return plan.with_layer(index, contracts=min(new, MAX_CONTRACTS))
    if field == "expiry":
        return plan.with_layer(index, expiry=nudge_expiry(plan, layer.expiry, direction))
    raise EditError(f"{field}: nothing to nudge here; +/- work on weight, expiry, strike and contracts")


# -- layers -------------------------------------------------------------------

def _unique_name(plan: Plan, base: str) -> str:
    names = {layer.name for layer in plan.layers}
    base = base[:MAX_NAME].strip() or "layer"
    if base not in names:
        return base
    stem = re.sub(r"\s+\d+$", "", base)
    k = 2
    while (name := f"{stem[: MAX_NAME - len(str(k)) - 1]} {k}") in names:
        k += 1
    return name


def _room_for_a_layer(plan: Plan) -> None:
    if len(plan.layers) >= MAX_LAYERS:
        raise EditError(f"a plan holds at most {MAX_LAYERS} layers")


def add_layer(plan: Plan, after: int | None = None) -> tuple[Plan, int]:
    """A new ATM layer on M1 with weight 0 (so nothing else changes) after ``after``."""
    _room_for_a_layer(plan)
    at = len(plan.layers) if after is None else after + 1
    contracts = 0 if plan.sizing.mode == "contracts" else None
    new = Layer(_unique_name(plan, f"layer {len(plan.layers) + 1}"), 0.0, "M1", "ATM", contracts)
    layers = plan.layers[:at] + (new,) + plan.layers[at:]
    return replace(plan, layers=layers), at


def duplicate_layer(plan: Plan, index: int) -> tuple[Plan, int]:
    """A copy right after layer ``index``; when weights must sum to 1 the two share its weight."""
    if not 0 <= index < len(plan.layers):
        raise EditError("no such layer")
    _room_for_a_layer(plan)
    layer = plan.layers[index]
    weight = layer.weight
    if weights_must_sum_to_one(plan):
        weight = round(layer.weight / 2.0, WEIGHT_DECIMALS + 2)
    copy = replace(layer, name=_unique_name(plan, layer.name + " 2"), weight=weight)
    layers = list(plan.layers)
    layers[index] = replace(layer, weight=round(layer.weight - weight, WEIGHT_DECIMALS + 2) if weights_must_sum_to_one(plan) else layer.weight)
    layers.insert(index + 1, copy)
    new = replace(plan, layers=tuple(layers))
    if weights_must_sum_to_one(new):
        new = _with_weights(new, _tidy([layer.weight for layer in new.layers]))
    return new, index + 1


def delete_layer(plan: Plan, index: int) -> Plan:
    if len(plan.layers) <= 1:
        raise EditError("a plan needs at least one layer")
    if not 0 <= index < len(plan.layers):
        raise EditError("no such layer")
    new = replace(plan, layers=plan.layers[:index] + plan.layers[index + 1 :])
    return renormalise(new) if weights_must_sum_to_one(new) else new


def apply_preset_442(plan: Plan) -> Plan:
    """Replace the layers with the method's 4/4/2 preset (near ATM, mid +10 %, tail +50 %)."""
    layers = preset_442()
    if plan.sizing.mode == "contracts":
        total = sum(layer.contracts or 0 for layer in plan.layers) or 1000
        layers = tuple(replace(layer, contracts=int(round(total * layer.weight))) for layer in layers)
        if any(layer.contracts is not None and layer.contracts > MAX_CONTRACTS for layer in layers):
            raise EditError(f"preset: a layer would hold more than {MAX_CONTRACTS:,} contracts")
    return replace(plan, layers=layers)


_LEG_RATIO_RE = re.compile(r"^([0-9]+(?:\.[0-9]*)?)\s*x\s*(.+)$", re.IGNORECASE)


def _leg_text(leg: Leg) -> str:
    ratio = "" if leg.ratio == 1 else f"{leg.ratio:g}x"
    return ratio + format_strike(leg.strike)


def parse_strike_and_legs(text: str, layer: Layer) -> tuple[float | str, tuple[Leg, ...]]:
    """``"ATM"`` sets the long strike (and takes off any legs); ``"ATM / +50%"`` finances
    it with a short call at +50 %; ``"ATM / 2x+40%"`` sells two. A leg keeps its side and
    expiry when it was already there."""
    parts = [part.strip() for part in text.split("/")]
    strike = parse_strike_text(parts[0])
    legs: list[Leg] = []
    for j, part in enumerate(parts[1:]):
        if not part:
            raise EditError("strike: write the long strike, then \" / \" and each short leg's strike, e.g. ATM / +50%")
        ratio = 1.0
        m = _LEG_RATIO_RE.match(part)
        if m:
            ratio = float(m.group(1))
            part = m.group(2)
            lo, hi = limits.LEG_RATIO_BOUNDS
            if not lo < ratio <= hi:
                raise EditError(f"strike: a leg's ratio is above {lo:g} and at most {hi:g} contracts per long contract")
        old = layer.legs[j] if j < len(layer.legs) else FINANCING_LEG
        legs.append(replace(old, strike=parse_strike_text(part), ratio=ratio))
    if len(legs) > limits.MAX_LEGS:
        raise EditError(f"strike: at most {limits.MAX_LEGS} legs per layer")
    return strike, tuple(legs)


def apply_preset_442_financed(plan: Plan) -> Plan:
    """The 4/4/2 with the near layer financed by a 1x1 call spread (short the +50 % call)."""
    financed = preset_442_financed()
    plain = apply_preset_442(plan)  # the same contracts (in contracts mode) as the 4/4/2
    return replace(plain, layers=tuple(replace(p, legs=f.legs) for p, f in zip(plain.layers, financed, strict=True)))


FINANCING_LEG = Leg("short", "+50%", 1.0)


def toggle_financing(plan: Plan, index: int) -> tuple[Plan, bool]:
    """Add a 1x1 short call at +50 % to a layer (a call spread), or take its legs off.

    Returns the new plan and whether the layer is financed now.
    """
    if not 0 <= index < len(plan.layers):
        raise EditError("no such layer")
    layer = plan.layers[index]
    if layer.legs:
        return plan.with_layer(index, legs=()), False
    kind, value = parse_strike(layer.strike)
    if kind == "pct" and value >= 0.5:
        raise EditError(f"{layer.name}: its strike {format_strike(layer.strike)} is at or above the +50% a financing leg sells")
    return plan.with_layer(index, legs=(FINANCING_LEG,)), True


def set_sizing_mode(plan: Plan, mode: str, contracts: list[int] | None = None, premium_usd: float | None = None) -> Plan:
    """Switch how the hedge is sized without making the numbers jump.

    Going to ``contracts`` fills each layer with the contracts it holds now; going to
    ``budget`` keeps the budget, or takes today's premium when the plan had none;
    ``budget``/``coverage`` need weights that sum to 1, so they are renormalised.
    """
    if mode not in SIZING_MODES:
        raise EditError(f"sizing: expected one of {', '.join(SIZING_MODES)}, got {mode!r}")
    layers = plan.layers
    if mode == "contracts":
        if contracts is not None:
            if len(contracts) != len(layers):
                raise ValueError("one contract count per layer")
            layers = tuple(replace(layer, contracts=int(c)) for layer, c in zip(layers, contracts, strict=True))
        else:
            layers = tuple(replace(layer, contracts=layer.contracts or 0) for layer in layers)
    if any(layer.contracts is not None and layer.contracts > MAX_CONTRACTS for layer in layers):
        raise EditError(f"sizing: a layer would hold more than {MAX_CONTRACTS:,} contracts")
    budget = plan.sizing.premium_usd
    if mode == "budget" and budget is None:
        budget = premium_usd if premium_usd and premium_usd > 0 else 5_000_000.0
        if budget > MAX_PREMIUM_USD:
            raise EditError(f"sizing: today's premium ${budget:,.0f} is more than a budget may be (${MAX_PREMIUM_USD:,.0f})")
    new = replace(plan, layers=layers, sizing=Sizing(mode=mode, premium_usd=budget, stress_scenario=plan.sizing.stress_scenario))
    if mode in ("budget", "coverage") and abs(math.fsum(layer.weight for layer in new.layers) - 1.0) > 1e-9:
        new = renormalise(new)
    return new


def next_sizing_mode(mode: str) -> str:
    order = ("budget", "coverage", "contracts")
    return order[(order.index(mode) + 1) % len(order)] if mode in order else "budget"
