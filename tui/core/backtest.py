"""The plan through history: a daily backtest of its layers, rolls and entry rule, the exposure
over the same days, and Cboe's VXTH rule at equal average annual premium.

Method (the README's "Backtest" section says the same for users):

* **Days**: the history's VX settlement days from ``start`` to ``end``.
* **A layer's life**: opened on a day by its rule: expiry ``M<n>`` by the exchange calendar
  (the layer's ``expiry`` for its first life, ``roll_to`` for the next ones), skipping an
  expiry with no more than ``roll_at_dte`` days left; strike by the layer's rule against that
  day's future; contracts by the sizing mode on that day (``budget``: the weight's share of
  ``premium_usd`` at each opening, whole contracts; ``coverage``: re-solved on that day's
  market; ``contracts``: fixed). Closed at the model price on the last trading day with at
  least ``roll_at_dte`` days left (and at once re-opened: a roll), or, with
  ``roll_when = "backwardation_eases"``, earlier on the day the M1->M2 slope turns from
  backwardation to contango; or when worth at least ``take_profit`` times its cost; or held to
  expiry and paid ``max(final settlement - K, 0)``. A new life opens only on a day the entry
  condition holds (``entry``); until then the layer is flat.
* **Prices are the model's, on real futures**: Black-76 on the day's settlement of the
  option's own future (PCHIP-interpolated on the day's curve when that contract has no
  settlement), the plan's vol model shape scaled so its 30-day ATM vol is the day's VVIX / 100
  (times ``market.vol.vvix_ratio`` when the plan has one), the plan's rate. They are not traded
  option prices: no bid/ask, no smile dynamics beyond VVIX.

The engine loops over layer *lives* (a few hundred over 20 years) and prices each life's days
in one vectorised Black-76 call; nothing loops over days in Python.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .backtest_market import VIX3M_DAYS, Market
from .black76 import black76
from .history import History, monthly_expiry_table
from .plan import BACKTEST_ENTRY_RULES, CONTRACT_MULTIPLIER, BacktestSettings, Plan, parse_month, resolve_strike
from .sizing import MIN_CONTRACT_USD
from .vxth import vxth_weight_pct

__all__ = [
    "BacktestCancelled",
    "BacktestError",
    "BacktestResult",
    "Trade",
    "exposure_path",
    "run_backtest",
    "vxth_benchmark",
]

VXTH_DELTA = 0.30


class BacktestError(ValueError):
    """A backtest that cannot run (no days in the range, a plan it cannot follow)."""


class BacktestCancelled(Exception):
    """The caller's ``cancelled()`` returned True."""


@dataclass(frozen=True)
class Trade:
    layer: str
    open_date: date
    close_date: date | None  # None: still open at the end (valued at the model)
    expiry: date
    strike: float
    contracts: float
    cost_usd: float
    proceeds_usd: float  # the sale or final settlement; the model value if still open
    reason: str  # "roll" | "eased" | "take_profit" | "expiry" | "open"


@dataclass(frozen=True)
class RuleRun:
    """One rule's daily path: the plan's layers, or the VXTH benchmark."""

    name: str
    value: np.ndarray  # USD, positions held at the day's close
    premium: np.ndarray  # USD paid on each day
    proceeds: np.ndarray  # USD received on each day
    trades: tuple[Trade, ...]
    rolls: int = 0

    @property
    def pnl_cum(self) -> np.ndarray:
        return self.value + np.cumsum(self.proceeds - self.premium)


@dataclass(frozen=True)
class BacktestResult:
    plan: Plan
    settings: BacktestSettings
    dates: np.ndarray  # datetime64[D]
    hedge: RuleRun
    benchmark: RuleRun
    exposure_pnl_cum: np.ndarray  # USD
    exposure_basis: str  # a sentence: what the exposure follows
    entry_share: float  # share of days the entry condition held
    notes: tuple[str, ...] = field(default=())

    @property
    def years(self) -> float:
        """Calendar years covered, first to last day inclusive."""
        days = self.dates.astype(np.int64)
        return float(days[-1] - days[0] + 1) / 365.25

    @property
    def net_pnl_cum(self) -> np.ndarray:
        return self.hedge.pnl_cum + self.exposure_pnl_cum


def _entry_days(mk: Market, rule: str) -> np.ndarray:
    """The days the entry rule holds."""
    if rule == "always":
        return np.ones(mk.n, dtype=bool)
    if rule == "backwardation":
        return mk.backwardation.copy()
    if rule == "vix_over_vix3m":
        return mk.vix > mk.vix3m
    raise BacktestError(f"[backtest] entry {rule!r} is not one of {', '.join(BACKTEST_ENTRY_RULES)}")


