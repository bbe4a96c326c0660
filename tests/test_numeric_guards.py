"""Numeric guards: extreme but legal inputs give finite figures everywhere (value_plan and
``price --json``); impossible ones are refused at load with a message.

"Legal" is what plan_io accepts (its bounds are the module constants of
tui/core/limits.py); a property below draws plans from the whole legal range, edges
included, and checks every number of the valuation.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from _fuzz import CLI_LIMIT_S, DEFAULT_PLAN, examples, integer_overflow, non_finite, time_limit, warm_up
from cli_run import run_cli, run_process
from tui.core import limits as io
from tui.core.curve import Future, MarketSnapshot
from tui.core.plan import Exposure, Layer, Plan, Sizing
from tui.core.plan_io import PlanError, dumps_plan, load_plan, parse_plan, plan_problems
from tui.core.valuation import value_plan
from tui.core.volmodel import VolModel

warm_up()
DEFAULT_TEXT = DEFAULT_PLAN.read_text()
BASE = load_plan(DEFAULT_PLAN)


def assert_finite(plan: Plan):
    with time_limit(5.0, "value_plan"):
        v = value_plan(plan)
    bad = non_finite(v) + integer_overflow(v)
    assert not bad, f"non-finite figures: {bad[:6]}"
    return v


def edit(old: str, new: str, text: str = DEFAULT_TEXT) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def contracts_mode(text: str, n: int) -> str:
    text = edit('mode = "budget"\npremium_usd = 5_000_000', 'mode = "contracts"', text)
    return text.replace("roll_at_dte =", f"contracts = {n}\nroll_at_dte =")


EXTREME_BUT_LEGAL = {
    "VIX 150": edit("vix_spot = 38.57", "vix_spot = 150.0"),
    "VIX 150 and a curve at 140": edit("vix_spot = 38.57", "vix_spot = 150.0").replace("settle = 3", "settle = 14"),
    "strike 500": edit('strike = "ATM"', "strike = 500"),
    "strike 0.5": edit('strike = "ATM"', "strike = 0.5"),
    "one day to expiry": edit("{ expiry = 2024-08-21, settle = 32.0986 }", "{ expiry = 2024-08-06, settle = 32.0986 }"),
    "one day to expiry, layer by date": edit('expiry = "M1"', "expiry = 2024-08-06").replace(
        "{ expiry = 2024-08-21, settle = 32.0986 }", "{ expiry = 2024-08-06, settle = 32.0986 }"),
    "vol 5.0": edit("atm_front = 1.5\natm_long = 0.65", "atm_front = 5.0\natm_long = 5.0"),
    "vol 20 (the maximum) and skew 5": edit("atm_front = 1.5\natm_long = 0.65", "atm_front = 20.0\natm_long = 20.0").replace("skew = 0.3", "skew = 5.0"),
    "vol 1 % and skew -5": edit("atm_front = 1.5\natm_long = 0.65", "atm_front = 0.01\natm_long = 0.01").replace("skew = 0.3", "skew = -5.0"),
    "zero rate": edit("rate = 0.051", "rate = 0.0"),
    "negative rate": edit("rate = 0.051", "rate = -0.5"),
    "a million contracts": contracts_mode(DEFAULT_TEXT, 1_000_000),
    "zero contracts": contracts_mode(DEFAULT_TEXT, 0),
    "a layer between listed months": edit('expiry = "M3"', "expiry = 2024-10-01"),
    "a layer beyond the last month": edit('expiry = "M6"', "expiry = 2026-01-01"),
    "a curve of one month": edit(
        DEFAULT_TEXT[DEFAULT_TEXT.index("futures = [") : DEFAULT_TEXT.index("]\n", DEFAULT_TEXT.index("futures = [")) + 1],
        "futures = [ { expiry = 2024-08-21, settle = 32.0986 } ]",
    ).replace('expiry = "M3"', 'expiry = "M1"').replace('expiry = "M6"', "expiry = 2024-12-18").replace('name = "mid"', 'name = "mid"'),
    "coverage sizing": edit('mode = "budget"', 'mode = "coverage"'),
    "coverage sizing with beta 0": edit('mode = "budget"', 'mode = "coverage"').replace("beta_spx = 2.0", "beta_spx = 0"),
    "negative beta": edit("beta_spx = 2.0", "beta_spx = -20.0"),
    "a billion budget": edit("premium_usd = 5_000_000", "premium_usd = 1e9"),
    "a one-dollar budget": edit("premium_usd = 5_000_000", "premium_usd = 1"),
    "notional 1e15, vol 20, 99.999 % over ten years": edit("notional_usd = 2_000_000_000", "notional_usd = 1e15")
    .replace("vol_annual = 0.75", "vol_annual = 20.0").replace("var_confidence = 0.99", "var_confidence = 0.99999")
    .replace("var_horizon_days = 10", "var_horizon_days = 3650"),
    "a one-dollar exposure": edit("notional_usd = 2_000_000_000", "notional_usd = 1"),
    "strike +1000 %": edit('strike = "+50%"', 'strike = "+1000%"'),
    "strike -99 %": edit('strike = "+50%"', 'strike = "-99%"'),
    "ten-year curve": edit("{ expiry = 2025-03-18, settle = 23.601 }", "{ expiry = 2034-08-01, settle = 23.601 }").replace('expiry = "M6"', 'expiry = "M8"'),
}


@pytest.mark.parametrize("name", list(EXTREME_BUT_LEGAL))
def test_extreme_but_legal_inputs_give_finite_figures(name):
    plan = parse_plan(EXTREME_BUT_LEGAL[name], name)
    v = assert_finite(plan)
    assert all(layer.price >= 0.0 for layer in v.layers)
    assert parse_plan(dumps_plan(plan)) == plan


IMPOSSIBLE = {
    "negative strike": (edit('strike = "ATM"', "strike = -35"), "layers[0].strike", "positive"),
    "zero strike": (edit('strike = "ATM"', "strike = 0"), "layers[0].strike", "positive"),
    "strike below a cent": (edit('strike = "ATM"', "strike = 1e-9"), "layers[0].strike", "at least"),
    "zero vol": (edit("atm_front = 1.5", "atm_front = 0.0"), "market.vol.atm_front", "positive"),
    "vol below 1 %": (edit("atm_long = 0.65", "atm_long = 0.001"), "market.vol.atm_long", "at least"),
    "NaN vol": (edit("atm_front = 1.5", "atm_front = nan"), "market.vol.atm_front", "finite"),
    "NaN spot": (edit("vix_spot = 38.57", "vix_spot = nan"), "market.vix_spot", "finite"),
    "infinite settle": (edit("settle = 32.0986", "settle = inf"), "market.futures[0].settle", "finite"),
    "denormal settle": (edit("settle = 32.0986", "settle = 5e-324"), "market.futures[0].settle", "at least"),
    "NaN weight": (edit("weight = 0.4", "weight = nan"), "layers[0].weight", "finite"),
    "negative weight": (edit("weight = 0.4", "weight = -0.4"), "layers[0].weight", "at least"),
    "VIX of a million": (edit("vix_spot = 38.57", "vix_spot = 1e6"), "market.vix_spot", "at most"),
    "huge notional": (edit("notional_usd = 2_000_000_000", "notional_usd = 1e308"), "exposure.notional_usd", "at most"),
    "denormal beta": (edit("beta_spx = 2.0", "beta_spx = 5e-324"), "exposure.beta_spx", "0"),
    "huge budget": (edit("premium_usd = 5_000_000", "premium_usd = 1e300"), "sizing.premium_usd", "at most"),
    "2**63 contracts": (contracts_mode(DEFAULT_TEXT, 2**63), "layers[0].contracts", "at most"),
    "negative rate below -50 %": (edit("rate = 0.051", "rate = -0.9"), "market.rate", "at least"),
    "expiry in the year 9999": (edit('expiry = "M6"', "expiry = 9999-12-31"), "layers[2].expiry", "days after"),
    "as_of in the year 1": (edit("as_of = 2024-08-05", "as_of = 0001-01-01"), "market.as_of", "between"),
    "strike +1e6 %": (edit('strike = "+50%"', 'strike = "+1000000%"'), "layers[2].strike", "above the future"),
    "escape sequence in a name": (edit('name = "near"', 'name = "\\u001b[2Jnear"'), "layers[0].name", "control characters"),
    "C1 CSI in the plan name": (edit('name = "Bridge', 'name = "\\u009bBridge'), "name", "control characters"),
    "bidi override in the source": (edit('source = "', 'source = "\\u202e'), "market.source", "control characters"),
}


@pytest.mark.parametrize("name", list(IMPOSSIBLE))
def test_impossible_inputs_are_refused_with_a_message(name):
    text, key, needle = IMPOSSIBLE[name]
    with pytest.raises(PlanError) as info:
        parse_plan(text, "bad.toml")
    joined = "\n".join(info.value.messages)
    assert f": {key}: " in joined and needle in joined, joined
    assert "\x1b" not in joined and "\x9b" not in joined and "\u202e" not in joined


# -- the whole legal range, edges included ----------------------------------------

LEVEL = st.one_of(st.sampled_from([io.MIN_LEVEL, 0.5, 9.0, 38.57, 150.0, io.MAX_VIX]),
                  st.floats(io.MIN_LEVEL, io.MAX_VIX))


def between(lo, hi, *edges):
    return st.one_of(st.sampled_from([lo, hi, *edges]), st.floats(lo, hi))


@st.composite
def legal_plans(draw) -> Plan:
    as_of = draw(st.dates(io.AS_OF_RANGE[0], io.AS_OF_RANGE[1] - timedelta(days=io.MAX_DAYS_AHEAD)))
    n = draw(st.integers(1, 10))
    offsets = sorted(draw(st.lists(st.integers(1, io.MAX_DAYS_AHEAD), min_size=n, max_size=n, unique=True)))
    futures = tuple(Future(as_of + timedelta(days=d), draw(LEVEL)) for d in offsets)
    vol = VolModel(
        atm_front=draw(between(*io.VOL_BOUNDS, 5.0)),
        atm_long=draw(between(*io.VOL_BOUNDS, 0.5)),
        decay_days=draw(between(io.MIN_DECAY_DAYS, io.MAX_DECAY_DAYS, 1.0, 60.0)),
        skew=draw(between(*io.SKEW_BOUNDS, 0.0, 0.3)),
    )
    market = MarketSnapshot(as_of, draw(LEVEL), draw(between(*io.RATE_BOUNDS, 0.0)), futures, vol)
    exposure = Exposure(
        notional_usd=draw(between(*io.NOTIONAL_BOUNDS, 2e9)),
        beta_spx=draw(st.one_of(st.just(0.0), between(io.MIN_ABS_BETA, 20.0, 1.0), between(-20.0, -io.MIN_ABS_BETA))),
        vol_annual=draw(between(io.MIN_EXPOSURE_VOL, 20.0, 0.75)),
        var_confidence=draw(between(0.5, 0.99999, 0.99)),
        var_horizon_days=draw(st.integers(1, 3650)),
        coverage_target=draw(between(1e-6, 10.0, 0.2)),
    )
    mode = draw(st.sampled_from(["contracts", "budget", "coverage"]))
    sizing = Sizing(mode, draw(st.one_of(st.none(), between(1e-6, io.MAX_PREMIUM_USD, 5e6))) if mode != "budget"
                    else draw(between(1e-6, io.MAX_PREMIUM_USD, 5e6)), None)
    k = draw(st.integers(1, 6))
    raw = [draw(st.floats(0.0, 1.0)) for _ in range(k)]
    total = math.fsum(raw)
    weights = [w / total for w in raw] if total > 0 else [1.0 / k] * k
    if mode != "contracts":
        weights[-1] = max(0.0, 1.0 - math.fsum(weights[:-1]))
    layers = []
    for i in range(k):
        expiry = draw(st.one_of(st.integers(1, n).map(lambda m: f"M{m}"),
                                st.integers(1, io.MAX_DAYS_AHEAD).map(lambda d: as_of + timedelta(days=d))))
        strike = draw(st.one_of(st.just("ATM"), between(io.MIN_LEVEL, io.MAX_STRIKE, 500.0),
                                st.integers(-99, int(io.MAX_PCT_STRIKE * 100)).map(lambda p: f"{p:+d}%")))
        contracts = draw(st.integers(0, io.MAX_CONTRACTS)) if mode == "contracts" else None
        layers.append(Layer(f"layer {i}", weights[i], expiry, strike, contracts))
    return Plan("generated", market, exposure, sizing, tuple(layers))


@settings(max_examples=examples(150, 5000))
@given(legal_plans())
def test_every_legal_plan_values_finitely(plan):
    assert plan_problems(plan) == []  # legal by construction: the generator follows plan_io's bounds
    assert parse_plan(dumps_plan(plan)) == plan
    with time_limit(5.0, "value_plan"):
        v = value_plan(plan)
    bad = non_finite(v)
    assert not bad, f"non-finite figures: {bad[:6]}"
    assert not integer_overflow(v), integer_overflow(v)
    event(f"sizing {plan.sizing.mode}: contracts within int64")


# -- price --json ---------------------------------------------------------------------


def _no_constants(name):
    raise AssertionError(f"{name} in the JSON")


def walk_json(obj, path="$"):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk_json(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk_json(v, f"{path}[{i}]")
    else:
        yield path, obj


JSON_CASES = ["VIX 150", "strike 500", "one day to expiry", "vol 5.0", "zero rate", "a million contracts",
              "a layer between listed months", "a curve of one month", "coverage sizing with beta 0", "a one-dollar exposure"]


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == JSON_CASES[0] else n for n in JSON_CASES])
def test_price_json_is_finite(tmp_path, name):
    path = tmp_path / "plan.toml"
    path.write_text(EXTREME_BUT_LEGAL[name])
    # the first case in a real process (what a script sees), the others through main(argv)
    done = run_process("price", str(path), "--json", timeout=CLI_LIMIT_S) if name == JSON_CASES[0] else run_cli("price", str(path), "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    data = json.loads(done.stdout, parse_constant=_no_constants)
    for where, value in walk_json(data):
        if isinstance(value, float):
            assert math.isfinite(value), where
        if isinstance(value, str):
            assert "Traceback" not in value and "Error" not in value and "nan" != value.lower(), where
    assert len(data["layers"]) == len(parse_plan(EXTREME_BUT_LEGAL[name]).layers)
    for layer in data["layers"]:
        for key in ("future", "strike", "vol", "price", "delta", "gamma", "vega", "theta", "premium_usd"):
            assert isinstance(layer[key], float | int), (key, layer[key])
    for key in ("premium_usd", "delta_usd", "vega_usd", "theta_usd"):
        assert isinstance(data["totals"][key], float | int)
    assert isinstance(data["exposure"]["var_usd"], float | int)
    for s in data["scenarios"]:
        for key in ("hedge_pnl_usd", "exposure_pnl_usd", "net_pnl_usd"):
            assert isinstance(s[key], float | int)


def test_price_table_shows_no_nan(tmp_path):
    for name in JSON_CASES[:4]:
        path = tmp_path / "plan.toml"
        path.write_text(EXTREME_BUT_LEGAL[name])
        done = run_cli("price", str(path))
        assert done.returncode == 0, done.stderr[-2000:]
        lowered = done.stdout.lower()
        assert " nan" not in lowered and " inf" not in lowered and "traceback" not in lowered


# -- bugs found by the fuzzing, fixed in sizing.size_layers and scenarios.coverage_ratio ------


def _near_worthless_budget_plan() -> Plan:
    """A legal plan: the default budget on one M1 call 28 points out of the money, flat 50 % vol."""
    market = replace(BASE.market, vol=VolModel(0.5, 0.5, 60.0, 0.0))
    return replace(BASE, market=market, layers=(Layer("only", 1.0, "M1", 59.94),))


def test_budget_sizing_stays_within_the_contract_limit():
    plan = _near_worthless_budget_plan()
    assert plan_problems(plan) == []
    v = assert_finite(plan)
    assert 0 <= v.totals.contracts <= io.MAX_CONTRACTS, v.totals.contracts


def test_budget_sizing_never_wraps_around():
    plan = _near_worthless_budget_plan()
    plan = replace(plan, sizing=replace(plan.sizing, premium_usd=1e12))
    v = value_plan(plan)
    assert not integer_overflow(v), integer_overflow(v)


def test_coverage_of_a_negligible_loss_is_finite():
    from tui.core.scenarios import coverage_ratio

    ratio = coverage_ratio(1e6, -5e-324)
    assert ratio is None or math.isfinite(ratio)


def test_coverage_sizing_never_wraps_around():
    as_of = date(2000, 1, 1)
    market = MarketSnapshot(
        as_of, 0.01, -0.5,
        tuple(Future(as_of + timedelta(days=d), s) for d, s in [(1, 0.01), (2, 0.01), (3, 0.01), (4, 0.01), (5, 9.0), (6, 0.01)]),
        VolModel(atm_front=0.01, atm_long=0.01, decay_days=0.01, skew=5.0),
    )
    plan = Plan("found by the deep profile", market,
                Exposure(notional_usd=1e15, beta_spx=0.0, vol_annual=0.0001, var_confidence=0.99999,
                         var_horizon_days=1, coverage_target=10.0),
                Sizing("coverage", None, None),
                (Layer("layer 0", 1.0, as_of + timedelta(days=7), "ATM"),))
    assert plan_problems(plan) == []
    v = assert_finite(plan)
    assert 0 <= v.totals.contracts <= io.MAX_CONTRACTS, v.totals.contracts


def test_coverage_sizing_with_a_denormal_weight_beside_a_zero_one_buys_no_negative_contracts():
    """Found by test_every_legal_plan_values_finitely: weights (1.1e-308, 0) make the
    premium that meets the target infinite, and inf x 0 = NaN became -2**63 contracts."""
    import numpy as np

    from tui.core.limits import MAX_CONTRACTS
    from tui.core.sizing import coverage_contracts

    warnings: list[str] = []
    contracts = coverage_contracts(1e6, np.array([1000.0, 1000.0]), np.array([1.1e-308, 0.0]), np.array([100.0, 100.0]), warnings=warnings)
    assert contracts.dtype == np.int64
    assert contracts[1] == 0 and 0 <= contracts[0] <= MAX_CONTRACTS
    assert any("capped" in w for w in warnings)
