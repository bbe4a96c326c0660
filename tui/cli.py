"""Headless commands: ``alvh-tui price`` (a text table, or the public JSON of
:mod:`tui.core.price_json`) and ``alvh-tui check``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .core.exposure import stress_lines
from .core.plan_io import PlanError, load_plan
from .core.price_json import valuation_to_json
from .core.safe_text import printable
from .core.valuation import Valuation, value_plan
from .format import num, pct, usd

EXIT_OK = 0
EXIT_UNUSABLE = 2


def signal_lines(readout) -> list[str]:
    """The entry signals, one line each, with their record."""
    if not readout.signals:
        return [f"signals  {readout.problem}"] if readout.problem else []
    base = readout.signals[0].base_rate
    lines = [
        f"signals  at {readout.signals[0].day or '—'}; record {readout.history}: P(VIX +50% within 20 trading days) "
        f"after the signal vs {pct(base)} on all days"
    ]
    for s in readout.signals:
        value = "—" if s.value is None else f"{s.value:.2f}"
        since = f" since {s.since.isoformat()}" if s.since else ""
        lines.append(f"  {s.label:<26}{value:>8}  {s.state.upper():<7}{since:<17} hit {pct(s.hit_rate)} of {s.days_on:,} days  ({s.rule})")
    if readout.problem:
        lines.append(f"  {readout.problem}")
    return lines


def render_table(v: Valuation) -> str:
    m = v.market
    r = v.regime
    out: list[str] = []
    out.append(f"{v.plan.name}  (as of {m.as_of.isoformat()})")
    slope = "—" if r.m1_m2_slope_pct is None else f"{r.m1_m2_slope_pct:+.1f}%"
    ratio = "—" if r.vix_over_m1 is None else f"{r.vix_over_m1:.2f}"
    out.append(
        f"VIX {m.vix_spot:.2f}   {r.name}{' (' + r.depth + ')' if r.depth else ''}   "
        f"M1->M2 {slope}   VIX/M1 {ratio}   roll yield if spot holds {num(r.roll_yield_per_day, '+.3f')} pts/day   rate {m.rate * 100:.2f}%"
    )
    rr = v.regime_readout
    if rr is not None:
        verdict = "entry condition met" if rr.entry_condition_met else "entry condition NOT met"
        out.append(f"regime   {verdict}: {'; '.join(rr.reasons)}")
        vx = "—" if rr.vxth_forward is None else f"{rr.vxth_forward:.2f}"
        ivts = "—" if rr.vix_over_vix3m is None else f"{rr.vix_over_vix3m:.3f} ({'>' if rr.vix3m_condition_met else '<='} 1)"
        out.append(f"entry    rule {rr.entry_rule}: {'met' if rr.entry_condition_met else 'not met'}; VIX/VIX3M {ivts} (not the plan's rule)")
        out.append(f"VXTH     forward VIX (M1) {vx}: band {rr.vxth_band}, weight {rr.vxth_weight_pct:g}% of the portfolio")
        if rr.cost_vs_calm is not None:
            per_layer = "  ".join(
                f"{c.name} {c.pct_spot * 100:.1f}% vs {c.pct_spot_calm * 100:.1f}%" for c in rr.layers
            )
            out.append(
                f"cost     {num(rr.cost_vs_calm, '.2f')}x calm per point of spot VIX "
                f"({num(rr.cost_vs_calm_future, '.2f')}x per point of each future); {rr.reference}"
            )
            out.append(f"         price / VIX now vs calm: {per_layer}")
    for line in signal_lines(v.signals):
        out.append(line)
    out.append("")
    out.append("curve     " + "  ".join(f"{f.expiry:%b%y}:{f.settle:6.2f}" for f in m.live_futures))
    out.append("")
    header = (f"{'layer':<10}{'wt':>5}{'expiry':>12}{'dte':>5}{'future':>8}{'strike':>8}{'vol':>7}{'price':>8}"
              f"{'delta':>7}{'vega':>7}{'theta':>8}{'contracts':>10}{'premium':>11}")
    out.append(header)
    out.append("-" * len(header))
    for layer in v.layers:
        out.append(
            f"{layer.name[:10]:<10}{layer.weight:>5.2f}{layer.expiry.isoformat():>12}{layer.dte:>5d}"
            f"{layer.future:>8.2f}{layer.strike:>8.2f}{layer.vol * 100:>6.1f}%{layer.price:>8.3f}"
            f"{layer.delta:>7.3f}{layer.vega:>7.3f}{layer.theta:>8.4f}{layer.contracts:>10,d}{usd(layer.premium_usd):>11}"
        )
        for leg in layer.legs:
            sign = -1 if leg.side == "short" else 1
            out.append(
                f"{'  ' + leg.side:<10}{leg.ratio:>5g}{leg.expiry.isoformat():>12}{leg.dte:>5d}"
                f"{leg.future:>8.2f}{leg.strike:>8.2f}{leg.vol * 100:>6.1f}%{leg.price:>8.3f}"
                f"{sign * leg.delta:>7.3f}{sign * leg.vega:>7.3f}{sign * leg.theta:>8.4f}{sign * leg.contracts:>10,d}{usd(leg.premium_usd):>11}"
            )
        if layer.legs:
            out.append(
                f"{'  net':<10}{'':>5}{'':>12}{'':>5}{'':>8}{'':>8}{'':>7}{'':>8}{'':>7}{'':>7}{'':>8}{'':>10}{usd(layer.net_usd):>11}"
                f"  ({pct(layer.financing_share, 0)} financed)"
            )
    t = v.totals
    out.append("-" * len(header))
    out.append(
        f"{'total':<10}{'':>5}{'':>12}{'':>5}{'':>8}{'':>8}{'':>7}{'':>8}{'':>7}{'':>7}{'':>8}{t.contracts:>10,d}{usd(t.premium_usd):>11}"
    )
    out.append(f"$delta {usd(t.delta_usd)}/pt   $vega {usd(t.vega_usd)}/vol pt   $theta {usd(t.theta_usd)}/day")
    out.append("")
    e = v.plan.exposure
    out.append(
        f"exposure {usd(e.notional_usd)}  basis {e.basis}  beta_spx {e.beta_spx:g}  btc_beta {e.btc_beta:g}  vol {e.vol_annual * 100:.0f}%  "
        f"S&P vol {e.spx_vol_annual * 100:g}%  S&P/VIX elasticity k {e.spx_vix_elasticity:g}"
    )
    var = v.var
    if var is not None:
        out.append(
            f"VaR {var.confidence * 100:g}%/{var.horizon_days}d = {usd(var.notional_usd)} x z {var.z:.3f} x {var.vol_annual * 100:g}% "
            f"x sqrt({var.horizon_days}/{var.days_per_year:g}) = {usd(var.var_usd)} ({var.var_pct * 100:.1f}% of notional)"
        )
        out.extend(stress_lines(var))
    s = v.sizing
    line = (
        f"sizing {s.mode}: stress {s.stress_scenario} ({s.stress_description})  target {usd(s.target_usd)} "
        f"({pct(e.coverage_target, 0)} of {s.target_basis})  achieved {usd(s.achieved_usd)} "
        f"({pct(s.achieved_of_target)} of target, {pct(s.achieved_coverage)} of VaR)"
    )
    if s.mode == "coverage":
        line += f"  +/- one contract {usd(s.tolerance_usd)}"
    if s.leftover_usd is not None:
        line += f"  unspent {usd(s.leftover_usd)}"
    out.append(line)
    carry = -t.theta_usd * 365.0 / e.notional_usd
    out.append(
        f"premium {usd(t.premium_usd)} = {pct(s.premium_pct_notional, 3)} of notional, {pct(s.premium_pct_annualised, 2)} annualised "
        f"(each layer over its own life); theta carry {pct(carry, 2)}/yr"
    )
    if e.funding_rate is not None:
        out.append(
            f"funding {usd(s.funding_cost_usd)}: the premium carried to each layer's expiry at {e.funding_rate * 100:.2f}%/yr "
            f"(total cost {usd(t.premium_usd + s.funding_cost_usd)})"
        )
    out.append("")
    nets = [sc.net_pnl_usd for sc in v.scenarios]
    best = max(range(len(nets)), key=nets.__getitem__) if nets else -1
    worst = min(range(len(nets)), key=nets.__getitem__) if nets else -1
    out.append(f"  {'scenario':<36} {'kind':<10}{'VIX':>7}{'hedge':>10}{'exposure':>11} {'basis':<12}{'net':>11}{'coverage':>9}")
    for i, sc in enumerate(v.scenarios):
        mark = "+" if i == best else ("-" if i == worst else " ")
        name = sc.name if len(sc.name) <= 36 else sc.name[:35] + "…"
        out.append(
            f"{mark} {name:<36} {sc.kind:<10}{sc.target_spot:>7.2f}{usd(sc.hedge_pnl_usd):>10}{usd(sc.exposure_pnl_usd):>11}"
            f" {sc.exposure_basis:<12}{usd(sc.net_pnl_usd):>11}{pct(sc.coverage):>9}"
        )
    out.append(
        "  (+ best net, - worst net; basis: var = the VaR-sized loss, spx = beta x S&P move implied by the VIX, "
        "spx_episode = beta x the S&P's return in the episode, btc = btc_beta x BTC's return in the episode; "
        f"replays: {'the market the episode ended in' if v.plan.scenarios.replay == 'level' else 'the episode moves added to today'} "
        f"(scenarios.replay = {v.plan.scenarios.replay!r}); time passes with futures held by expiry)"
    )
    out.append("")
    if v.rolls:
        out.append("rolls at today's curve (futures held by expiry; tenor-held: the curve rolled to spot) and vols; cost > 0 is a debit")
        out.append(f"{'date':<12}{'layer':<10}{'from':>12}{'to':>12}{'strike':>14}{'contracts':>10}{'cost':>11}{'tenor-held':>12}  note")
        for step in v.rolls:
            out.append(
                f"{step.date.isoformat():<12}{step.layer[:10]:<10}{step.from_expiry.isoformat():>12}{step.to_expiry.isoformat():>12}"
                f"{f'{step.from_strike:g}->{step.to_strike:g}':>14}{step.contracts:>10,d}{usd(step.cost_usd):>11}"
                f"{usd(step.cost_tenor_held_usd):>12}  {step.note}".rstrip()
            )
        out.append(f"{'total':<12}{'':<10}{'':>12}{'':>12}{'':>14}{'':>10}{usd(v.roll_cost_usd):>11}{usd(v.roll_cost_tenor_held_usd):>12}")
    else:
        out.append("rolls: none (no layer has a roll rule that falls before the last expiry)")
    if v.events:
        out.append("")
        out.append("macro events before the last expiry: " + "  ".join(f"{e.date:%b%d} {e.event}" for e in v.events))
    for w in v.all_warnings:
        out.append(f"warning: {w}")
    return "\n".join(out)


def _load(path: Path):
    try:
        return load_plan(path)
    except PlanError as error:
        for message in error.messages:
            print(message, file=sys.stderr)
        return None


def price(path: Path, as_json: bool = False) -> int:
    plan = _load(path)
    if plan is None:
        return EXIT_UNUSABLE
    valuation = value_plan(plan)
    if as_json:
        json.dump(valuation_to_json(valuation), sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(render_table(valuation))
    return EXIT_OK


def check(path: Path) -> int:
    plan = _load(path)
    if plan is None:
        return EXIT_UNUSABLE
    valuation = value_plan(plan)
    shown = printable(str(path))  # a hostile file name must not drive the terminal
    print(f"{shown}: ok — {len(plan.layers)} layers, {len(plan.market.live_futures)} live months, as of {plan.market.as_of}")
    for w in valuation.all_warnings:
        print(f"{shown}: warning: {printable(w)}")
    return EXIT_OK
