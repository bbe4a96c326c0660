"""Headless market commands: ``alvh-tui calibrate`` and ``alvh-tui market``.

``calibrate CHAIN.csv PLAN.toml [--json] [--write] [--vvix LEVEL]`` fits the plan's vol
model to an option chain of the plan's day; ``--write`` stores the settings and their
provenance in the plan (atomically, with a backup).

``market PLAN.toml CURVE.csv [--as-of DATE] [--vix LEVEL] [--write]`` replaces the plan's
market snapshot (as_of, spot, futures) from a curve file; layers written as M<n>, "ATM"
or "+x%" follow the new date and curve.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from .cli import EXIT_OK, EXIT_UNUSABLE
from .core.plan_diff import diff_plans
from .core.plan_io import PlanError, load_plan_stamped, plan_problems
from .core.plan_save import FileChangedError, SaveError, save_plan
from .core.price_json import json_safe
from .core.safe_text import printable

__all__ = ["calibrate", "market", "render_calibration"]


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _load_or_say(plan_path: Path):
    """The plan and its file stamp, or None after printing every problem to stderr."""
    try:
        return load_plan_stamped(plan_path)
    except PlanError as error:
        for message in error.messages:
            _err(message)
        return None


def render_calibration(cal) -> str:
    """The fit for people: settings, RMSE, the per-expiry table and the worst residuals."""
    v = cal.vol
    out = [
        f"calibrated to {printable(cal.source)} as of {cal.as_of}: {cal.points} quotes, RMSE {cal.rmse_vol_pts:.2f} vol points",
        f"  atm_front {v.atm_front:.4f}   atm_long {v.atm_long:.4f}   decay_days {v.decay_days:g}   skew (30-day ATM slope) {v.skew:.4f}",
        "",
        f"  {'expiry':<10}  {'days':>4}  {'future':>8}  {'n':>3}  {'RMSE':>6}  {'slope':>7}  {'curve':>7}",
    ]
    for e, node in zip(cal.expiries, v.smile, strict=True):
        out.append(
            f"  {e.expiry.isoformat():<10}  {e.days:>4}  {e.forward:>8.4f}  {e.n:>3}  {e.rmse_vol_pts:>6.2f}  {node.slope:>7.4f}  {node.curve:>7.4f}"
        )
    vvix = f"{cal.vvix:g}" if cal.vvix else "n/a (give --vvix)"
    ratio = f"{cal.vvix_ratio:.4f}" if cal.vvix_ratio else "n/a"
    out += ["", f"  30-day ATM vol {cal.atm30 * 100:.2f} %   VVIX {vvix}   ratio (ATM30 / VVIX) {ratio}"]
    used = [r for r in cal.residuals if r.used]
    worst = sorted(used, key=lambda r: -abs(r.residual_vol_pts))[:8]
    if worst:
        out += ["", "  largest residuals (model - market, vol points):"]
        for r in worst:
            kind = "C" if r.is_call else "P"
            out.append(
                f"    line {r.line:>5}  {r.expiry}  {kind} {r.strike:>6g}  market {r.market_vol * 100:6.1f}"
                f"  model {r.model_vol * 100:6.1f}  {r.residual_vol_pts:+6.2f}"
            )
    for w in cal.warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)


def _write(plan, new_plan, path: Path, stamp) -> int:
    problems = plan_problems(new_plan, str(path))
    if problems:
        for p in problems:
            _err(p)
        return EXIT_UNUSABLE
    try:
        save_plan(new_plan, path, expect=stamp)
    except FileChangedError as error:
        _err(error.summary)  # names the file and what changed; nothing was written
        return EXIT_UNUSABLE
    except (SaveError, PlanError) as error:
        _err(printable(str(error), 500))
        return EXIT_UNUSABLE
    for line in diff_plans(plan, new_plan):
        print(f"{printable(str(path))}: {line}")
    return EXIT_OK


def calibrate(chain_path: Path, plan_path: Path, *, as_json: bool = False, write: bool = False, vvix: float | None = None) -> int:
    from .core.calibrate import calibrate as fit
    from .core.chain import ChainError, load_chain

    loaded = _load_or_say(plan_path)
    if loaded is None:
        return EXIT_UNUSABLE
    plan, stamp = loaded
    try:
        chain = load_chain(chain_path)
        cal = fit(chain, plan.market, vvix=vvix)
    except ChainError as error:
        _err(str(error))
        return EXIT_UNUSABLE
    if as_json:
        json.dump(json_safe(cal.to_json()), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(render_calibration(cal))
    if write:
        new_plan = replace(plan, market=replace(plan.market, vol=cal.vol))
        code = _write_quiet(plan, new_plan, plan_path, stamp) if as_json else _write(plan, new_plan, plan_path, stamp)
        if code == EXIT_OK:
            print(f"{printable(str(plan_path))}: vol settings written", file=sys.stderr if as_json else sys.stdout)
        return code
    return EXIT_OK


def _write_quiet(plan, new_plan, path, stamp) -> int:
    # with --json, stdout carries only the JSON
    saved = sys.stdout
    sys.stdout = sys.stderr
    try:
        return _write(plan, new_plan, path, stamp)
    finally:
        sys.stdout = saved


def market(plan_path: Path, curve_path: Path, *, as_of: date | None = None, vix: float | None = None, write: bool = False) -> int:
    from .core.curve_import import CurveImportError, load_curve, rebase_plan

    loaded = _load_or_say(plan_path)
    if loaded is None:
        return EXIT_UNUSABLE
    plan, stamp = loaded
    try:
        curve = load_curve(curve_path, as_of=as_of)
        new_plan, notes = rebase_plan(plan, curve, vix=vix)
    except CurveImportError as error:
        _err(str(error))
        return EXIT_UNUSABLE
    from .cli import render_table
    from .core.valuation import value_plan

    m = new_plan.market
    print(f"{printable(str(curve_path))}: {curve.layout}, as of {m.as_of}, VIX {m.vix_spot:g}, {len(m.futures)} futures")
    for note in notes:
        print(f"note: {note}")
    if write:
        code = _write(plan, new_plan, plan_path, stamp)
        if code != EXIT_OK:
            return code
    else:
        print(render_table(value_plan(new_plan)))
    return EXIT_OK
