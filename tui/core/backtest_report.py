"""Figures of a backtest: the summary, calendar years, episode windows, the JSON of
``alvh-tui backtest --json``, the daily CSV and the text report.

JSON (a contract like ``price --json``: keys are added, never renamed or removed):
``schema, caveat, summary{...}, years[{year, premium_usd, hedge_pnl_usd, exposure_pnl_usd,
net_pnl_usd, funding_usd}], episodes[{name, start, end, hedge_pnl_usd, exposure_pnl_usd}],
benchmark{rule, ...the summary's keys, years, episodes}, trades[{layer, open_date,
close_date, expiry, strike, contracts, cost_usd, proceeds_usd}]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .backtest import BacktestResult, RuleRun

CAVEAT = ("Model prices on real futures: options are priced by Black-76 on each day's VX settlement "
          "with the plan's vol model scaled to that day's VVIX, not traded option prices "
          "(no bid/ask, no fills).")
WINDOW_DAYS = 10
CSV_COLUMNS = ("date", "hedge_value", "hedge_pnl_cum", "exposure_pnl_cum", "net_pnl_cum", "benchmark_pnl_cum")


@dataclass(frozen=True)
class Window:
    name: str
    start: str
    end: str


def episode_windows(path=None) -> tuple[Window, ...]:
    """The episode library's windows (start, end), or none when it cannot be read."""
    from .episodes import load_episodes

    try:
        return tuple(Window(ep.name, ep.start.isoformat(), ep.end.isoformat()) for ep in load_episodes(path))
    except (OSError, ValueError):
        return ()


def _index(result: BacktestResult) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(result.dates.astype("datetime64[ns]"))


def max_drawdown(path: np.ndarray) -> float:
    """Largest fall from a running peak (USD, >= 0)."""
    return float(np.max(np.maximum.accumulate(path) - path)) if len(path) else 0.0


def max_drawdown_pct(path: np.ndarray, notional: float) -> float:
    """Largest fall from a running peak, in percent of the (constant) notional (>= 0)."""
    return max_drawdown(path) / notional * 100.0 if notional > 0 else 0.0


def worst_window(pnl: np.ndarray, days: int = WINDOW_DAYS) -> float:
    """The worst change over ``days`` trading days (USD, <= 0 when any window lost)."""
    if len(pnl) <= days:
        return float(pnl[-1] - pnl[0]) if len(pnl) else 0.0
    return float(np.min(pnl[days:] - pnl[:-days]))


def _rule_summary(result: BacktestResult, run: RuleRun) -> dict:
    notional = result.plan.exposure.notional_usd
    years = result.years
    hedge = run.pnl_cum
    exposure = result.exposure_pnl_cum
    premium = float(run.premium.sum())
    return {
        "premium_usd": premium,
        "premium_usd_per_year": premium / years,
        "premium_pct_notional_per_year": premium / years / notional * 100.0 if notional else 0.0,
        "funding_usd_per_year": sum(funding_by_year(result, run).values()) / years,
        "hedge_pnl_usd": float(hedge[-1]),
        "exposure_pnl_usd": float(exposure[-1]),
        "net_pnl_usd": float(hedge[-1] + exposure[-1]),
        "max_drawdown_unhedged_usd": max_drawdown(notional + exposure),
        "max_drawdown_hedged_usd": max_drawdown(notional + exposure + hedge),
        "max_drawdown_unhedged_pct": max_drawdown_pct(exposure, notional),
        "max_drawdown_hedged_pct": max_drawdown_pct(exposure + hedge, notional),
        "worst_10d_pnl_unhedged_usd": worst_window(exposure),
        "worst_10d_pnl_hedged_usd": worst_window(exposure + hedge),
        "rolls": int(run.rolls),
        "trades": len(run.trades),
    }