def _next_true(flags: np.ndarray) -> np.ndarray:
    """``nxt[t]`` = the first index >= t where ``flags`` holds (len(flags) if none)."""
    n = len(flags)
    idx = np.where(flags, np.arange(n), n)
    return np.minimum.accumulate(idx[::-1])[::-1] if n else idx


# -- the plan's layers -----------------------------------------------------------------------

def _month_of(spec, plan: Plan) -> int:
    """A layer's expiry rule as M<n>; a date counts as the months it was ahead of as_of."""
    if isinstance(spec, date):
        table = monthly_expiry_table(np.datetime64(plan.market.as_of, "D"), np.datetime64(spec, "D"))
        ahead = table[table > np.datetime64(plan.market.as_of, "D")]
        return max(1, int(np.searchsorted(ahead, np.datetime64(spec, "D"))) + 1)
    n = parse_month(spec)
    if n is None:
        raise BacktestError(f"expiry {spec!r} is neither M<n> nor a date")
    return n


def _coverage_contracts(plan: Plan, mk: Market, t: int, first: bool) -> tuple[float, ...]:
    """Coverage sizing re-solved on day ``t``'s market by the planner's own solver: each
    layer at its opening rule (``expiry`` for a first turn, else ``roll_to``), the plan's vol
    model scaled to that day's VVIX as the backtest prices it."""
    from dataclasses import replace

    from .curve import Future, MarketSnapshot
    from .valuation import value_plan

    day = mk.pydates[t]
    live = [Future(e, s) for e, s in mk.history.curve_on(day)]
    vol = plan.market.vol
    scale = float(mk.vol_scale[t])
    vol = replace(vol, atm_front=vol.atm_front * scale, atm_long=vol.atm_long * scale)
    market = MarketSnapshot(day, float(mk.vix[t]) if np.isfinite(mk.vix[t]) else live[0].settle,
                            plan.market.rate, tuple(live), vol)
    months = [_month_of(layer.expiry, plan) if first or not layer.roll_to else _month_of(layer.roll_to, plan)
              for layer in plan.layers]
    layers = tuple(replace(layer, expiry=f"M{min(m, len(live))}") for layer, m in zip(plan.layers, months, strict=True))
    valuation = value_plan(replace(plan, market=market, layers=layers), scenarios=(), rolls=False, grid_points=3)
    return tuple(float(lv.contracts) for lv in valuation.layers)


def _schedule_layer(plan: Plan, index: int, mk: Market, entry_next: np.ndarray, take_profit, cancelled):
    """One layer's lives ``[t, end, expiry, column, strike, reason, marks, month]``: integer
    work per life; the marks are priced later for all layers at once, except with
    ``take_profit``, where each life's marks decide where it ends."""
    layer = plan.layers[index]
    first_month = _month_of(layer.expiry, plan)
    next_month = _month_of(layer.roll_to, plan) if layer.roll_to else first_month
    roll_at = layer.roll_at_dte
    eases = layer.roll_when == "backwardation_eases"
    lives = []  # [t, end, e_num, col, strike, reason, marks | None]
    rolls = 0
    # plain lists: this loop does scalar work per life, where numpy scalars are slow
    days, table, cols, first = mk.day_list, mk.table_list, mk.col_list, mk.first_list
    nxt = entry_next.tolist()
    n = mk.n
    t, month = 0, first_month
    while t < n:
        if cancelled is not None and cancelled():
            raise BacktestCancelled()
        t = nxt[t]
        if t >= n:
            break
        k = first[t] + month - 1
        if roll_at is not None:
            while table[k] - days[t] <= roll_at:
                k += 1
        e_num, col = table[k], cols[k]
        last = bisect_right(days, e_num) - 1  # last day on or before expiry
        end = max(last, t)
        # on the expiry day the final settlement pays; a history that stops before it leaves
        # the layer open; a missing expiry day closes it at the model the day before
        reason = "expiry" if (days[end] == e_num or end < n - 1) else "open"
        if roll_at is not None:
            roll_day = max(bisect_right(days, e_num - roll_at) - 1, t + 1)
            # the last day with roll_at_dte days left, known only once the next day exists
            if roll_day <= last and (roll_day < n - 1 or e_num - days[roll_day] < roll_at):
                end, reason = roll_day, "roll"
            elif roll_day >= n - 1:
                end, reason = n - 1, "open"
        if eases and end > t:
            hit = np.flatnonzero(mk.eased[t + 1:end + 1])
            if len(hit):
                end, reason = t + 1 + int(hit[0]), "eased"
        strike = resolve_strike(layer.strike, mk.future_on(t, e_num, col))
        marks = None
        if take_profit is not None:
            marks = mk.price(np.arange(t, end + 1), e_num, col, strike)
            hit = np.flatnonzero(marks[1:] >= take_profit * marks[0]) if marks[0] > 0 else np.zeros(0, dtype=np.intp)
            if len(hit):
                end, reason = t + 1 + int(hit[0]), "take_profit"
                marks = marks[:end - t + 1]
        lives.append([t, end, e_num, col, strike, reason, marks, month])
        if reason == "open":
            break
        if reason in ("roll", "eased"):
            rolls += 1
        month = next_month
        t = end if end > t else t + 1
    return lives, rolls


