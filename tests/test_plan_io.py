"""Plan files: lossless round trips, atomic saves, and one clear message per bad input."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tui.core.plan import Layer, Plan, preset_442
from tui.core.plan_io import PlanError, dumps_plan, load_plan, parse_plan
from tui.core.plan_save import save_plan
from tui.resources import default_plan_path

GOOD = """\
schema = 1
name = "Test plan"

[market]
as_of = 2026-11-20
vix_spot = 35.0
rate = 0.04
futures = [
    { expiry = 2026-12-16, settle = 33.1 },
    { expiry = 2027-01-20, settle = 30.4 },
    { expiry = 2027-02-17, settle = 28.0 },
]

[market.vol]
atm_front = 1.10
atm_long = 0.55
decay_days = 90
skew = 0.35

[exposure]
notional_usd = 2_000_000_000
beta_spx = 2.0
vol_annual = 0.75
var_confidence = 0.99
var_horizon_days = 10
coverage_target = 0.20

[sizing]
mode = "budget"
premium_usd = 5_000_000

[[layers]]
name = "near"
weight = 0.4
expiry = "M1"
strike = "ATM"
roll_at_dte = 14
roll_to = "M2"

[[layers]]
name = "mid"
weight = 0.4
expiry = "M2"
strike = "+10%"

