"""A shock typed by hand: the three inputs (VIX±, vol×, days) as text, to and from a Scenario.

The scenario panel shows the active shock in three fields and lets the user type one.
What a field shows and what it accepts are decided here, not in the widget (as
``edits.py`` does for layers): :func:`scenario_texts` gives the fields' text for a shock
(rounded: a replay's vol scale of 1.1372 shows as 1.14), :func:`parse_scenario_inputs`
turns the three texts into a Scenario or raises :class:`ScenarioInputError` naming the one
field that is wrong and why, in words short enough for a narrow pane. No textual here.
"""

from __future__ import annotations

import math

from .scenarios import NO_SCENARIO, Scenario

CUSTOM = "custom"  # the name of a typed shock (a row of the scenario table while active)
MAX_DAYS = 3650
MAX_VOL_SCALE = 10.0
MAX_SHIFT = 500.0
FIELDS = ("shift", "vol", "days")
LABELS = {"shift": "VIX±", "vol": "vol×", "days": "days"}
DEFAULTS = {"shift": "0", "vol": "1", "days": "0"}  # what an emptied field means
UNFINISHED = ("", "-", "+", ".", "-.", "+.")  # text that is still being typed


class ScenarioInputError(ValueError):
    """A typed value that is not applied: ``field`` (one of FIELDS) and a short reason."""

    def __init__(self, field: str, text: str, reason: str) -> None:
        self.field = field
        self.text = text
        self.reason = reason
        shown = text if len(text) <= 8 else text[:7] + "…"
        super().__init__(f"{LABELS[field]} {shown} not applied: {reason}")


def scenario_params(scenario: Scenario, spot: float) -> tuple[float, float, int]:
    """(spot shift in points, vol scale, days forward) of a shock at this spot."""
    return (round(scenario.target_spot(spot) - spot, 4), scenario.vol_scale, scenario.days_forward)


def scenario_texts(scenario: Scenario, spot: float) -> tuple[str, str, str]:
    """What the three fields show for ``shock``: the shift to 0.1 point, the vol scale to
    two decimals, whole days (a replay's +45.548 points shows as +45.5)."""
    shift, vol, days = scenario_params(scenario, spot)
    shift = round(shift, 1)
    return (f"{shift:+g}" if shift else "0", f"{round(vol, 2):g}", str(days))


def shows(values, scenario: Scenario, spot: float) -> bool:
    """True when the fields' ``values`` are what the fields show for ``shock`` (so that a
    picked replay is not turned into a custom shock by its own rounded display)."""
    shown = scenario_texts(scenario, spot)
    try:
        return all(abs(float(a) - float(b)) < 1e-9 for a, b in zip(values, shown, strict=True))
    except ValueError:
        return False


def _number(field: str, text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ScenarioInputError(field, text, f"not {what}") from None
    if not math.isfinite(value):
        raise ScenarioInputError(field, text, "not a finite number")
    return value


def parse_field(field: str, text: str, spot: float) -> float:
    """One field's value, or :class:`ScenarioInputError` with the reason."""
    text = text.strip() or DEFAULTS[field]
    if field == "shift":
        value = _number(field, text, "a number of points")
        if spot + value <= 0.0:
            raise ScenarioInputError(field, text, f"VIX {spot:g} would go to 0 or below")
        if value > MAX_SHIFT:
            raise ScenarioInputError(field, text, f"at most +{MAX_SHIFT:g} points")
        return value
    if field == "vol":
        value = _number(field, text, "a number")
        if not 0.0 < value <= MAX_VOL_SCALE:
            raise ScenarioInputError(field, text, f"must be >0 and ≤{MAX_VOL_SCALE:g}")
        return value
    value = _number(field, text, "a number of days")
    if not value.is_integer() or not 0 <= value <= MAX_DAYS:
        raise ScenarioInputError(field, text, f"whole days, 0 to {MAX_DAYS}")
    return value


def parse_scenario_inputs(shift: str, vol: str, days: str, spot: float) -> Scenario:
    """The shock the three fields describe (NO_SCENARIO for 0 / 1 / 0); an empty field takes
    its default. Raises :class:`ScenarioInputError` for the first field that is wrong."""
    s = parse_field("shift", shift, spot)
    v = parse_field("vol", vol, spot)
    d = int(parse_field("days", days, spot))
    if s == 0.0 and v == 1.0 and d == 0:
        return NO_SCENARIO
    return Scenario(CUSTOM, spot_shift=s, vol_scale=v, days_forward=d)


def field_errors(values, spot: float) -> dict[str, ScenarioInputError]:
    """Every field that is wrong, by field name (empty when all three can be applied)."""
    out = {}
    for field, text in zip(FIELDS, values, strict=True):
        try:
            parse_field(field, text, spot)
        except ScenarioInputError as error:
            out[field] = error
    return out


def stepped_scenario(scenario: Scenario, spot: float, points: float) -> Scenario:
    """``[`` / ``]``: the active shock moved by ``points`` of spot VIX, as a typed shock
    (NO_SCENARIO when that lands back on today). Raises ScenarioInputError below zero."""
    shift = scenario.target_spot(spot) - spot + points
    if spot + shift <= 0.0:
        raise ScenarioInputError("shift", f"{shift:+g}", "the VIX cannot go to zero")
    if abs(shift) < 1e-9 and scenario.vol_scale == 1.0 and scenario.days_forward == 0:
        return NO_SCENARIO
    return Scenario(CUSTOM, spot_shift=round(shift, 4), vol_scale=scenario.vol_scale, days_forward=scenario.days_forward)
