"""The backtest's market: the history's arrays over its days, the day's curve (PCHIP on the
live settlements, as :class:`tui.core.curve.MarketSnapshot`) and the model's option prices
on them, the plan's vol model scaled to each day's VVIX."""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from .black76 import black76_price
from .history import History, monthly_expiry_table
from .plan import Plan

VIX3M_DAYS = 93  # VIX3M's horizon: where it is missing, the curve's forward there stands in


class Market:
    """The history's arrays over the backtest's days, with the model's pricing on them."""

    def __init__(self, history: History, plan: Plan):
        self.history = history
        self.days = history.dates
        self.n = len(self.days)
        self.day_num = self.days.astype(np.int64)
        self.table = monthly_expiry_table(self.days[0], self.days[-1], ahead=24)
        self.table_num = self.table.astype(np.int64)
        self.table_list = self.table_num.tolist()
        self.day_list = self.day_num.tolist()
        self.first = np.searchsorted(self.table, self.days, "right")  # table index of M1, per day
        col = np.searchsorted(history.expiries, self.table)
        col = np.minimum(col, len(history.expiries) - 1)
        self.col_of = np.where(history.expiries[col] == self.table, col, -1)  # table -> history column
        self.col_list = self.col_of.tolist()
        self.first_list = self.first.tolist()
        daily = history.daily
        self.vix = daily["vix"].to_numpy(float)
        vol = plan.market.vol
        ratio = float(vol.vvix_ratio or 1.0)
        vvix = daily["vvix"].to_numpy(float)
        self.vol_scale = np.where(np.isfinite(vvix), vvix / 100.0 * ratio / float(vol.atm(30.0)), 1.0)
        self.vol = vol
        self.rate = float(plan.market.rate)
        self._vix3m_closes = daily["vix3m"].to_numpy(float)
        self.vix3m_proxied = 0  # days without a VIX3M close, counted when vix3m is first read
        self.pydates = self.days.astype(object)  # datetime.date per day

    @cached_property
    def backwardation(self) -> np.ndarray:
        """M1 above M2 (by the calendar), per day."""
        return self.month_future(1) > self.month_future(2)

    @cached_property
    def eased(self) -> np.ndarray:
        """The day the front turned from backwardation to contango (or flat)."""
        eased = np.zeros(self.n, dtype=bool)
        eased[1:] = self.backwardation[:-1] & ~self.backwardation[1:]
        return eased

    @cached_property
    def vix3m(self) -> np.ndarray:
        """VIX3M; where it has no close, the curve's 93-day forward (computed on first use,
        which also sets ``vix3m_proxied``)."""
        vix3m = self._vix3m_closes
        missing = np.flatnonzero(np.isnan(vix3m))
        if len(missing):
            vix3m = vix3m.copy()
            vix3m[missing] = self.forward(missing, self.day_num[missing] + VIX3M_DAYS)
            self.vix3m_proxied = len(missing)
        return vix3m

    # expiry of M<n> (table index) on each day
    def month_index(self, t, n: int):
        return self.first[t] + n - 1

    def month_future(self, n: int) -> np.ndarray:
        t = np.arange(self.n)
        k = self.month_index(t, n)
        return self.future(t, self.table_num[k], self.col_of[k])

    def future(self, t: np.ndarray, expiry_num: np.ndarray, col: np.ndarray) -> np.ndarray:
        """Settlement of the contract (history column ``col``) on days ``t``; PCHIP on the
        day's curve where it has none."""
        values = np.full(len(t), np.nan)
        has = col >= 0
        values[has] = self.history.settles[t[has], col[has]]
        missing = np.flatnonzero(~np.isfinite(values))
        if len(missing):
            values[missing] = self.forward(t[missing], expiry_num[missing])
        return values

    def forward(self, t: np.ndarray, expiry_num: np.ndarray) -> np.ndarray:
        """The day's curve (spot at day 0, then the live settlements) at ``expiry_num``,
        monotone between knots (PCHIP, as :class:`tui.core.curve.MarketSnapshot`), flat beyond
        the last listed month; every requested day at once."""
        t = np.asarray(t)
        expiries = self.history.expiries.astype(np.int64)
        day = self.day_num[t][:, None]
        settles = self.history.settles[t]
        valid = np.concatenate([np.isfinite(self.vix[t])[:, None], np.isfinite(settles) & (expiries[None, :] > day)], axis=1)
        knots_x = np.concatenate([np.zeros((len(t), 1)), (expiries[None, :] - day).astype(float)], axis=1)
        knots_y = np.concatenate([self.vix[t][:, None], settles], axis=1)
        order = np.argsort(~valid, axis=1, kind="stable")  # valid knots first, in expiry order
        count = valid.sum(axis=1)
        width = max(int(count.max()), 1) if len(t) else 1
        order = order[:, :width]
        x = np.take_along_axis(knots_x, order, axis=1)
        y = np.take_along_axis(knots_y, order, axis=1)
        pad = np.arange(width)[None, :] >= count[:, None]
        x[pad], y[pad] = np.nan, np.nan
        return _pchip_rows(x, y, count, (np.asarray(expiry_num) - self.day_num[t]).astype(float))

    def price(self, t: np.ndarray, expiry_num, col, strike) -> np.ndarray:
        """Model price of a call struck at ``strike`` on the contract, on days ``t``."""
        fut = self.future(t, np.broadcast_to(expiry_num, t.shape), np.broadcast_to(col, t.shape))
        dte = (expiry_num - self.day_num[t]).astype(float)
        sigma = self.vol.vol(strike, fut, dte) * self.vol_scale[t]
        return black76_price(fut, strike, dte / 365.0, self.rate, sigma)

    def future_on(self, t: int, e_num: int, col: int) -> float:
        """The contract's settlement on day ``t`` (the day's curve there when it has none)."""
        f = float(self.history.settles[t, col]) if col >= 0 else math.nan
        return f if math.isfinite(f) else float(self.forward(np.array([t]), np.array([e_num]))[0])


