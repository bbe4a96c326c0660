"""``alvh-tui backtest``: JSON keys, the daily CSV, the text report and clear refusals."""

from __future__ import annotations

import json

import pandas as pd

from tui.__main__ import main
from tui.resources import default_plan_path

PLAN = str(default_plan_path())


def test_json_has_the_documented_keys(capsys):
    assert main(["backtest", PLAN, "--json", "--from", "2020-01-01", "--to", "2020-12-31"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"summary", "years", "episodes", "benchmark", "trades", "caveat"} <= set(data)
    assert "model prices" in data["caveat"].lower()
    assert data["summary"]["start"] == "2020-01-02" and data["summary"]["end"] == "2020-12-31"
    assert set(data["years"][0]) == {"year", "premium_usd", "hedge_pnl_usd", "exposure_pnl_usd", "net_pnl_usd", "funding_usd"}
    assert [e["name"] for e in data["episodes"]] == ["Mar 2020: COVID crash"]
    assert set(data["episodes"][0]) == {"name", "start", "end", "hedge_pnl_usd", "exposure_pnl_usd"}
    assert data["benchmark"]["rule"].startswith("Cboe VXTH")
    for key in ("premium_usd_per_year", "hedge_pnl_usd", "max_drawdown_hedged_usd", "worst_10d_pnl_hedged_usd", "rolls"):
        assert key in data["summary"] and key in data["benchmark"]
    trade = data["trades"][0]
    assert {"layer", "open_date", "close_date", "expiry", "strike", "contracts", "cost_usd", "proceeds_usd"} <= set(trade)
    assert 0 < data["summary"]["entry_share"] <= 1


def test_csv_writes_the_daily_series(tmp_path, capsys):
    out = tmp_path / "daily.csv"
    assert main(["backtest", PLAN, "--from", "2024-07-01", "--to", "2024-09-30", "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Model prices on real futures" in text and "VXTH" in text
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["date", "hedge_value", "hedge_pnl_cum", "exposure_pnl_cum", "net_pnl_cum", "benchmark_pnl_cum"]
    assert frame["date"].iloc[0] == "2024-07-01" and frame["date"].iloc[-1] == "2024-09-30"
    assert (frame["net_pnl_cum"] - frame["hedge_pnl_cum"] - frame["exposure_pnl_cum"]).abs().max() < 0.02


def test_a_bad_history_file_is_refused_with_its_line(tmp_path, capsys):
    bad = tmp_path / "mine.csv"
    bad.write_text("trade_date,expiry,settle\n2024-08-05,2024-08-21,x\n")
    assert main(["backtest", PLAN, "--history", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: line 2, column 'settle'" in err and "Traceback" not in err


def test_own_history_in_the_long_layout(tmp_path, capsys):
    from tui.core.history import load_history

    part = load_history().between(pd.Timestamp("2024-06-01").date(), pd.Timestamp("2024-10-31").date())
    long = part.futures().join(part.daily, on="trade_date")
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    assert main(["backtest", PLAN, "--history", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["days"] == len(part)


def test_an_empty_range_is_refused(capsys):
    assert main(["backtest", PLAN, "--from", "2030-01-01"]) == 2
    assert "needs at least 2" in capsys.readouterr().err
