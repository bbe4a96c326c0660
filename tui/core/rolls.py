"""Roll planning ("time-shifting"): each layer's rule gives a schedule of rolls and their cost.

A layer with ``roll_at_dte = N`` and ``roll_to = "M<k>"`` is rolled when its option has N
calendar days left: on ``expiry - N`` days, moved to the previous business day when that day
is a weekend or an exchange holiday (and to ``as_of`` when it has already passed), out of its
expiry and into ``M<k>`` *as of the roll date* (the k-th monthly expiry strictly after it, from
the expiry calendar). The new position is rolled again by the same rule; the schedule runs
from ``as_of`` to the expiry of the plan's last-expiring layer (roll dates on or before it).

Estimated cost, at **today's curve and vols**:

* futures are held by expiry (sticky expiry, the forward as forecast): on the roll date the
  future of an expiry is where today's curve has it (interpolated for an unlisted month,
  flat beyond the last listed one), with the days left on the roll date; each option's vol
  is today's vol model at its strike, future and tenor. The *tenor-held* figure beside it
  (``cost_tenor_held_usd``) holds the curve by tenor instead -- a future with ``d`` days
  left is at today's forward for ``d`` days, i.e. the curve rolls to spot, which in
  backwardation flatters a long hedge;
* sell the old option (the layer's strike, or the strike bought at the previous roll) at its
  Black-76 value on the roll date; buy the new one with the layer's strike spec ("ATM",
  "+10%" or a number) resolved against the new future, on the listed strike grid;
* the same number of contracts is rolled; ``cost_usd = (buy - sell) x 100 x contracts``:
  positive is a debit (you pay), negative a credit; not discounted, no bid/ask.

Dates need the exchange calendar (``calendar.py``, pandas, imported on first use); the
dates of a plan's schedule are cached, so repricing on every keystroke stays cheap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from .black76 import black76
from .plan import CONTRACT_MULTIPLIER, parse_month, resolve_strike


@dataclass(frozen=True)
class RollStep:
    layer: str
    date: date  # the roll date (a business day, or as_of)
    # Spelled through the module: in this class body `date` names the field above.
    from_expiry: datetime.date
    to_expiry: datetime.date
    from_strike: float
    to_strike: float
    from_future: float  # the old option's future on the roll date (curve held)
    to_future: float
    sell_price: float  # points per option
    buy_price: float
    contracts: int
    cost_usd: float  # (buy - sell) x 100 x contracts; > 0 a debit, < 0 a credit
    note: str = ""  # e.g. "2024-11-23 is a Saturday; moved to the business day before"
    # The same roll with the curve held by tenor (rolled to spot), for comparison.
    sell_price_tenor_held: float = 0.0
    buy_price_tenor_held: float = 0.0
    cost_tenor_held_usd: float = 0.0


@lru_cache(maxsize=256)
def roll_dates(
    as_of: date, expiry: date, roll_at_dte: int, roll_to: int, until: date
) -> tuple[tuple[date, date, date, str], ...]:
    """``((roll date, from expiry, to expiry, note), ...)`` for one layer's rule, up to ``until``."""
    from .calendar import is_business_day, monthly_expiries, previous_business_day

    out: list[tuple[date, date, date, str]] = []
    current = expiry
    while True:
        nominal = current - timedelta(days=roll_at_dte)
        when, note = nominal, ""
        if not is_business_day(when):
            when = previous_business_day(when)
            why = "a weekend day" if nominal.weekday() >= 5 else "an exchange holiday"
            note = f"{nominal.isoformat()} is {why}; moved to the business day before"
        if when < as_of:
            when, note = as_of, f"due now (the rule's date {nominal.isoformat()} has passed)"
        if when > until:
            break
        target = monthly_expiries(when, roll_to)[-1]
        if target <= current:
            out.append((when, current, target, f"M{roll_to} on {when.isoformat()} is not after the layer's expiry; no roll"))
            break
        out.append((when, current, target, note))
        current = target
    return tuple(out)


def roll_schedule(plan, expiries, strikes, contracts) -> tuple[tuple[RollStep, ...], tuple[str, ...]]:
    """The roll schedule of every layer with a rule, in date order, and any warnings.

    ``expiries``, ``strikes`` and ``contracts`` are the layers' resolved values today.
    """
    if not plan.layers:
        return (), ()
    key = tuple(
        (layer.name, layer.strike, layer.roll_at_dte, layer.roll_to, e, float(k))
        for layer, e, k in zip(plan.layers, expiries, strikes, strict=True)
    )
    per_contract, warnings = _per_contract(plan.market, key)
    steps = tuple(
        _conditional(_with_contracts(step, int(contracts[i])), plan.layers[i], plan.market) for i, step in per_contract
    )
    return tuple(sorted(steps, key=lambda s: (s.date, s.layer))), warnings


