"""The editor accepts only what the loader accepts (issue 10, item 1), property-based.

Any sequence of editor actions (typed cells of every kind, nudges, adding, copying and
deleting layers, the preset, renormalising, switching the sizing) gives a plan that
saves, reloads equal and journals recoverably. An action the editor refuses is an
``EditError`` (a message for the user) and leaves the plan as it was.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _fuzz import DEFAULT_PLAN, examples
from tui.core import edits
from tui.core import journal as jr
from tui.core.edits import EditError
from tui.core.limits import MAX_CONTRACTS, MAX_LAYERS
from tui.core.plan_io import dumps_plan, load_plan, parse_plan, plan_problems

BASE = load_plan(DEFAULT_PLAN)
AS_OF = BASE.market.as_of

# What a user might type into a cell: good values, edge values, typos, hostile text.
TYPED = st.one_of(
    st.sampled_from([
        "0", "1", "0.3", "30%", "1e-5", "0.01", "5e-324", "1e9", "2e9", "1.2B", "5M", "$0.01", "-1", "nan", "inf",
        "ATM", "+10%", "-94%", "+1000%", "+1001%", "10000", "10001", "1e308", "M1", "M8", "M9", "M99",
        (AS_OF + timedelta(days=1)).isoformat(), (AS_OF + timedelta(days=3650)).isoformat(),
        (AS_OF + timedelta(days=3651)).isoformat(), "2205-01-20", AS_OF.isoformat(),
        "near", "a\u202eb", "zero\u200bwidth", "soft\u00adhyphen", "\ufeffbom", "tag\U000e0041", "\u3164",
        "x" * 24, "x" * 25, "  ", "a[/]", "\x1b[2J", "10000000", "10000001", "1,000", "_1_0",
    ]),
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**12, 10**12).map(str),
)
FIELDS = st.sampled_from(edits.FIELDS)
ROW = st.integers(0, MAX_LAYERS + 2)

ACTIONS = st.one_of(
    st.tuples(st.just("set"), ROW, FIELDS, TYPED),
    st.tuples(st.just("budget"), TYPED),
    st.tuples(st.just("nudge"), ROW, FIELDS, st.sampled_from([1, -1]), st.integers(1, 40)),
    st.tuples(st.just("add"), st.one_of(st.none(), ROW), st.integers(1, 60)),
    st.tuples(st.just("copy"), ROW),
    st.tuples(st.just("delete"), ROW),
    st.tuples(st.just("preset")),
    st.tuples(st.just("normalise")),
    st.tuples(
        st.just("sizing"), st.sampled_from(["budget", "coverage", "contracts"]),
        st.integers(0, MAX_CONTRACTS), st.floats(0.0, 1e13, allow_nan=False),
    ),
)


def _apply(plan, action):
    kind = action[0]
    if kind == "set":
        _, row, field, text = action
        return edits.set_cell(plan, row % max(len(plan.layers), 1), field, text)
    if kind == "budget":
        return edits.set_budget(plan, action[1])
    if kind == "nudge":  # a key held down: the nudge repeated
        _, row, field, direction, times = action
        for _ in range(times):
            plan = edits.nudge(plan, row % len(plan.layers), field, direction)
        return plan
    if kind == "add":
        _, row, times = action
        for _ in range(times):
            plan, _ = edits.add_layer(plan, None if row is None else row % len(plan.layers))
        return plan
    if kind == "copy":
        return edits.duplicate_layer(plan, action[1] % len(plan.layers))[0]
    if kind == "delete":
        return edits.delete_layer(plan, action[1] % len(plan.layers))
    if kind == "preset":
        return edits.apply_preset_442(plan)
    if kind == "normalise":
        return edits.renormalise(plan)
    _, mode, contracts, premium = action  # the app passes the valuation's (capped) contracts
    return edits.set_sizing_mode(plan, mode, [contracts] * len(plan.layers), premium)


def _saves_reloads_and_journals(plan, tmp: Path) -> None:
    assert plan_problems(plan) == []
    text = dumps_plan(plan)
    assert parse_plan(text) == plan
    file = tmp / "x.journal.toml"
    jr.write(file, jr.render(plan, None, None, edits=1))
    assert jr.read(file).plan == plan


@settings(max_examples=examples(60, 3000))
@given(st.sampled_from(["budget", "coverage", "contracts"]), st.lists(ACTIONS, min_size=1, max_size=12))
def test_any_editor_actions_give_a_plan_that_saves_reloads_and_journals(tmp_path_factory, mode, actions):
    tmp = tmp_path_factory.mktemp("edits")
    plan = edits.set_sizing_mode(BASE, mode, [100] * len(BASE.layers), 1_000_000.0)
    for action in actions:
        try:
            plan = _apply(plan, action)
        except EditError as error:
            assert str(error)  # refused with a message; the plan stays as it was
            continue
        _saves_reloads_and_journals(plan, tmp)


# -- the refusals found by hand (each broke the loader before) -------------------

@pytest.mark.parametrize(
    ("action", "bound"),
    [
        (lambda p: edits.set_cell(p, 0, "expiry", "2205-01-20"), "3650 days"),
        (lambda p: edits.set_cell(p, 0, "strike", "1e-5"), "at least 0.01"),
        (lambda p: edits.set_budget(p, "2e9"), "1,000,000,000"),
        (lambda p: edits.set_budget(p, "1.2B"), "1,000,000,000"),
        (lambda p: edits.set_cell(p, 0, "name", "a\u202eb"), "U+202E"),
        (lambda p: edits.set_cell(p, 0, "name", "zero\u200bwidth"), "U+200B"),
        (lambda p: edits.set_cell(p, 0, "strike", "+1001%"), "+1000%"),
    ],
)
def test_an_edit_the_loader_would_refuse_is_refused_naming_the_bound(action, bound):
    with pytest.raises(EditError) as refused:
        action(BASE)
    assert bound in str(refused.value)


def test_no_more_layers_than_the_loader_allows():
    plan = BASE
    with pytest.raises(EditError, match=f"at most {MAX_LAYERS} layers"):
        for _ in range(MAX_LAYERS + 1):
            plan, _ = edits.add_layer(plan)
    assert len(plan.layers) == MAX_LAYERS and plan_problems(plan) == []


def test_a_strike_nudged_up_stops_at_the_loaders_bound():
    plan = edits.set_cell(BASE, 0, "strike", "+995%")
    plan = edits.nudge(plan, 0, "strike", 1)
    with pytest.raises(EditError, match="1000%"):
        edits.nudge(plan, 0, "strike", 1)
    assert plan_problems(plan) == []


def test_the_preset_refuses_to_put_more_than_the_limit_in_one_layer():
    # found by the fuzz test: 46 layers of 520,834 contracts made a near layer of 10,000,013
    plan = edits.set_sizing_mode(BASE, "contracts", [9_000_000] * len(BASE.layers), 1_000_000.0)
    with pytest.raises(EditError, match="more than 10,000,000 contracts"):
        edits.apply_preset_442(plan)