def yearly(result: BacktestResult, run: RuleRun) -> list[dict]:
    idx = _index(result)
    funding = funding_by_year(result, run)
    frame = pd.DataFrame({"premium": run.premium, "hedge": run.pnl_cum, "exposure": result.exposure_pnl_cum}, index=idx)
    by_year = frame.groupby(idx.year)
    ends = by_year[["hedge", "exposure"]].last()
    starts = ends.shift(1).fillna(0.0)
    out = []
    for year in ends.index:
        hedge = float(ends.loc[year, "hedge"] - starts.loc[year, "hedge"])
        exposure = float(ends.loc[year, "exposure"] - starts.loc[year, "exposure"])
        out.append({"year": int(year), "premium_usd": float(by_year["premium"].sum().loc[year]),
                    "hedge_pnl_usd": hedge, "exposure_pnl_usd": exposure, "net_pnl_usd": hedge + exposure,
                    "funding_usd": funding.get(int(year), 0.0)})
    return out


def funding_by_year(result: BacktestResult, run: RuleRun) -> dict[int, float]:
    """The premium's cost of capital at ``exposure.funding_rate``: each trade's cost carried
    from its opening to its close (or the last day), ``cost (e^{r d / 365} - 1)``, booked
    in the year it opened (see ``kit.funding_cost``)."""
    from .kit import funding_cost

    rate = getattr(result.plan.exposure, "funding_rate", None)
    if not rate:
        return {}
    last = _index(result)[-1].date()
    out: dict[int, float] = {}
    for tr in run.trades:
        held = ((tr.close_date or last) - tr.open_date).days
        out[tr.open_date.year] = out.get(tr.open_date.year, 0.0) + funding_cost([tr.cost_usd], [held], rate)
    return out


def episodes(result: BacktestResult, run: RuleRun, windows: tuple[Window, ...]) -> list[dict]:
    """P&L over each library window inside the range (from the close of its start day, or the
    last day before it, to the close of its end day)."""
    days = result.dates
    out = []
    for w in windows:
        a = int(np.searchsorted(days, np.datetime64(w.start), "right")) - 1
        b = int(np.searchsorted(days, np.datetime64(w.end), "right")) - 1
        if a < 0 or b <= a or days[-1] < np.datetime64(w.end):
            continue
        out.append({"name": w.name, "start": w.start, "end": w.end,
                    "hedge_pnl_usd": float(run.pnl_cum[b] - run.pnl_cum[a]),
                    "exposure_pnl_usd": float(result.exposure_pnl_cum[b] - result.exposure_pnl_cum[a])})
    return out


def to_json(result: BacktestResult, windows: tuple[Window, ...] | None = None) -> dict:
    windows = episode_windows() if windows is None else windows
    s = result.settings
    summary = {
        "plan": result.plan.name,
        "start": str(result.dates[0]),
        "end": str(result.dates[-1]),
        "days": int(len(result.dates)),
        "notional_usd": float(result.plan.exposure.notional_usd),
        "exposure_basis": result.exposure_basis,
        "entry": s.entry,
        "entry_share": float(result.entry_share),
        "take_profit": s.take_profit,
        **_rule_summary(result, result.hedge),
        "notes": list(result.notes),
    }
    bench = {"rule": result.benchmark.name, **_rule_summary(result, result.benchmark),
             "years": yearly(result, result.benchmark),
             "episodes": episodes(result, result.benchmark, windows)}
    trades = [{"layer": tr.layer, "open_date": tr.open_date.isoformat(),
               "close_date": tr.close_date.isoformat() if tr.close_date else None,
               "expiry": tr.expiry.isoformat(), "strike": tr.strike, "contracts": tr.contracts,
               "cost_usd": tr.cost_usd, "proceeds_usd": tr.proceeds_usd, "reason": tr.reason}
              for tr in result.hedge.trades]
    return {"schema": 1, "caveat": CAVEAT, "summary": summary, "years": yearly(result, result.hedge),
            "episodes": episodes(result, result.hedge, windows), "benchmark": bench, "trades": trades}


