"""``alvh-tui calibrate`` and ``alvh-tui market`` as a user runs them (``main(argv)``
in-process, tests/cli_run.py), and the curve import."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from cli_run import run_cli
from tui.core.curve_import import CurveImportError, parse_curve, rebase_plan
from tui.core.plan import Layer
from tui.core.plan_io import load_plan
from tui.resources import default_plan_path

REPO = Path(__file__).resolve().parent.parent
CHAIN = REPO / "sample_data" / "vix_options_2024-06-03.csv"
PLAN = REPO / "sample_data" / "calibrated_2024-06-03.toml"
CURVE = REPO / "sample_data" / "curve_2024-06-03.csv"


run = run_cli


def test_calibrate_prints_the_fit_within_the_done_when_figures():
    r = run("calibrate", str(CHAIN), str(PLAN))
    assert r.returncode == 0, r.stderr
    assert "RMSE" in r.stdout and "2024-06-18" in r.stdout and "VVIX 78.79" in r.stdout


def test_calibrate_json_contract():
    r = run("calibrate", str(CHAIN), str(PLAN), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"params", "rmse_vol_pts", "points", "expiries", "vvix", "atm30"}
    assert out["rmse_vol_pts"] <= 3.0 and out["expiries"][0]["rmse_vol_pts"] <= 5.0
    assert out["vvix"] == 78.79 and out["points"] == sum(e["n"] for e in out["expiries"])
    assert {"expiry", "n", "rmse_vol_pts"} <= set(out["expiries"][0])


def test_calibrate_write_round_trips_and_price_uses_the_settings(tmp_path):
    plan_path = tmp_path / "plan.toml"
    shutil.copy(REPO / "sample_data" / "default_plan.toml", plan_path)
    # the default plan is of 2024-08-05: the chain of 2024-06-03 is refused, nothing written
    r = run("calibrate", str(CHAIN), str(plan_path), "--write")
    assert r.returncode == 2 and "the chain is of 2024-06-03, the plan's market of 2024-08-05" in r.stderr
    assert plan_path.read_bytes() == (REPO / "sample_data" / "default_plan.toml").read_bytes()
    # bring that day's curve in, then calibrate and write
    assert run("market", str(plan_path), str(CURVE), "--write").returncode == 0
    r = run("calibrate", str(CHAIN), str(plan_path), "--write", "--json")
    assert r.returncode == 0, r.stderr
    fit = json.loads(r.stdout)
    vol = load_plan(plan_path).market.vol
    assert vol.atm_front == fit["params"]["atm_front"] and vol.rmse_vol_pts == fit["rmse_vol_pts"]
    assert [n.slope for n in vol.smile] == [n["slope"] for n in fit["params"]["smile"]]
    assert vol.calibrated_on == date(2024, 6, 3) and vol.vvix_ratio == fit["vvix_ratio"]
    assert "vix_options_2024-06-03.csv" in vol.source
    priced = json.loads(run("price", str(plan_path), "--json").stdout)
    for layer in priced["layers"]:
        assert layer["vol"] == pytest.approx(float(vol.vol(layer["strike"], layer["future"], layer["dte"])), rel=1e-12)


def test_calibrate_bad_chain_is_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("expiration,strike,call/put,bid,ask\n2024-06-18,x,C,1,2\n")
    r = run("calibrate", str(bad), str(PLAN))
    assert r.returncode == 2 and "line 2, column 'strike': expected a number" in r.stderr
    assert "Traceback" not in r.stderr


# -- today's curve into a plan -------------------------------------------------------

SETTLEMENT_FILE = """Product,Symbol,Expiration Date,Price
VX,VX23/M4,2024-06-05,12.9
VX,VX/M4,2024-06-18,13.6535
VX,VX/N4,2024-07-17,14.5124
VX,VX/Q4,2024-08-21,15.1131
VXM,VXM/N4,2024-07-17,14.51
"""


def test_cboe_settlement_file_takes_the_monthly_vx_rows_only():
    curve = parse_curve(SETTLEMENT_FILE, "cfe.csv", as_of=date(2024, 6, 3))
    assert [(f.expiry, f.settle) for f in curve.futures] == [
        (date(2024, 6, 18), 13.6535),
        (date(2024, 7, 17), 14.5124),
        (date(2024, 8, 21), 15.1131),
    ]
    with pytest.raises(CurveImportError, match="no trade date; give the day"):
        parse_curve(SETTLEMENT_FILE, "cfe.csv")
    with pytest.raises(CurveImportError, match=r"cfe\.csv: line 3, column 'Price': expected a number, got 'n/a'"):
        parse_curve(SETTLEMENT_FILE.replace("13.6535", "n/a"), "cfe.csv", as_of=date(2024, 6, 3))


def test_cboe_history_for_a_chosen_day_matches_the_curated_settlements(shared_data):
    import csv

    raw = (shared_data / "vx_cfe_archive_raw_2004_2015.csv").read_text()
    day = date(2008, 10, 24)
    curve = parse_curve(raw, "archive.csv", as_of=day)
    want = {
        date.fromisoformat(r["expiry"]): float(r["settle"])
        for r in csv.DictReader(open(shared_data / "vx_monthly_settlements.csv"))
        if r["trade_date"] == day.isoformat() and int(r["tenor"]) >= 1
    }
    assert {f.expiry: f.settle for f in curve.futures} == pytest.approx(want)
    # before 2007-03-26 Cboe quoted x10: divided back
    early = parse_curve(raw, "archive.csv", as_of=date(2005, 6, 1))
    assert 10.0 < early.futures[0].settle < 20.0


def test_snapshot_layout_is_parsed_from_the_text_given_not_read_again(tmp_path, monkeypatch):
    # The snapshot layout used to be read a second time from the file named by source:
    # a file that changed between the reads (or a name with no file) gave another curve.
    from tui.core import curve_import, market_csv, safe_files

    text = CURVE.read_text()
    curve = parse_curve(text, str(tmp_path / "gone.csv"))  # no such file: the text is enough
    assert curve.layout == "snapshot CSV" and curve.as_of == date(2024, 6, 3) and curve.vix == 13.11
    changed = tmp_path / "curve.csv"
    changed.write_text(text.replace("13.11", "14.5"))
    assert parse_curve(text, str(changed)).vix == 13.11  # the text's spot, not the file's
    with pytest.raises(CurveImportError, match=r"gone\.csv: line \d+ .*column 'vix_spot'"):
        parse_curve(text.replace("13.11", "abc"), str(tmp_path / "gone.csv"))
    reads = []
    real = safe_files.read_user_file
    monkeypatch.setattr(curve_import, "read_user_file", lambda *a: reads.append(a[0]) or real(*a))
    monkeypatch.setattr(market_csv, "read_user_file", lambda *a: reads.append(a[0]) or real(*a))
    assert curve_import.load_curve(CURVE) == parse_curve(text, str(CURVE))
    assert reads == [CURVE]  # the file is read once


def test_market_command_moves_relative_layers_and_keeps_fixed_ones(tmp_path, default_plan):
    plan = default_plan
    from dataclasses import replace

    listed = Layer("listed", 0.0, date(2024, 9, 18), 30.0)
    weekly = Layer("weekly", 0.0, date(2024, 9, 25), 30.0)
    plan = replace(plan, layers=plan.layers + (listed, weekly))
    curve = parse_curve(CURVE.read_text(), str(CURVE))
    new, notes = rebase_plan(plan, curve)
    assert new.market.as_of == date(2024, 6, 3) and new.market.vix_spot == 13.11
    assert new.market.vol == plan.market.vol and new.layers == plan.layers
    assert "curve_2024-06-03.csv: snapshot CSV, 2024-06-03" in new.market.source
    assert notes == ["layer 'weekly': fixed expiry 2024-09-25 is not a listed month of the new curve"]
    plan_path = tmp_path / "p.toml"
    shutil.copy(default_plan_path(), plan_path)
    r = run("market", str(plan_path), str(CURVE), "--write")
    assert r.returncode == 0, r.stderr
    assert load_plan(plan_path).market.futures == curve.futures
    bad = tmp_path / "bad.csv"
    bad.write_text("Trade Date,Futures,Settle\n2024-06-03,K (May 24),abc\n")
    r = run("market", str(plan_path), str(bad))
    assert r.returncode == 2 and "bad.csv: line 2, column 'Settle': expected a number, got 'abc'" in r.stderr


def test_a_plan_changed_on_disk_is_not_overwritten_and_the_message_says_so(tmp_path, capsys):
    from tui.cli import EXIT_UNUSABLE
    from tui.cli_market import _write
    from tui.core.plan_io import load_plan_stamped

    plan_path = tmp_path / "p.toml"
    shutil.copy(default_plan_path(), plan_path)
    plan, stamp = load_plan_stamped(plan_path)
    plan_path.write_text(plan_path.read_text().replace("[[layers]]", "# edited elsewhere\n[[layers]]", 1))
    changed = plan_path.read_bytes()
    assert _write(plan, plan, plan_path, stamp) == EXIT_UNUSABLE
    assert "p.toml changed on disk since it was opened; not overwritten" in capsys.readouterr().err
    assert plan_path.read_bytes() == changed