def _price_lives(mk: Market, lives: list) -> None:
    """Fill in the marks of every life that has none, all days of all lives in one call
    (over 8192 options Black-76 takes scipy's vectorised normal CDF)."""
    todo = [life for life in lives if life[6] is None]
    if not todo:
        return
    lengths = np.array([life[1] - life[0] + 1 for life in todo])
    span = np.concatenate([np.arange(life[0], life[1] + 1) for life in todo])
    rep = np.repeat(np.arange(len(todo)), lengths)
    e_arr = np.array([life[2] for life in todo])[rep]
    c_arr = np.array([life[3] for life in todo])[rep]
    k_arr = np.array([life[4] for life in todo])[rep]
    marks = mk.price(span, e_arr, c_arr, k_arr)
    for life, part in zip(todo, np.split(marks, np.cumsum(lengths)[:-1]), strict=True):
        life[6] = part


def _finance_lives(plan: Plan, mk: Market, schedules: list) -> list[str]:
    """A financed layer's lives carry the net marks: the long call less each leg that
    expires with it (``sign x ratio`` per long contract, its strike resolved against the
    same future on the opening day). Sizing, value and proceeds then follow the spread.
    A leg with its own expiry (a calendar) is not replayed: a note says so."""
    notes: list[str] = []
    for layer, lives in zip(plan.layers, schedules, strict=True):
        legs = [leg for leg in layer.legs if leg.expiry is None]
        if len(legs) < len(layer.legs):
            notes.append(f"layer {layer.name!r}: a leg with its own expiry (a calendar) is not in the backtest; "
                         "its same-expiry legs are")
        if not legs:
            continue
        for life in lives:
            t, e_num, col = life[0], life[2], life[3]
            f0 = mk.future_on(t, e_num, col)
            days = np.arange(t, t + len(life[6]))
            for leg in legs:
                life[6] = life[6] + leg.sign * leg.ratio * mk.price(days, e_num, col, resolve_strike(leg.strike, f0))
    return notes


class _Book:
    """One rule's daily arrays and trades, booked a life at a time."""

    def __init__(self, n: int):
        self.value = np.zeros(n)  # USD, positions held at the day's close
        self.premium = np.zeros(n)  # USD paid on each day
        self.proceeds = np.zeros(n)  # USD received on each day
        self.trades: list[Trade] = []

    def add(self, mk: Market, name: str, t: int, end: int, e_num: int, strike: float, reason: str, marks, contracts: float) -> None:
        usd = marks * (CONTRACT_MULTIPLIER * contracts)
        closed = reason != "open"
        held = len(usd) - 1 if closed else len(usd)  # on the closing day it is sold
        self.value[t:t + held] += usd[:held]
        self.premium[t] += usd[0]
        if closed:
            self.proceeds[end] += usd[-1]
        self.trades.append(Trade(name, mk.pydates[t], mk.pydates[end] if closed else None,
                                 _date(e_num), float(strike), float(contracts),
                                 float(usd[0]), float(usd[-1]), reason))