def _pchip_end(h0, h1, m0, m1):
    d = ((2.0 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    d = np.where(np.sign(d) != np.sign(m0), 0.0, d)
    return np.where((np.sign(m0) != np.sign(m1)) & (np.abs(d) > np.abs(3.0 * m0)), 3.0 * m0, d)


def _pchip_rows(x: np.ndarray, y: np.ndarray, count: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Row r: the PCHIP interpolant through its first ``count[r]`` knots (``x`` increasing),
    at ``at[r]`` clipped to the knots: :func:`tui.core.curve.pchip_slopes` and ``hermite``,
    for many curves at once. A row of one knot is flat; none gives NaN."""
    rows = np.arange(len(x))
    out = np.full(len(x), np.nan)
    if x.shape[1] < 2:
        out[count == 1] = y[count == 1, 0]
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        last = np.maximum(count - 1, 0)
        at = np.clip(at, x[:, 0], x[rows, last])
        h = np.diff(x, axis=1)
        m = np.diff(y, axis=1) / h
        d = np.zeros_like(y)
        if x.shape[1] > 2:
            w1 = 2.0 * h[:, 1:] + h[:, :-1]
            w2 = h[:, 1:] + 2.0 * h[:, :-1]
            same = (np.sign(m[:, :-1]) * np.sign(m[:, 1:])) > 0
            d[:, 1:-1] = np.where(same, (w1 + w2) / (w1 / m[:, :-1] + w2 / m[:, 1:]), 0.0)
            three = count >= 3
            k = np.where(three, count - 2, 1)  # last interval of each row
            d[:, 0] = np.where(three, _pchip_end(h[:, 0], h[:, 1], m[:, 0], m[:, 1]), m[:, 0])
            d[rows, last] = np.where(three, _pchip_end(h[rows, k], h[rows, k - 1], m[rows, k], m[rows, k - 1]), m[:, 0])
        else:
            d[:, 0] = d[:, 1] = m[:, 0]
        i = np.clip(((x <= at[:, None]) & (np.arange(x.shape[1])[None, :] < count[:, None])).sum(axis=1) - 1,
                    0, np.maximum(count - 2, 0))
        j = np.minimum(i + 1, x.shape[1] - 1)
        hh = x[rows, j] - x[rows, i]
        s = (at - x[rows, i]) / hh
        s2, s3 = s * s, s * s * s
        value = ((2.0 * s3 - 3.0 * s2 + 1.0) * y[rows, i] + (s3 - 2.0 * s2 + s) * hh * d[rows, i]
                 + (-2.0 * s3 + 3.0 * s2) * y[rows, j] + (s3 - s2) * hh * d[rows, j])
    out[count >= 2] = value[count >= 2]
    out[count == 1] = y[count == 1, 0]
    return out
