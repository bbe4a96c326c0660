"""Entry signals on the VIX's daily history: term structure and momentum, with their record.

The method times its entries with the VIX term structure (VIX/VIX3M, the M1-M2 slope of
the futures) and momentum on the VIX (RSI(14), MACD(12, 26, 9)). Each signal here is a pure
function of pandas Series (rolling windows and EWMs, no hand-written loops); each is "on"
by a stated rule, and its record is reported honestly: how often a VIX rise of at least
50 % within 20 trading days followed a day the signal was on, against the same rate on all
days (the base rate). The days overlap (a signal that stays on for a week counts 5 days),
as they would for a trader who checks the signal each morning.

The history itself comes from :mod:`tui.core.history` (the loader the backtest uses).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .signal_record import Signal

RISE = 0.50  # a VIX rise of at least 50 % ...
HORIZON = 20  # ... within 20 trading days after the signal day
RSI_PERIOD = 14
RSI_ON = 70.0  # momentum: the VIX's RSI(14) at or above 70
MACD_FAST, MACD_SLOW, MACD_SIGNAL = 12, 26, 9
STALE_DAYS = 7  # a history that ends more than a week before as_of says nothing about as_of


# -- the indicators (textbook definitions) --------------------------------------------------

def rsi(close: pd.Series, period: int = RSI_PERIOD) -> pd.Series:
    """Wilder's RSI: average gain / average loss of the daily changes, smoothed by Wilder's
    rule ``avg_t = (avg_{t-1} (n - 1) + x_t) / n`` seeded with the simple mean of the first
    ``n`` changes; ``RSI = 100 - 100 / (1 + avg_gain / avg_loss)``. NaN before day ``n``."""
    change = close.diff()
    gain, loss = change.clip(lower=0.0), (-change).clip(lower=0.0)

    def wilder(x: pd.Series) -> pd.Series:
        seed = x.iloc[1 : period + 1].mean()  # the first n changes (day 0 has none)
        tail = x.iloc[period + 1 :]
        seeded = pd.concat([pd.Series([seed], index=[x.index[period]]), tail])
        out = seeded.ewm(alpha=1.0 / period, adjust=False).mean()
        return out.reindex(x.index)

    if len(close) <= period:
        return pd.Series(np.nan, index=close.index)
    avg_gain, avg_loss = wilder(gain), wilder(loss)
    with np.errstate(divide="ignore", invalid="ignore"):
        rs = avg_gain / avg_loss
    out = 100.0 - 100.0 / (1.0 + rs)
    return out.where(avg_loss > 0.0, 100.0).where(avg_gain.notna())


def ema(x: pd.Series, span: int) -> pd.Series:
    """The textbook EMA: ``alpha = 2 / (span + 1)``, seeded with the simple mean of the first
    ``span`` values (NaN before that). Leading NaNs of ``x`` are skipped."""
    valid = x.dropna()
    if len(valid) < span:
        return pd.Series(np.nan, index=x.index)
    seeded = valid.iloc[span - 1 :].copy()
    seeded.iloc[0] = valid.iloc[:span].mean()
    return seeded.ewm(span=span, adjust=False).mean().reindex(x.index)


def macd(close: pd.Series, fast: int = MACD_FAST, slow: int = MACD_SLOW, signal: int = MACD_SIGNAL) -> pd.DataFrame:
    """Appel's MACD: EMA(fast) - EMA(slow) of the close, its signal line EMA(signal) of the
    MACD, and the histogram (textbook EMAs, see :func:`ema`)."""
    line = ema(close, fast) - ema(close, slow)
    sig = ema(line, signal)
    return pd.DataFrame({"macd": line, "signal": sig, "histogram": line - sig})


def last_change(on: pd.Series) -> pd.Series:
    """For each day, the first day of the current run of ``on`` (the last crossover)."""
    on = on.astype(bool)
    run_start = on.ne(on.shift())
    days = pd.Series(on.index, index=on.index)
    return days.where(run_start).ffill()


def forward_rise(close: pd.Series, horizon: int = HORIZON) -> pd.Series:
    """The highest close over the next ``horizon`` trading days over today's, minus 1
    (NaN where fewer than ``horizon`` days follow)."""
    ahead = pd.api.indexers.FixedForwardWindowIndexer(window_size=horizon)
    later_max = close.shift(-1).rolling(ahead, min_periods=horizon).max()
    return later_max / close - 1.0


def hit_rates(on: pd.Series, close: pd.Series, rise: float = RISE, horizon: int = HORIZON) -> tuple[float | None, float | None, int]:
    """(hit rate on the signal's days, base rate on all days, signal days counted)."""
    outcome = forward_rise(close, horizon)
    known = outcome.notna()
    hit = outcome >= rise
    base = float(hit[known].mean()) if known.any() else None
    days = known & on.reindex(close.index, fill_value=False).astype(bool)
    n = int(days.sum())
    return (float(hit[days].mean()) if n else None), base, n


# -- the signals ------------------------------------------------------------------------------

def signal_frame(daily: pd.DataFrame) -> pd.DataFrame:
    """Each signal's value and on/off state per day, from a frame with columns ``vix``,
    ``vix3m``, ``m1`` and ``m2`` (NaN where absent)."""
    vix = daily["vix"].astype(float)
    out = pd.DataFrame(index=daily.index)
    out["vix_vix3m"] = vix / daily["vix3m"]
    out["m1_m2_slope"] = (daily["m2"] / daily["m1"] - 1.0) * 100.0
    v = vix.dropna()
    out["rsi14"] = rsi(v).reindex(daily.index)
    m = macd(v).reindex(daily.index)
    out["macd"] = m["macd"]
    out["macd_signal"] = m["signal"]
    out["vix_vix3m_on"] = out["vix_vix3m"] > 1.0
    out["m1_m2_slope_on"] = out["m1_m2_slope"] < 0.0
    out["rsi14_on"] = out["rsi14"] >= RSI_ON
    out["macd_on"] = out["macd"] > out["macd_signal"]
    return out


SIGNALS = (
    ("vix_vix3m", "VIX/VIX3M", "on above 1 (backwardation)"),
    ("m1_m2_slope", "M1→M2 slope %", "on below 0 (M1 above M2)"),
    ("rsi14", "RSI(14) of the VIX", f"on at or above {RSI_ON:g} (momentum)"),
    ("macd", "MACD(12,26,9) of the VIX", "on while MACD is above its signal line"),
)


def read_signals(daily: pd.DataFrame, as_of: date) -> tuple[Signal, ...]:
    """Every signal at ``as_of`` (the last history day on or before it) with its record over
    the whole history."""
    frame = signal_frame(daily)
    close = daily["vix"].astype(float)
    stamp = pd.Timestamp(as_of)
    upto = frame.index[frame.index <= stamp]
    day = upto[-1] if len(upto) and (stamp - upto[-1]).days <= STALE_DAYS else None
    out = []
    for name, label, rule in SIGNALS:
        value_col, on_col = frame[name], frame[f"{name}_on"]
        known = value_col.notna()
        hit, base, n = hit_rates(on_col & known, close)
        if day is None or not known.get(day, False):
            out.append(Signal(name, label, rule, None, "no data", False, None, hit, base, n, day.date() if day is not None else None))
            continue
        series_on = on_col[known]
        since = last_change(series_on.loc[:day]).iloc[-1]
        is_on = bool(on_col[day])
        out.append(
            Signal(name, label, rule, float(value_col[day]), "on" if is_on else "off", is_on, since.date(), hit, base, n, day.date())
        )
    return tuple(out)


def front_months(dates: np.ndarray, expiries: np.ndarray, settles: np.ndarray) -> pd.DataFrame:
    """M1 and M2 per day: the first two listed contracts expiring after the day."""
    live = np.isfinite(settles) & (expiries[None, :] > dates[:, None])
    rank = np.cumsum(live, axis=1)
    out = {}
    for k in (1, 2):
        pick = live & (rank == k)
        has = pick.any(axis=1)
        col = np.argmax(pick, axis=1)
        out[f"m{k}"] = np.where(has, settles[np.arange(len(dates)), col], np.nan)
    return pd.DataFrame(out, index=pd.DatetimeIndex(dates.astype("datetime64[ns]"), name="date"))


def history_frame(history) -> pd.DataFrame:
    """The columns the signals read, from a :class:`tui.core.history.History`."""
    fronts = front_months(history.dates, history.expiries, history.settles)
    frame = history.daily[["vix", "vix3m"]].copy()
    frame["m1"] = fronts["m1"].to_numpy()
    frame["m2"] = fronts["m2"].to_numpy()
    return frame