def _settle_layer(plan: Plan, index: int, mk: Market, lives: list, cache) -> _Book:
    """Size each life and book its premium, daily value and proceeds."""
    layer = plan.layers[index]
    book = _Book(mk.n)
    mode = plan.sizing.mode
    budget = float(plan.sizing.premium_usd or 0.0) * layer.weight
    for t, end, e_num, _col, strike, reason, marks, month in lives:
        cost_one = marks[0] * CONTRACT_MULTIPLIER
        if mode == "contracts":
            contracts = float(layer.contracts or 0)
        elif mode == "budget":
            contracts = float(math.floor(budget / cost_one + 1e-9)) if cost_one >= MIN_CONTRACT_USD else 0.0
        else:
            first = month == _month_of(layer.expiry, plan) and t == lives[0][0]
            if (t, first) not in cache:
                cache[(t, first)] = _coverage_contracts(plan, mk, t, first)
            contracts = cache[(t, first)][index]
        if contracts <= 0:
            continue
        book.add(mk, layer.name, t, end, e_num, strike, reason, marks, contracts)
    return book


# -- the benchmark: Cboe VXTH's rule -------------------------------------------------------------

def _date(day_number: int) -> date:
    return date.fromordinal(int(day_number) + _EPOCH_ORDINAL)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _listed_strikes(level: np.ndarray) -> np.ndarray:
    """:func:`tui.core.plan.listed_strike`, vectorised (both round half to even)."""
    return np.where(level < 15.0, np.maximum(0.5, np.round(level * 2.0) / 2.0), np.round(level))


def _vxth_lives(mk: Market) -> list:
    """The VXTH rule's purchases, in the layers' life format (the last item: its weight)."""
    t = np.flatnonzero(mk.table[mk.first - 1] == mk.days)  # the expiry days: VXTH's rolls
    if not len(t):
        return []
    k = mk.first[t]
    e_num = mk.table_num[k]
    col = mk.col_of[k]
    f = mk.future(t, e_num, col)
    weight = np.asarray(vxth_weight_pct(f), dtype=float) / 100.0
    # the listed strike whose model delta is closest to 30
    grid = _listed_strikes(f[:, None] * np.linspace(1.0, 4.0, 200)[None, :])
    dte = (e_num - mk.day_num[t]).astype(float)[:, None]
    sigma = mk.vol.vol(grid, f[:, None], dte) * mk.vol_scale[t][:, None]
    delta = black76(f[:, None], grid, dte / 365.0, mk.rate, sigma).delta
    strike = grid[np.arange(len(t)), np.argmin(np.abs(delta - VXTH_DELTA), axis=1)]
    last = np.searchsorted(mk.day_num, e_num, "right") - 1
    lives = []
    for i in np.flatnonzero(weight > 0):
        a, b = int(t[i]), int(last[i])
        closed = mk.day_num[b] == e_num[i] or b < mk.n - 1
        lives.append([a, b, int(e_num[i]), int(col[i]), float(strike[i]), "expiry" if closed else "open",
                      None, float(weight[i])])
    return lives


def vxth_benchmark(mk: Market, annual_premium_usd: float, years: float, lives: list | None = None) -> RuleRun:
    """One-month ~30-delta calls bought at each monthly expiry in the range, weighted by the
    VXTH tiers of the forward VIX (the bought future), held to expiry; premiums scaled so the
    average annual premium equals ``annual_premium_usd`` (fractional contracts)."""
    if lives is None:
        lives = _vxth_lives(mk)
        _price_lives(mk, lives)
    bought = [life for life in lives if life[6][0] * CONTRACT_MULTIPLIER >= MIN_CONTRACT_USD]
    total_weight = sum(life[7] for life in bought)
    scale = annual_premium_usd * years / total_weight if total_weight > 0 else 0.0
    book = _Book(mk.n)
    for a, b, e_num, _col, strike, reason, marks, weight in bought if scale > 0 else []:
        book.add(mk, "VXTH", a, b, e_num, strike, reason, marks, weight * scale / (marks[0] * CONTRACT_MULTIPLIER))
    return RuleRun("Cboe VXTH rule (30-delta one-month VIX calls, forward-VIX tiers)",
                   book.value, book.premium, book.proceeds, tuple(book.trades))


# -- the exposure ------------------------------------------------------------------------------