def _conditional(step: RollStep, layer, market) -> RollStep:
    """A layer with ``roll_when = "backwardation_eases"`` rolls on this date or earlier, on the
    day the front turns from backwardation to contango: the step says so, with today's slope."""
    if layer.roll_when != "backwardation_eases":
        return step
    from dataclasses import replace

    regime = market.regime()
    slope = f"{regime.m1_m2_slope_pct:+.1f} %" if regime.m1_m2_slope_pct is not None else "n/a"
    when = f"conditional: earlier if backwardation eases (M1->M2 today {slope}, {regime.name})"
    return replace(step, note=f"{when}; {step.note}" if step.note else when)


def _with_contracts(step: RollStep, c: int) -> RollStep:
    from dataclasses import replace

    return replace(
        step,
        contracts=c,
        cost_usd=(step.buy_price - step.sell_price) * CONTRACT_MULTIPLIER * c,
        cost_tenor_held_usd=(step.buy_price_tenor_held - step.sell_price_tenor_held) * CONTRACT_MULTIPLIER * c,
    )


@lru_cache(maxsize=64)
def _per_contract(market, layers: tuple) -> tuple[tuple[tuple[int, RollStep], ...], tuple[str, ...]]:
    """Roll steps for one contract of each layer (cached: it depends on the market and the
    layers' expiry, strike and rule only, not on how many contracts are held)."""
    until = max(e for *_x, e, _k in layers)
    warnings: list[str] = []
    rows: list[tuple[int, tuple[date, date, date, str]]] = []
    for i, (name, _spec, roll_at, roll_to, expiry, _k) in enumerate(layers):
        if roll_at is None or roll_to is None:
            continue
        k = parse_month(roll_to)
        if k is None:
            warnings.append(f"layer {name!r}: roll_to {roll_to!r} is not M<k>; no rolls")
            continue
        for step in roll_dates(market.as_of, expiry, int(roll_at), k, until):
            if step[2] <= step[1]:
                warnings.append(f"layer {name!r}: {step[3]}")
                continue
            rows.append((i, step))
    if not rows:
        return (), tuple(warnings)
    live = market.live_futures
    if live:
        beyond = {}
        for i, (_when, _frm, to, _n) in rows:
            if to > live[-1].expiry and i not in beyond:
                beyond[i] = to
        for i, to in beyond.items():
            warnings.append(
                f"layer {layers[i][0]!r}: rolls into {to.isoformat()}, after the last listed future "
                f"({live[-1].expiry.isoformat()}); priced on a flat extrapolation of the curve"
            )

    # Strikes: the old option is the layer's strike for its first roll, then the strike
    # bought at the previous roll. The new strike is the spec against the new future.
    d_old = np.array([(frm - when).days for _, (when, frm, _to, _n) in rows], dtype=float)
    d_new = np.array([(to - when).days for _, (when, _frm, to, _n) in rows], dtype=float)
    # Sticky expiry: each future where today's curve has its expiry.
    e_old = np.array([market.dte(frm) for _, (_w, frm, _to, _n) in rows], dtype=float)
    e_new = np.array([market.dte(to) for _, (_w, _frm, to, _n) in rows], dtype=float)
    fwd = np.asarray(market.forward(np.concatenate([e_old, e_new])), dtype=float)
    fwd_tenor = np.asarray(market.forward(np.concatenate([d_old, d_new])), dtype=float)
    n = len(rows)
    f_old, f_new = fwd[:n], fwd[n:]
    k_new = np.array([resolve_strike(layers[i][1], f) for (i, _), f in zip(rows, f_new, strict=True)], dtype=float)
    k_old = np.empty_like(k_new)
    last: dict[int, float] = {}
    for j, (i, _step) in enumerate(rows):
        k_old[j] = last.get(i, layers[i][5])
        last[i] = k_new[j]
    K = np.concatenate([k_old, k_new])
    D = np.concatenate([d_old, d_new])
    px = black76(fwd, K, D / 365.0, market.rate, market.vol.vol(K, fwd, D), True).price
    px_tenor = black76(fwd_tenor, K, D / 365.0, market.rate, market.vol.vol(K, fwd_tenor, D), True).price
    sell, buy = px[:n], px[n:]
    sell_t, buy_t = px_tenor[:n], px_tenor[n:]
    out = []
    for j, (i, (when, frm, to, note)) in enumerate(rows):
        out.append(
            (
                i,
                RollStep(
                    layer=layers[i][0],
                    date=when,
                    from_expiry=frm,
                    to_expiry=to,
                    from_strike=float(k_old[j]),
                    to_strike=float(k_new[j]),
                    from_future=float(f_old[j]),
                    to_future=float(f_new[j]),
                    sell_price=float(sell[j]),
                    buy_price=float(buy[j]),
                    contracts=1,
                    cost_usd=float((buy[j] - sell[j]) * CONTRACT_MULTIPLIER),
                    note=note,
                    sell_price_tenor_held=float(sell_t[j]),
                    buy_price_tenor_held=float(buy_t[j]),
                    cost_tenor_held_usd=float((buy_t[j] - sell_t[j]) * CONTRACT_MULTIPLIER),
                ),
            )
        )
    return tuple(out), tuple(warnings)
