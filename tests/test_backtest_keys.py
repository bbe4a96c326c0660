"""The plan keys the backtest reads: [backtest] entry/take_profit/start/end and a layer's
roll_when; optional, round-tripped, and refused with the key and line when wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from tui.core.plan import BacktestSettings
from tui.core.plan_io import PlanError, dumps_plan, load_plan, parse_plan
from tui.resources import default_plan_path

DEFAULT = default_plan_path().read_text()


def test_the_keys_are_optional_and_default_to_todays_behaviour():
    plan = load_plan(default_plan_path())
    assert plan.backtest == BacktestSettings()
    assert all(layer.roll_when is None for layer in plan.layers)
    assert "backtest" not in dumps_plan(plan) and "roll_when" not in dumps_plan(plan)


def test_keys_round_trip():
    text = DEFAULT.replace('roll_to = "M4"', 'roll_to = "M4"\nroll_when = "backwardation_eases"') + (
        '\n[backtest]\nentry = "backwardation"\ntake_profit = 3.0\nstart = 2008-01-02\nend = 2020-12-31\n'
    )
    plan = parse_plan(text, "p.toml")
    assert plan.backtest == BacktestSettings("backwardation", 3.0, date(2008, 1, 2), date(2020, 12, 31))
    assert [layer.roll_when for layer in plan.layers] == [None, "backwardation_eases", None]
    again = parse_plan(dumps_plan(plan), "again.toml")
    assert again == plan
    partial = replace(plan, backtest=BacktestSettings(entry="vix_over_vix3m"))
    assert parse_plan(dumps_plan(partial), "x.toml").backtest == BacktestSettings(entry="vix_over_vix3m")


@pytest.mark.parametrize(
    "extra, needle",
    [
        ('\n[backtest]\nentry = "sometimes"\n', "backtest.entry"),
        ("\n[backtest]\ntake_profit = 0.5\n", "backtest.take_profit"),
        ("\n[backtest]\ntake_profit = 1\n", "must be at least 1.01"),
        ("\n[backtest]\nstart = 2020-01-01\nend = 2019-01-01\n", "backtest.end"),
        ('\n[backtest]\nstart = "soon"\n', "backtest.start"),
        ("\n[backtest]\nstop_loss = 2\n", "stop_loss"),
    ],
)
def test_bad_backtest_keys_name_the_key_and_line(extra, needle):
    text = DEFAULT + extra
    with pytest.raises(PlanError) as info:
        parse_plan(text, "p.toml")
    message = "\n".join(info.value.messages)
    assert needle in message
    # "p.toml:<line>: backtest.<key>: ...", the line being that of the [backtest] table's key
    lines = text.splitlines()
    first_backtest = lines.index("[backtest]") + 1
    number = int(message.split(":")[1])
    assert first_backtest < number <= len(lines)


def test_bad_roll_when_names_the_layer():
    text = DEFAULT.replace('roll_to = "M4"', 'roll_to = "M4"\nroll_when = "whenever"')
    with pytest.raises(PlanError) as info:
        parse_plan(text, "p.toml")
    message = "\n".join(info.value.messages)
    assert "layers[1].roll_when" in message and "backwardation_eases" in message


def test_roll_schedule_shows_an_eased_roll_as_conditional_with_todays_slope():
    from tui.core.valuation import value_plan

    text = DEFAULT.replace('roll_to = "M4"', 'roll_to = "M4"\nroll_when = "backwardation_eases"')
    plan = parse_plan(text, "p.toml")
    rolls = value_plan(plan).rolls
    mid = [r for r in rolls if r.layer == "mid"]
    assert mid and all(r.note.startswith("conditional: earlier if backwardation eases") for r in mid)
    slope = (30.3911 / 32.0986 - 1.0) * 100.0  # the default plan's M2 / M1 on 2024-08-05
    assert f"M1->M2 today {slope:+.1f} %, backwardation" in mid[0].note
    assert all(not r.note.startswith("conditional") for r in rolls if r.layer != "mid")