def daily_frame(result: BacktestResult) -> pd.DataFrame:
    return pd.DataFrame({
        "date": [str(d) for d in result.dates],
        "hedge_value": result.hedge.value,
        "hedge_pnl_cum": result.hedge.pnl_cum,
        "exposure_pnl_cum": result.exposure_pnl_cum,
        "net_pnl_cum": result.net_pnl_cum,
        "benchmark_pnl_cum": result.benchmark.pnl_cum,
    })[list(CSV_COLUMNS)]


def _m(usd: float) -> str:
    return f"{usd / 1e6:+,.1f}M"


def to_text(data: dict) -> str:
    """The report for people, from :func:`to_json`'s dict."""
    s, b = data["summary"], data["benchmark"]
    lines = [
        f"Backtest of {s['plan']!r}: {s['start']} .. {s['end']} ({s['days']} days)",
        data["caveat"],
        f"Exposure: ${s['notional_usd'] / 1e6:,.0f}M following {s['exposure_basis']}.",
        f"Entry rule {s['entry']!r} held on {s['entry_share'] * 100:.0f} % of days"
        + (f"; take profit at {s['take_profit']:g}x cost" if s["take_profit"] else "") + ".",
        *[f"Note: {n}" for n in s["notes"]],
        "",
        f"{'':34}{'plan':>14}{'VXTH rule':>14}",
    ]
    rows: list[tuple[str, str, Callable[[float], str]]] = [
        ("premium per year", "premium_usd_per_year", lambda v: f"{v / 1e6:,.1f}M"),
        ("premium per year, % of notional", "premium_pct_notional_per_year", lambda v: f"{v:.2f} %"),
        ("hedge P&L", "hedge_pnl_usd", _m),
        ("net P&L (exposure + hedge)", "net_pnl_usd", _m),
        ("max drawdown, hedged", "max_drawdown_hedged_usd", lambda v: f"{v / 1e6:,.1f}M"),
        ("max drawdown, hedged, % notional", "max_drawdown_hedged_pct", lambda v: f"{v:.2f} %"),
        ("worst 10-day P&L, hedged", "worst_10d_pnl_hedged_usd", _m),
        ("rolls", "rolls", str),
        ("trades", "trades", str),
    ]
    for label, key, fmt in rows:
        lines.append(f"{label:34}{fmt(s[key]):>14}{fmt(b[key]):>14}")
    lines.append(f"{'exposure P&L (unhedged)':34}{_m(s['exposure_pnl_usd']):>14}")
    lines.append(f"{'max drawdown, unhedged':34}{s['max_drawdown_unhedged_usd'] / 1e6:>13,.1f}M")
    lines.append(f"{'max drawdown, unhedged, % notional':34}{s['max_drawdown_unhedged_pct']:>12.2f} %")
    lines.append(f"{'worst 10-day P&L, unhedged':34}{_m(s['worst_10d_pnl_unhedged_usd']):>14}")
    lines += ["", f"{'year':6}{'premium':>11}{'hedge':>11}{'VXTH':>11}{'exposure':>12}{'net':>12}"]
    bench_years = {y["year"]: y for y in b["years"]}
    for y in data["years"]:
        bench = bench_years.get(y["year"], {}).get("hedge_pnl_usd", 0.0)
        lines.append(f"{y['year']:<6}{_m(-y['premium_usd']):>11}{_m(y['hedge_pnl_usd']):>11}{_m(bench):>11}"
                     f"{_m(y['exposure_pnl_usd']):>12}{_m(y['net_pnl_usd']):>12}")
    if data["episodes"]:
        lines += ["", f"{'episode':44}{'hedge':>11}{'VXTH':>11}{'exposure':>12}"]
        bench_eps = {e["name"]: e for e in b["episodes"]}
        for e in data["episodes"]:
            bench = bench_eps.get(e["name"], {}).get("hedge_pnl_usd", 0.0)
            lines.append(f"{e['name'][:43]:44}{_m(e['hedge_pnl_usd']):>11}{_m(bench):>11}{_m(e['exposure_pnl_usd']):>12}")
    return "\n".join(lines)
