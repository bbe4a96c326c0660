"""The headless commands, run as a user runs them: ``python -m tui price|check`` in a subprocess.

Checks the public JSON contract of ``price --json`` (keys, units, ISO dates, no NaN), that
the table shows the same figures, the exit codes, and ``check`` on good and bad files.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tui.core.plan import Sizing
from tui.core.plan_io import dumps_plan, load_plan
from tui.core.scenarios import PRESETS, library_scenarios
from tui.core.valuation import value_plan
from tui.format import usd
from tui.resources import default_plan_path

REPO = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def _no_nan(text: str):
    def bad(constant):
        raise AssertionError(f"JSON contains {constant}")

    return json.loads(text, parse_constant=bad)


@pytest.fixture(scope="module")
def default_json():
    proc = run("price", str(default_plan_path()), "--json")
    assert proc.returncode == 0, proc.stderr
    return _no_nan(proc.stdout)


@pytest.fixture(scope="module")
def default_table():
    proc = run("price", str(default_plan_path()))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _is_iso(s):
    return isinstance(s, str) and date.fromisoformat(s).isoformat() == s


def test_top_level_keys(default_json):
    j = default_json
    for key in ("schema", "plan", "as_of", "market", "layers", "totals", "exposure", "sizing", "scenarios", "rolls", "regime"):
        assert key in j
    assert j["schema"] == 1 and _is_iso(j["as_of"])
    for key in ("vix_spot", "regime", "m1_m2_slope_pct", "curve"):
        assert key in j["market"]
    assert j["market"]["regime"] == "backwardation"
    assert all(_is_iso(c["expiry"]) and isinstance(c["dte"], int) for c in j["market"]["curve"])


def test_layers_and_totals_units(default_json):
    j = default_json
    for layer in j["layers"]:
        assert set(layer) >= {"name", "expiry", "dte", "future", "strike", "vol", "price", "delta", "gamma", "vega", "theta", "contracts", "premium_usd"}
        assert layer["premium_usd"] == pytest.approx(layer["price"] * 100 * layer["contracts"])
        assert 0 < layer["vol"] < 5  # a fraction, not percent
    assert j["totals"]["premium_usd"] == pytest.approx(sum(x["premium_usd"] for x in j["layers"]))
    assert j["totals"]["vega_usd"] == pytest.approx(sum(x["vega"] * 100 * x["contracts"] for x in j["layers"]))


def test_exposure_carries_var_with_its_inputs(default_json):
    e = default_json["exposure"]
    for key in ("notional_usd", "var_usd", "var_confidence", "var_horizon_days", "vol_annual", "beta_spx", "coverage_target",
                "spx_vix_elasticity", "btc_beta", "var_z", "var_horizon_vol", "var_days_per_year", "var_vix_level", "var_spx_return"):
        assert key in e
    assert e["var_usd"] == pytest.approx(e["notional_usd"] * e["var_z"] * e["vol_annual"] * math.sqrt(e["var_horizon_days"] / 365))
    assert e["var_pct"] == pytest.approx(100 * e["var_usd"] / e["notional_usd"])
    assert e["spx_vix_elasticity"] == 5.0
    assert e["var_vix_level"] == pytest.approx(38.57 * (1 + e["var_spx_return"]) ** -5.0)


def test_sizing_keys_and_units(default_json):
    s, j = default_json["sizing"], default_json
    for key in ("mode", "stress_scenario", "target", "achieved", "premium_pct_notional", "premium_pct_annualised"):
        assert key in s
    assert s["mode"] == "budget" and s["stress_scenario"] == "VaR-sized loss"
    assert s["target"] == pytest.approx(0.20 * j["exposure"]["var_usd"])
    assert s["premium_pct_notional"] == pytest.approx(100 * j["totals"]["premium_usd"] / j["exposure"]["notional_usd"])  # percent
    stress_row = j["scenarios"][0]
    assert stress_row["name"] == s["stress_scenario"] and stress_row["hedge_pnl_usd"] == pytest.approx(s["achieved"])


def test_scenarios_are_stress_library_and_presets(default_json):
    rows = default_json["scenarios"]
    kinds = [r["kind"] for r in rows]
    assert kinds[0] == "stress"
    assert {r["episode_id"] for r in rows if r["kind"] == "historical"} == {s.episode_id for s in library_scenarios()}
    assert [r["name"] for r in rows if r["kind"] == "parametric"] == [p.name for p in PRESETS]
    for r in rows:
        assert set(r) >= {"name", "kind", "hedge_pnl_usd", "exposure_pnl_usd", "net_pnl_usd", "coverage"}
        assert r["net_pnl_usd"] == pytest.approx(r["hedge_pnl_usd"] + r["exposure_pnl_usd"])
        if r["exposure_pnl_usd"] >= 0:
            assert r["coverage"] is None  # undefined: null, never NaN
        else:
            assert r["coverage"] == pytest.approx(r["hedge_pnl_usd"] / -r["exposure_pnl_usd"])
        if r["kind"] == "historical":
            assert _is_iso(r["start"]) and _is_iso(r["end"])
    ftx = next(r for r in rows if r["episode_id"] == "ftx-2022")
    assert ftx["exposure_basis"] == "btc" and ftx["coverage"] < 0.02


def test_rolls_keys(default_json):
    rolls = default_json["rolls"]
    assert len(rolls) == 10
    for r in rolls:
        assert set(r) >= {"layer", "date", "from_expiry", "to_expiry", "cost_usd"}
        assert _is_iso(r["date"]) and _is_iso(r["from_expiry"]) and _is_iso(r["to_expiry"])
        assert r["cost_usd"] == pytest.approx((r["buy_price"] - r["sell_price"]) * 100 * r["contracts"])
    assert rolls[0] == pytest.approx(rolls[0]) and rolls[0]["date"] == "2024-08-07"


def test_regime_object(default_json):
    r = default_json["regime"]
    assert r["entry_condition_met"] is True and r["depth"] == "deep"
    assert r["m1_m2_slope_pct"] == pytest.approx(default_json["market"]["m1_m2_slope_pct"])
    assert r["cost_vs_calm"] > 0 and len(r["layers"]) == 3


def test_json_matches_the_in_process_valuation(default_json, default_plan):
    v = value_plan(default_plan)
    assert [r["hedge_pnl_usd"] for r in default_json["scenarios"]] == pytest.approx([s.hedge_pnl_usd for s in v.scenarios], rel=1e-12)
    assert [r["cost_usd"] for r in default_json["rolls"]] == pytest.approx([s.cost_usd for s in v.rolls], rel=1e-12)


def test_table_shows_the_same_figures(default_json, default_table):
    lines = default_table.splitlines()
    for r in default_json["scenarios"]:
        name = r["name"] if len(r["name"]) <= 36 else r["name"][:35]
        row = next(line for line in lines if line[2:].startswith(name))
        for key in ("hedge_pnl_usd", "exposure_pnl_usd", "net_pnl_usd"):
            assert usd(r[key]) in row
    s = default_json["sizing"]
    assert f"target {usd(s['target'])}" in default_table and f"achieved {usd(s['achieved'])}" in default_table
    for r in default_json["rolls"]:
        row = next(line for line in lines if line.startswith(r["date"]) and r["layer"] in line)
        assert usd(r["cost_usd"]) in row and r["to_expiry"] in row
    assert "VaR 99%/10d" in default_table and usd(default_json["exposure"]["var_usd"]) in default_table
    assert "entry condition met" in default_table


def test_coverage_mode_plan_file(tmp_path, default_plan):
    plan = default_plan
    path = tmp_path / "coverage.toml"
    path.write_text(dumps_plan(replace(plan, sizing=Sizing("coverage", None))))
    proc = run("price", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    s = _no_nan(proc.stdout)["sizing"]
    assert s["mode"] == "coverage"
    assert abs(s["achieved"] - s["target"]) <= s["tolerance_usd"] == max(s["gain_per_contract_usd"])


def _worthless_tail_plan(tmp_path) -> Path:
    """The default plan with its tail layer struck at 900 and no skew: worth nothing."""
    plan = load_plan(default_plan_path())
    market = replace(plan.market, vol=replace(plan.market.vol, skew=0.0))
    plan = replace(plan, market=market).with_layer(2, strike=900.0)
    path = tmp_path / "odd.toml"
    path.write_text(dumps_plan(plan))
    return path


def test_degenerate_plan_prints_null_not_nan(tmp_path):
    # A strike so far out that the layer is worth nothing: no contracts, no coverage.
    path = _worthless_tail_plan(tmp_path)
    proc = run("price", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    j = _no_nan(proc.stdout)
    assert j["layers"][2]["contracts"] == 0
    assert any("worth nothing" in w for w in j["warnings"])


def test_exit_codes_and_check(tmp_path):
    good = run("check", str(default_plan_path()))
    assert good.returncode == 0 and "ok" in good.stdout
    missing = run("price", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(default_plan_path().read_text().replace("vol_annual = 0.75", 'vol_annual = "high"'))
    proc = run("check", str(bad))
    assert proc.returncode == 2 and "exposure.vol_annual" in proc.stderr and str(bad) in proc.stderr
    assert "Traceback" not in proc.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("schema = 1\nname = \n")
    proc = run("price", str(broken), "--json")
    assert proc.returncode == 2 and proc.stdout == "" and ":2" in proc.stderr


def test_degenerate_plan_ratios_are_null(tmp_path):
    path = _worthless_tail_plan(tmp_path)
    j = _no_nan(run("price", str(path), "--json").stdout)
    tail = j["regime"]["layers"][2]
    assert tail["price"] < 1e-12 and (tail["ratio"] is None or math.isfinite(tail["ratio"]))
    table = run("price", str(path)).stdout
    assert not re.search(r"\b(nan|inf)\b", table, re.IGNORECASE)


def test_check_escapes_control_characters_in_the_path(tmp_path):
    import shutil

    hostile = tmp_path / "a\x1b[31mred.toml"
    shutil.copy(REPO / "sample_data" / "default_plan.toml", hostile)
    done = subprocess.run([sys.executable, "-m", "tui", "check", str(hostile)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0
    assert "\x1b" not in done.stdout and "ok" in done.stdout
