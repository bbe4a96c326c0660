"""The funding cost: the premium's cost of capital over each layer's life."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from tui.cli import render_table
from tui.core.kit import funding_cost
from tui.core.plan_io import PlanError, dumps_plan, load_plan, parse_plan
from tui.core.price_json import valuation_to_json
from tui.core.valuation import value_plan
from tui.resources import default_plan_path


def test_funding_cost_by_hand():
    # $2M for 30 days and $1M for 365 days at 5 %: 2e6 (e^{0.05*30/365} - 1) + 1e6 (e^{0.05} - 1)
    hand = 2e6 * (math.exp(0.05 * 30 / 365) - 1) + 1e6 * (math.exp(0.05) - 1)
    assert funding_cost([2e6, 1e6], [30, 365], 0.05) == pytest.approx(hand, rel=1e-12)
    # 0.05*30/365 = 0.0041096; e^x - 1 = 0.0041180 (x + x^2/2 + x^3/6); e^0.05 - 1 = 0.0512711
    assert hand == pytest.approx(8_236.1 + 51_271.1, abs=0.5)
    assert funding_cost([2e6], [30], None) == 0.0
    assert funding_cost([-1e6], [365], 0.05) < 0  # a net credit earns carry


def test_plan_funding_cost_matches_layers():
    plan = load_plan(default_plan_path())
    assert value_plan(plan).sizing.funding_cost_usd == 0.0  # no rate, no cost: as today
    funded = replace(plan, exposure=replace(plan.exposure, funding_rate=0.06))
    v = value_plan(funded)
    hand = sum(lv.premium_usd * (math.exp(0.06 * lv.dte / 365) - 1) for lv in v.layers)
    assert v.sizing.funding_cost_usd == pytest.approx(hand, rel=1e-12) and hand > 0
    data = valuation_to_json(v)
    assert data["sizing"]["funding_cost_usd"] == pytest.approx(hand)
    assert data["sizing"]["funding_rate"] == 0.06
    assert "funding" in render_table(v)
    # the rest of the valuation does not move
    assert v.totals == value_plan(plan).totals


def test_funding_rate_round_trips_and_is_checked():
    plan = load_plan(default_plan_path())
    funded = replace(plan, exposure=replace(plan.exposure, funding_rate=0.045))
    assert parse_plan(dumps_plan(funded)).exposure.funding_rate == 0.045
    assert "funding_rate" not in dumps_plan(plan)  # absent stays absent
    bad = dumps_plan(plan).replace("[exposure]\n", "[exposure]\nfunding_rate = \"5%\"\n")
    with pytest.raises(PlanError) as info:
        parse_plan(bad, "p.toml")
    assert any("exposure.funding_rate" in m and "number" in m for m in info.value.messages)