def exposure_path(plan: Plan, history: History) -> tuple[np.ndarray, str]:
    """Cumulative exposure P&L (USD): the notional held constant, times each day's return of
    its basis (beta x S&P 500 for equity; btc_beta x BTC for crypto, beta x S&P 500 where BTC
    has no close yet), summed. Returns the path and a sentence saying what it follows.

    Held at its notional, not compounded: the hedge is sized against the plan's notional at
    every opening, so the exposure it is compared with must stay that size too. Compounded,
    a $2B bridge on BTC since 2014 grows some 235-fold and its dollar swings dwarf any hedge
    sized for $2B."""
    ex = plan.exposure
    basis = ex.basis or ("crypto" if ex.btc_beta > 0 else "equity")
    spx = history.daily["spx"].ffill().to_numpy(float)
    spx_ret = np.zeros(len(spx))
    spx_ret[1:] = np.nan_to_num(spx[1:] / spx[:-1] - 1.0)
    ret = ex.beta_spx * spx_ret
    text = f"{ex.beta_spx:g} x S&P 500 daily returns"
    if basis == "crypto":
        btc = history.daily["btc"].to_numpy(float)
        btc_ret = np.full(len(btc), np.nan)
        btc_ret[1:] = btc[1:] / btc[:-1] - 1.0
        has = np.isfinite(btc_ret)
        beta = float(ex.btc_beta or 1.0)
        ret = np.where(has, beta * np.nan_to_num(btc_ret), ret)
        if has.any():
            first = history.daily.index[int(np.flatnonzero(has)[0])].date()
            text = (f"{beta:g} x BTC daily returns from {first}"
                    + (f"; {ex.beta_spx:g} x S&P 500 before" if not has[1:].all() else ""))
    return ex.notional_usd * np.cumsum(np.maximum(ret, -1.0)), text + ", on a constant notional"


# -- the run -------------------------------------------------------------------------------------

def run_backtest(plan: Plan, history: History, settings: BacktestSettings | None = None,
                 progress=None, cancelled=None) -> BacktestResult:
    """Run the plan's layers, the exposure and the VXTH rule over the history (see the module
    doc). ``progress(fraction)`` is called as layers finish; ``cancelled()`` returning True
    stops the run with :class:`BacktestCancelled`."""
    settings = settings or plan.backtest
    part = history.between(settings.start, settings.end)
    if len(part) < 2:
        raise BacktestError(f"the history has {len(part)} day(s) between {settings.start or 'its start'} "
                            f"and {settings.end or 'its end'}; a backtest needs at least 2")
    if not plan.layers:
        raise BacktestError("the plan has no layers")
    if settings.entry not in BACKTEST_ENTRY_RULES:
        raise BacktestError(f"[backtest] entry {settings.entry!r} is not one of {', '.join(BACKTEST_ENTRY_RULES)}")
    if settings.take_profit is not None and not settings.take_profit > 1.0:
        raise BacktestError(f"[backtest] take_profit must be above 1 (a multiple of cost), got {settings.take_profit:g}")
    mk = Market(part, plan)
    entry = _entry_days(mk, settings.entry)
    entry_next = _next_true(entry)
    value = np.zeros(mk.n)
    premium = np.zeros(mk.n)
    proceeds = np.zeros(mk.n)
    trades: list[Trade] = []
    rolls = 0
    cache: dict = {}
    steps = len(plan.layers) + 1
    schedules = []
    for i in range(len(plan.layers)):
        lives, n = _schedule_layer(plan, i, mk, entry_next, settings.take_profit, cancelled)
        schedules.append(lives)
        rolls += n
    vxth = _vxth_lives(mk)
    _price_lives(mk, [life for lives in schedules for life in lives] + vxth)
    leg_notes = _finance_lives(plan, mk, schedules)
    for i, lives in enumerate(schedules):
        if cancelled is not None and cancelled():
            raise BacktestCancelled()
        book = _settle_layer(plan, i, mk, lives, cache)
        value += book.value
        premium += book.premium
        proceeds += book.proceeds
        trades += book.trades
        if progress is not None:
            progress((i + 1) / steps)
    trades.sort(key=lambda tr: (tr.open_date, tr.layer))
    years = float(mk.day_num[-1] - mk.day_num[0] + 1) / 365.25
    hedge = RuleRun(plan.name, value, premium, proceeds, tuple(trades), rolls)
    bench = vxth_benchmark(mk, float(premium.sum()) / years, years, vxth)
    if progress is not None:
        progress(1.0)
    exposure_pnl, basis_text = exposure_path(plan, part)
    notes = list(leg_notes)
    if settings.entry == "vix_over_vix3m" and mk.vix3m_proxied:
        notes.append(f"VIX3M has no close on {mk.vix3m_proxied} day(s) (it starts 2009-09-18); "
                     f"the VX curve's {VIX3M_DAYS}-day forward stands in there")
    return BacktestResult(plan, settings, mk.days, hedge, bench, exposure_pnl, basis_text,
                          float(entry.mean()), tuple(notes))
