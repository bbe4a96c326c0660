"""Pure plan edits (tui.core.edits): every edit gives a new, loadable plan or a clear EditError."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest

from tui.core import edits
from tui.core.edits import EditError
from tui.core.plan_io import dumps_plan, parse_plan


@pytest.fixture(scope="module")
def plan(default_plan):
    return default_plan


def wsum(p):
    return math.fsum(layer.weight for layer in p.layers)


def reloads(p):
    """The edited plan survives a save/load round trip (a file that loads)."""
    again = parse_plan(dumps_plan(p), "<edited>")
    assert again == p
    return again


# -- set_cell -----------------------------------------------------------------

def test_set_strike_number_atm_and_percent(plan):
    p = edits.set_cell(plan, 0, "strike", " 35 ")
    assert p.layers[0].strike == 35.0 and plan.layers[0].strike == "ATM"
    assert edits.set_cell(p, 0, "strike", "atm").layers[0].strike == "ATM"
    assert edits.set_cell(plan, 1, "strike", "+15%").layers[1].strike == "+15%"
    reloads(p)


@pytest.mark.parametrize(
    "text, fragment",
    [("abc", "expected a number"), ("-5", "positive"), ("0", "positive"), ("", "type a number"), ("-100%", "at or below zero"), ("10001", "beyond")],
)
def test_bad_strike_is_refused_with_a_message(plan, text, fragment):
    with pytest.raises(EditError, match=fragment):
        edits.set_cell(plan, 0, "strike", text)


def test_weight_edit_rebalances_the_others_in_budget_mode(plan):
    p = edits.set_cell(plan, 2, "weight", "0.3")
    assert [layer.weight for layer in p.layers] == pytest.approx([0.35, 0.35, 0.3])
    assert wsum(p) == pytest.approx(1.0, abs=1e-12)
    assert edits.set_cell(plan, 2, "weight", "30%").layers == p.layers
    reloads(p)


def test_weight_edit_is_free_in_contracts_mode(plan):
    c = edits.set_sizing_mode(plan, "contracts", [100, 200, 300])
    p = edits.set_cell(c, 2, "weight", "0.5")
    assert [layer.weight for layer in p.layers] == [0.4, 0.4, 0.5]
    assert [layer.contracts for layer in p.layers] == [100, 200, 300]


@pytest.mark.parametrize("text", ["1.5", "-0.1", "x", "150%"])
def test_bad_weight_is_refused(plan, text):
    with pytest.raises(EditError, match="weight"):
        edits.set_cell(plan, 0, "weight", text)


def test_expiry_month_and_date(plan):
    assert edits.set_cell(plan, 0, "expiry", "m2").layers[0].expiry == "M2"
    assert edits.set_cell(plan, 0, "expiry", "2024-09-18").layers[0].expiry == date(2024, 9, 18)
    # M9 is past the listed curve (M1..M8): allowed, priced with a warning; M30 is refused
    assert edits.set_cell(plan, 0, "expiry", "M9").layers[0].expiry == "M9"
    with pytest.raises(EditError, match="beyond the last listed future"):
        edits.set_cell(plan, 0, "expiry", "M30")
    with pytest.raises(EditError, match="on or before"):
        edits.set_cell(plan, 0, "expiry", "2024-08-01")
    with pytest.raises(EditError, match="expected M1..M8"):
        edits.set_cell(plan, 0, "expiry", "soon")


def test_name_rules(plan):
    assert edits.set_cell(plan, 0, "name", " front ").layers[0].name == "front"
    for bad, msg in [("", "empty"), ("mid", "already"), ("a\tb", "control"), ("x" * 40, "at most")]:
        with pytest.raises(EditError, match=msg):
            edits.set_cell(plan, 0, "name", bad)


def test_contracts_only_in_contracts_mode(plan):
    with pytest.raises(EditError, match="press m"):
        edits.set_cell(plan, 0, "contracts", "100")
    c = edits.set_sizing_mode(plan, "contracts", [1, 2, 3])
    assert edits.set_cell(c, 0, "contracts", "1,500").layers[0].contracts == 1500
    for bad in ("1.5", "-1", "lots"):
        with pytest.raises(EditError, match="contracts"):
            edits.set_cell(c, 0, "contracts", bad)


def test_computed_columns_are_not_editable(plan):
    with pytest.raises(EditError, match="computed"):
        edits.set_cell(plan, 0, "price", "3")


def test_cell_text_round_trips(plan):
    for i in range(len(plan.layers)):
        for f in ("name", "weight", "expiry", "strike"):
            assert edits.set_cell(plan, i, f, edits.cell_text(plan, i, f)) == plan


# -- nudges ---------------------------------------------------------------------

def test_nudge_strike_keeps_its_kind(plan):
    assert edits.nudge(plan, 0, "strike", +1).layers[0].strike == "+5%"
    assert edits.nudge(plan, 1, "strike", -1).layers[1].strike == "+5%"
    assert edits.nudge(edits.nudge(plan, 1, "strike", -1), 1, "strike", -1).layers[1].strike == "ATM"
    p = edits.set_cell(plan, 0, "strike", "32")
    assert edits.nudge(p, 0, "strike", +1).layers[0].strike == 33.0
    assert edits.nudge(p, 0, "strike", -1).layers[0].strike == 31.0
    low = edits.set_cell(plan, 0, "strike", "15")
    assert edits.nudge(low, 0, "strike", -1).layers[0].strike == 14.5
    assert edits.nudge(edits.nudge(low, 0, "strike", -1), 0, "strike", +1).layers[0].strike == 15.0


def test_nudge_weight_rebalances(plan):
    p = edits.nudge(plan, 2, "weight", +1)
    assert p.layers[2].weight == pytest.approx(0.25)
    assert wsum(p) == pytest.approx(1.0, abs=1e-12)
    reloads(p)


def test_nudge_expiry_and_limits(plan):
    assert edits.nudge(plan, 0, "expiry", +1).layers[0].expiry == "M2"
    with pytest.raises(EditError, match="M1..M8"):
        edits.nudge(plan, 0, "expiry", -1)
    d = edits.set_cell(plan, 0, "expiry", "2024-09-01")
    assert edits.nudge(d, 0, "expiry", +1).layers[0].expiry == "M2"
    assert edits.nudge(d, 0, "expiry", -1).layers[0].expiry == "M1"


def test_nudge_contracts(plan):
    c = edits.set_sizing_mode(plan, "contracts", [6047, 50, 0])
    assert edits.nudge(c, 0, "contracts", +1).layers[0].contracts == 6147
    assert edits.nudge(c, 1, "contracts", -1).layers[1].contracts == 49
    with pytest.raises(EditError, match="below zero"):
        edits.nudge(c, 2, "contracts", -1)
    with pytest.raises(EditError, match="press m"):
        edits.nudge(plan, 0, "contracts", +1)


def test_nudge_on_a_computed_column(plan):
    with pytest.raises(EditError, match="nothing to nudge"):
        edits.nudge(plan, 0, "vol", +1)


# -- layers -------------------------------------------------------------------

def test_add_duplicate_delete_keep_weights_summing_to_one(plan):
    p, at = edits.add_layer(plan, 0)
    assert at == 1 and p.layers[1].weight == 0.0 and len(p.layers) == 4
    assert wsum(p) == pytest.approx(1.0)
    reloads(p)
    d, at = edits.duplicate_layer(plan, 0)
    assert at == 1 and d.layers[1].name == "near 2"
    assert [layer.weight for layer in d.layers] == pytest.approx([0.2, 0.2, 0.4, 0.2])
    reloads(d)
    x = edits.delete_layer(plan, 2)
    assert [layer.weight for layer in x.layers] == pytest.approx([0.5, 0.5])
    reloads(x)
    one = edits.delete_layer(x, 0)
    with pytest.raises(EditError, match="at least one"):
        edits.delete_layer(one, 0)
    with pytest.raises(EditError, match="single layer"):
        edits.set_cell(one, 0, "weight", "0.5")


def test_unique_names(plan):
    p, _ = edits.duplicate_layer(plan, 0)
    p, _ = edits.duplicate_layer(p, 0)
    assert [layer.name for layer in p.layers][:3] == ["near", "near 3", "near 2"]


def test_preset_and_renormalise(plan):
    messy = edits.set_sizing_mode(plan, "contracts", [1, 1, 1])
    messy = edits.set_cell(messy, 0, "weight", "0.9")
    assert wsum(messy) == pytest.approx(1.5)
    r = edits.renormalise(messy)
    assert [layer.weight for layer in r.layers] == pytest.approx([0.6, 0.2667, 0.1333], abs=1e-4)
    assert wsum(r) == pytest.approx(1.0, abs=1e-12)
    z = edits.renormalise(replace(plan, layers=tuple(replace(layer, weight=0.0) for layer in plan.layers)))
    assert wsum(z) == pytest.approx(1.0, abs=1e-12)
    changed = edits.set_cell(plan, 0, "strike", "40")
    assert edits.apply_preset_442(changed).layers == plan.layers


def test_sizing_modes_cycle_and_stay_loadable(plan):
    mode = plan.sizing.mode
    p = plan
    for _ in range(3):
        mode = edits.next_sizing_mode(mode)
        p = edits.set_sizing_mode(p, mode, [10, 20, 30], 5e6)
        assert p.sizing.mode == mode
        reloads(p)
    assert mode == "budget" and p.sizing.premium_usd == 5e6


def test_money():
    for text, want in [("5000000", 5e6), ("$5,000,000", 5e6), ("5M", 5e6), ("2.5m", 2.5e6), ("500k", 5e5), ("1.2B", 1.2e9), ("5e6", 5e6)]:
        assert edits.parse_money(text) == pytest.approx(want)
    for bad in ("", "-5", "0", "five", "5x"):
        with pytest.raises(EditError):
            edits.parse_money(bad)


def test_set_budget(plan):
    assert edits.set_budget(plan, "7.5M").sizing.premium_usd == 7.5e6
    with pytest.raises(EditError, match="press m"):
        edits.set_budget(edits.set_sizing_mode(plan, "contracts", [1, 1, 1]), "5M")


@pytest.mark.slow
def test_edits_never_import_textual():
    code = "import sys, tui.core.edits; sys.exit(1 if any(m.startswith('textual') for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_weight_texts_add_up_on_screen():
    from tui.core.edits import weight_texts

    def total(texts):
        return round(sum(float(t) for t in texts), 6)

    assert weight_texts([0.4, 0.4, 0.2]) == (["0.40", "0.40", "0.20"], "1.00")
    shown, tot = weight_texts([0.375, 0.375, 0.25])
    assert shown == ["0.375", "0.375", "0.250"] and tot == "1.000"
    shown, tot = weight_texts([1 / 3, 1 / 3, 1 / 3])
    assert total(shown) == float(tot) == 1.0 and sorted(shown) == ["0.333", "0.333", "0.334"]
    shown, tot = weight_texts([0.1234, 0.4383, 0.4383])  # 0.123 + 0.438 + 0.438 would show 0.999
    assert total(shown) == float(tot) == 1.0


def test_weight_note_says_what_happened_to_the_others(plan):
    from tui.core.edits import set_weight, weight_note

    tail = set_weight(plan, 2, 0.3)
    assert weight_note(plan, tail, 2) == "rescaled to sum 1: near 0.4→0.35, mid 0.4→0.35"
    all_near = set_weight(plan, 0, 1.0)
    half = set_weight(all_near, 0, 0.5)
    assert weight_note(all_near, half, 0) == "others were 0, split equally: mid 0.25, tail 0.25"
    assert weight_note(plan, plan, 0) == ""