[[layers]]
name = "tail"
weight = 0.2
expiry = 2027-02-17
strike = 45
"""


def test_good_plan_reads_every_field():
    plan = parse_plan(GOOD, "good.toml")
    assert plan.name == "Test plan"
    assert plan.market.as_of == date(2026, 11, 20)
    assert [f.settle for f in plan.market.futures] == [33.1, 30.4, 28.0]
    assert plan.market.vol.skew == 0.35
    assert plan.exposure.notional_usd == 2e9
    assert plan.sizing.premium_usd == 5e6
    assert [layer.name for layer in plan.layers] == ["near", "mid", "tail"]
    assert plan.layers[0].roll_to == "M2" and plan.layers[0].roll_at_dte == 14
    assert plan.layers[1].strike == "+10%"
    assert plan.layers[2].expiry == date(2027, 2, 17) and plan.layers[2].strike == 45.0


def test_round_trip_is_lossless(tmp_path):
    plan = parse_plan(GOOD, "good.toml")
    path = save_plan(plan, tmp_path / "p.toml")
    again = load_plan(path)
    assert again == plan
    # and saving again gives the same bytes: a stable key order makes diffs clean
    assert dumps_plan(again) == path.read_text()


def test_round_trip_of_awkward_values(tmp_path):
    plan = parse_plan(GOOD, "good.toml")
    layers = (
        Layer("ünïcødé ✓", 0.3333333333333333, "M1", 33.123456789, contracts=7),
        Layer("b", 0.3333333333333333, date(2027, 1, 20), "-5%", contracts=0),
        Layer("c", 0.3333333333333334, "M3", "ATM", contracts=10**6, roll_at_dte=0, roll_to="M3"),
    )
    plan = replace(plan, layers=layers, sizing=replace(plan.sizing, mode="contracts", premium_usd=None))
    plan = replace(plan, exposure=replace(plan.exposure, notional_usd=1234567.891))
    path = save_plan(plan, tmp_path / "p.toml")
    assert load_plan(path) == plan


def test_default_plan_loads_and_is_442():
    plan = load_plan(default_plan_path())
    assert [layer.weight for layer in plan.layers] == [0.4, 0.4, 0.2]
    assert plan.market.regime().backwardation
    assert [(layer.expiry, layer.strike) for layer in preset_442()][0] == ("M1", "ATM")


def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    plan = parse_plan(GOOD, "good.toml")
    path = tmp_path / "p.toml"
    save_plan(plan, path)
    before = path.read_text()

    def boom(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    changed = replace(plan, name="changed")
    with pytest.raises(OSError):
        save_plan(changed, path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.toml"]  # no temp file left behind


def _errors(text: str) -> list[str]:
    with pytest.raises(PlanError) as info:
        parse_plan(text, "bad.toml")
    messages = info.value.messages
    assert messages and all(m.startswith("bad.toml") for m in messages)
    return messages


def _one(text: str, *needles: str) -> str:
    messages = _errors(text)
    joined = "\n".join(messages)
    for needle in needles:
        assert needle in joined, f"{needle!r} not in {joined!r}"
    return joined


def test_syntax_error_names_the_line():
    text = GOOD.replace('name = "mid"', 'name = "mid')
    line = text.splitlines().index('name = "mid') + 1
    joined = _one(text, "not valid TOML")
    assert f"bad.toml:{line}" in joined


def test_wrong_type_names_key_line_and_expectation():
    text = GOOD.replace("vix_spot = 35.0", 'vix_spot = "high"')
    line = text.splitlines().index('vix_spot = "high"') + 1
    joined = _one(text, "market.vix_spot", "expected a number", "'high'")
    assert f"bad.toml:{line}: market.vix_spot" in joined


def test_missing_key():
    _one(GOOD.replace("vix_spot = 35.0\n", ""), "market.vix_spot", "missing")


def test_missing_market_table():
    start = GOOD.index("[market]")
    end = GOOD.index("[exposure]")
    _one(GOOD[:start] + GOOD[end:], "market", "missing table")


def test_typo_key_is_named_with_a_suggestion():
    text = GOOD.replace("strike = 45", "strik = 45")
    line = text.splitlines().index("strik = 45") + 1
    joined = _one(text, "layers[2].strik", "unknown key", "did you mean 'strike'")
    assert f"bad.toml:{line}:" in joined


@pytest.mark.parametrize(
    "old,new,needles",
    [
        ("strike = 45", "strike = -45", ("layers[2].strike", "positive")),
        ("strike = 45", "strike = 0", ("layers[2].strike", "positive")),
        ('strike = "ATM"', 'strike = "near the money"', ("layers[0].strike", "ATM")),
        ('strike = "+10%"', 'strike = "-100%"', ("layers[1].strike", "zero")),
        ("notional_usd = 2_000_000_000", "notional_usd = -5", ("exposure.notional_usd", "positive")),
        ("notional_usd = 2_000_000_000", "notional_usd = 0", ("exposure.notional_usd", "positive")),
        ("vix_spot = 35.0", "vix_spot = 0.0", ("market.vix_spot", "positive")),
        ("vix_spot = 35.0", "vix_spot = nan", ("market.vix_spot", "finite")),
        ("rate = 0.04", "rate = inf", ("market.rate", "finite")),
        ("settle = 33.1", "settle = -inf", ("market.futures[0].settle", "finite")),
        ("weight = 0.2", "weight = 0.3", ("layers", "sum to 1.1")),
        ('expiry = "M1"', 'expiry = "M30"', ("layers[0].expiry", "beyond the last listed future")),
        ('expiry = "M1"', "expiry = 2026-11-20", ("layers[0].expiry", "on or before")),
        ('expiry = "M1"', "expiry = 2026-11-01", ("layers[0].expiry", "on or before")),
        ('expiry = "M1"', 'expiry = "next month"', ("layers[0].expiry", "M<n>")),
        ('mode = "budget"', 'mode = "yolo"', ("sizing.mode", "'contracts'")),
        ("schema = 1", "schema = 2", ("schema", "unknown schema 2")),
        ("schema = 1", 'schema = "1"', ("schema", "integer")),
        ('roll_to = "M2"', 'roll_to = "next"', ("layers[0].roll_to", "M2")),
        ("var_confidence = 0.99", "var_confidence = 1.5", ("exposure.var_confidence", "at most")),
        ('name = "near"', 'name = "mid"', ("layers[1].name", "duplicate")),
        ("{ expiry = 2027-01-20, settle = 30.4 }", "{ expiry = 2026-12-16, settle = 30.4 }", ("market.futures[1].expiry", "duplicate expiry")),
    ],
)
def test_bad_values_get_specific_messages(old, new, needles):
    assert old in GOOD
    _one(GOOD.replace(old, new, 1), *needles)


def test_empty_curve():
    start = GOOD.index("futures = [")
    end = GOOD.index("]\n", start) + 2
    _one(GOOD[:start] + "futures = []\n" + GOOD[end:], "market.futures", "empty")


def test_curve_with_no_live_month():
    text = GOOD.replace("as_of = 2026-11-20", "as_of = 2027-03-01")
    _one(text, "market.futures", "no live months")


def test_unknown_schema_stops_before_guessing():
    text = GOOD.replace("schema = 1", "schema = 7").replace("vix_spot = 35.0", "vix_spot = 'x'")
    messages = _errors(text)
    assert len(messages) == 1 and "schema 7" in messages[0]


def test_several_problems_are_all_reported():
    text = GOOD.replace("vix_spot = 35.0", "vix_spot = -1").replace("strike = 45", "strike = -1")
    messages = _errors(text)
    assert any("market.vix_spot" in m for m in messages)
    assert any("layers[2].strike" in m for m in messages)


def test_weights_need_not_sum_to_one_in_contracts_mode():
    text = GOOD.replace('mode = "budget"', 'mode = "contracts"').replace("premium_usd = 5_000_000", "")
    text = text.replace("weight = 0.2", "weight = 0.9\ncontracts = 5")
    text = text.replace('strike = "ATM"', 'strike = "ATM"\ncontracts = 1').replace('strike = "+10%"', 'strike = "+10%"\ncontracts = 2')
    plan = parse_plan(text, "ok.toml")
    assert [layer.contracts for layer in plan.layers] == [1, 2, 5]


def test_contracts_mode_requires_contracts():
    text = GOOD.replace('mode = "budget"', 'mode = "contracts"')
    _one(text, "layers[0].contracts", "missing")


def test_files_that_are_not_plans(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(PlanError, match="no such file"):
        load_plan(missing)
    with pytest.raises(PlanError, match="is a directory"):
        load_plan(tmp_path)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"schema = 1\n\xff\xfe\x00")
    with pytest.raises(PlanError, match="UTF-8"):
        load_plan(binary)
    with pytest.raises(PlanError) as info:
        load_plan(Path(__file__))  # Python, not TOML
    assert "not valid TOML" in str(info.value)


def test_plan_error_is_not_a_half_loaded_plan():
    # even when only the last layer is bad, nothing comes back
    with pytest.raises(PlanError):
        parse_plan(GOOD.replace("strike = 45", "strike = -45"), "bad.toml")


def test_plan_is_immutable():
    plan = parse_plan(GOOD, "good.toml")
    with pytest.raises(Exception):
        plan.name = "x"  # type: ignore[misc]
    assert isinstance(plan, Plan)


def test_default_plan_embeds_the_shipped_backwardation_snapshot():
    from tui.core.market_csv import load_snapshot_csv
    from tui.resources import sample_data_dir

    plan = load_plan(default_plan_path())
    snapshot = load_snapshot_csv(sample_data_dir() / "stress_backwardation_2024-08-05.csv")
    assert (plan.market.as_of, plan.market.vix_spot, plan.market.rate) == (snapshot.as_of, snapshot.vix_spot, snapshot.rate)
    assert plan.market.futures == snapshot.futures
    assert plan.market.vol == snapshot.vol
