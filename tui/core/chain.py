"""VIX option chains from CSV, and each quote's implied vol on its own expiry's future.

Two layouts are read (column names case-insensitive, spaces and ``_`` alike; whole-line
``#`` comments and blank lines are skipped):

* **daily bars** (the layout of the Polygon pull in the shared data):
  ``as_of_date, ticker, contract_type, strike_price, expiration_date, VIX_close, open,
  high, low, close, volume, vx_future_settle_same_expiry`` (``ticker``, ``VIX_close``,
  ``open``, ``high``, ``low`` optional; a ``VVIX_close`` column is read when present);
* **quotes** with bid/ask: ``expiration, strike, call/put, bid, ask, last, volume,
  underlying future`` (``as_of`` optional; ``type``/``cp``/``right`` for call/put,
  ``future``/``underlying`` for the future).

A quote's price is the bid/ask mid when both sides are there, else the last trade
(``close``/``last``); a row with neither is an untraded strike. Its future is the chain's
own column where filled, else the plan's curve (the settle of a listed month, else the
interpolated forward, which is flagged).

A file that cannot be used raises :class:`ChainError` naming the file, line and column.
Quotes that are valid rows but impossible prices (below the intrinsic value, at or above
the no-arbitrage bound) are kept out of the fit with a message naming their line.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from .curve import MarketSnapshot
from .implied_vol import (
    ABOVE_UPPER_BOUND,
    BELOW_INTRINSIC,
    NO_TIME_VALUE,
    OK,
    implied_vol_status,
)
from .safe_files import UnreadableFile, read_user_file, utf8_text
from .safe_text import printable

__all__ = ["ChainError", "Chain", "ChainQuotes", "load_chain", "parse_chain", "chain_quotes", "MAX_CHAIN_BYTES"]

MAX_CHAIN_BYTES = 20_000_000  # a day's VIX chain is ~100 KB to a few MB
MAX_ROWS = 200_000

# canonical name -> accepted header spellings (already lower-cased, '_' for spaces)
_ALIASES = {
    "as_of": ("as_of", "as_of_date", "date", "trade_date", "quote_date"),
    "ticker": ("ticker", "symbol", "option_symbol"),
    "kind": ("contract_type", "call/put", "call_put", "type", "cp", "right", "put/call", "option_type"),
    "strike": ("strike", "strike_price"),
    "expiry": ("expiration", "expiration_date", "expiry", "expiry_date"),
    "bid": ("bid",),
    "ask": ("ask", "offer"),
    "close": ("close", "last", "last_price", "last_trade"),
    "volume": ("volume", "vol", "traded_volume"),
    "future": ("vx_future_settle_same_expiry", "underlying_future", "future", "underlying", "underlying_price", "vx_future"),
    "vix": ("vix_close", "vix", "spot"),
    "vvix": ("vvix_close", "vvix"),
    "open": ("open",),
    "high": ("high",),
    "low": ("low",),
}
_LOOKUP = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_REQUIRED = ("kind", "strike", "expiry")
_SHOWN = {"kind": "contract_type (or call/put)", "strike": "strike_price (or strike)", "expiry": "expiration_date (or expiration)"}
_CALLS = {"call", "c", "calls"}
_PUTS = {"put", "p", "puts"}


class ChainError(ValueError):
    """An option chain file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Chain:
    """The rows of a chain file, as arrays (one element per row)."""

    source: str
    layout: str  # "daily bars" | "quotes"
    as_of: date | None
    line: np.ndarray  # file line of each row (1-based)
    expiry: tuple[date, ...]
    strike: np.ndarray
    is_call: np.ndarray
    price: np.ndarray  # mid, else last; NaN when untraded
    two_sided: np.ndarray  # bid and ask both there
    volume: np.ndarray  # 0 when not given
    future: np.ndarray  # the chain's own future per row; NaN when not given
    vix_close: float | None = None
    vvix_close: float | None = None

    def __len__(self) -> int:
        return int(self.strike.size)


@dataclass(frozen=True)
class ChainQuotes:
    """Every row of a chain against a market: its future, time and implied vol."""

    chain: Chain
    forward: np.ndarray
    forward_listed: np.ndarray  # the future is the chain's column or a listed settle
    years: np.ndarray
    iv: np.ndarray  # NaN where none
    status: np.ndarray  # implied_vol status; -1 where there is no price
    warnings: tuple[str, ...] = field(default=())

    @property
    def otm(self) -> np.ndarray:
        c = self.chain
        return np.where(c.is_call, c.strike >= self.forward, c.strike < self.forward)

    def informative(self, min_price: float = 0.05) -> np.ndarray:
        """Quotes that carry information for a fit: traded or two-sided, out of the money,
        worth at least ``min_price``, an implied vol found, on a future of its own expiry."""
        c = self.chain
        return (
            ((c.volume > 0) | c.two_sided)
            & self.otm
            & (c.price >= min_price)
            & (self.status == OK)
            & self.forward_listed
            & (self.years > 0)
        )


def _norm(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def _read_text(path: Path) -> str:
    try:
        raw = read_user_file(path, MAX_CHAIN_BYTES, "an option chain CSV", f"an option chain is at most {MAX_CHAIN_BYTES:,} bytes")
        return utf8_text(raw)
    except UnreadableFile as error:
        raise ChainError(f"{printable(str(path))}: {error}") from None


def load_chain(path) -> Chain:
    """Read an option chain CSV (either layout); :class:`ChainError` on any problem."""
    path = Path(path)
    return parse_chain(_read_text(path), str(path))


def parse_chain(text: str, source: str = "<chain>") -> Chain:
    name = printable(source)
    lines = text.splitlines()
    kept = [(i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if not kept:
        raise ChainError(f"{name}: no header row (the file is empty)")
    try:
        records = list(csv.reader(io.StringIO("\n".join(ln for _, ln in kept)), strict=True))
    except csv.Error as error:
        raise ChainError(f"{name}: not a well-formed CSV file ({error})") from None
    if len(records) != len(kept):  # a quoted field spanning lines
        raise ChainError(f"{name}: a quoted field runs over several lines; one row per line is expected")
    header_line, header = kept[0][0], records[0]
    columns: dict[str, int] = {}
    for j, raw_name in enumerate(header):
        key = _LOOKUP.get(_norm(raw_name))
        if key is not None and key not in columns:
            columns[key] = j
    missing = [_SHOWN[k] for k in _REQUIRED if k not in columns]
    if "close" not in columns and not ("bid" in columns and "ask" in columns):
        missing.append("close/last (or bid and ask)")
    if missing:
        shown = ", ".join(printable(h, 40) for h in header[:20])
        raise ChainError(
            f"{name}: line {header_line} (header): missing column {', '.join(missing)}; found {shown}. "
            "Expected the daily-bar layout (as_of_date, contract_type, strike_price, expiration_date, close, volume, "
            "vx_future_settle_same_expiry) or the quote layout (expiration, strike, call/put, bid, ask, last, volume, underlying future)"
        )
    rows = records[1:]
    if not rows:
        raise ChainError(f"{name}: no data rows under the header")
    if len(rows) > MAX_ROWS:
        raise ChainError(f"{name}: {len(rows):,} rows; an option chain is at most {MAX_ROWS:,}")
    layout = "quotes" if "bid" in columns and "ask" in columns else "daily bars"

    n = len(rows)
    line = np.array([ln for ln, _ in kept[1:]], dtype=np.int64)
    strike = np.full(n, np.nan)
    is_call = np.zeros(n, dtype=bool)
    price = np.full(n, np.nan)
    two_sided = np.zeros(n, dtype=bool)
    volume = np.zeros(n)
    future = np.full(n, np.nan)
    expiry: list[date] = []
    as_of_seen: dict[date, int] = {}
    extra: dict[str, float] = {}

    def cell(i: int, key: str) -> str:
        j = columns.get(key)
        row = rows[i]
        return row[j].strip() if j is not None and j < len(row) else ""

    def where(i: int, key: str) -> str:
        return f"{name}: line {line[i]}, column '{printable(header[columns[key]], 40)}'"

    def number(i: int, key: str, *, optional: bool) -> float:
        text = cell(i, key)
        if text == "" or text.lower() in ("nan", "na", "n/a", "-"):
            if optional:
                return math.nan
            raise ChainError(f"{where(i, key)}: empty; expected a number")
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            raise ChainError(f"{where(i, key)}: expected a number, got {printable(text, 40)!r}") from None
        if not math.isfinite(value) or value < 0.0:
            raise ChainError(f"{where(i, key)}: expected a finite number >= 0, got {printable(text, 40)!r}")
        return value

    def a_date(i: int, key: str) -> date:
        text = cell(i, key)
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise ChainError(f"{where(i, key)}: expected a date as YYYY-MM-DD, got {printable(text, 40)!r}") from None

    for i, row in enumerate(rows):
        if len(row) < len(header) and len(row) <= max(columns.values()):
            raise ChainError(f"{name}: line {line[i]}: {len(row)} fields, the header has {len(header)}")
        kind = cell(i, "kind").lower()
        if kind in _CALLS:
            is_call[i] = True
        elif kind not in _PUTS:
            raise ChainError(f"{where(i, 'kind')}: expected call or put, got {printable(cell(i, 'kind'), 40)!r}")
        k = number(i, "strike", optional=False)
        if k <= 0.0:
            raise ChainError(f"{where(i, 'strike')}: expected a strike above 0, got {printable(cell(i, 'strike'), 40)!r}")
        strike[i] = k
        expiry.append(a_date(i, "expiry"))
        if "as_of" in columns:
            day = a_date(i, "as_of")
            as_of_seen.setdefault(day, i)
        last = number(i, "close", optional=True) if "close" in columns else math.nan
        bid = number(i, "bid", optional=True) if "bid" in columns else math.nan
        ask = number(i, "ask", optional=True) if "ask" in columns else math.nan
        if bid > 0.0 and ask > 0.0:
            if ask < bid:
                raise ChainError(f"{name}: line {line[i]}: ask {ask:g} is below bid {bid:g}")
            price[i] = 0.5 * (bid + ask)
            two_sided[i] = True
        elif last > 0.0:
            price[i] = last
        if "volume" in columns:
            v = number(i, "volume", optional=True)
            volume[i] = 0.0 if math.isnan(v) else v
        if "future" in columns:
            f = number(i, "future", optional=True)
            future[i] = f if f > 0.0 else math.nan
        for key in ("vix", "vvix"):
            if key in columns and key not in extra:
                v = number(i, key, optional=True)
                if v > 0.0:
                    extra[key] = v
    if len(as_of_seen) > 1:
        days = sorted(as_of_seen)
        i = as_of_seen[days[1]]
        raise ChainError(f"{where(i, 'as_of')}: the chain mixes days ({days[0]} and {days[1]}); one day per file")
    as_of = next(iter(as_of_seen)) if as_of_seen else None
    if as_of is not None:
        for i, e in enumerate(expiry):
            if e < as_of:
                raise ChainError(f"{where(i, 'expiry')}: expiry {e} is before the chain's day {as_of}")
    return Chain(
        source=source,
        layout=layout,
        as_of=as_of,
        line=line,
        expiry=tuple(expiry),
        strike=strike,
        is_call=is_call,
        price=price,
        two_sided=two_sided,
        volume=volume,
        future=future,
        vix_close=extra.get("vix"),
        vvix_close=extra.get("vvix"),
    )


def chain_quotes(chain: Chain, market: MarketSnapshot, *, max_warnings: int = 20) -> ChainQuotes:
    """Each row's future, time to expiry and Black-76 implied vol against ``market``.

    Raises :class:`ChainError` when the chain is of another day than the market's.
    """
    name = printable(chain.source)
    if chain.as_of is not None and chain.as_of != market.as_of:
        raise ChainError(
            f"{name}: the chain is of {chain.as_of}, the plan's market of {market.as_of}; "
            "calibrate against a chain of the plan's day (or bring that day's curve in first: alvh-tui market)"
        )
    n = len(chain)
    listed = {f.expiry: f.settle for f in market.futures}
    by_expiry: dict[date, tuple[float, bool]] = {}
    for e in set(chain.expiry):
        if e in listed:
            by_expiry[e] = (listed[e], True)
        elif e > market.as_of:
            by_expiry[e] = (float(market.forward(market.dte(e))), False)
        else:
            by_expiry[e] = (math.nan, False)
    fwd_curve = np.array([by_expiry[e][0] for e in chain.expiry]) if n else np.zeros(0)
    listed_curve = np.array([by_expiry[e][1] for e in chain.expiry], dtype=bool) if n else np.zeros(0, bool)
    own = np.isfinite(chain.future)
    forward = np.where(own, chain.future, fwd_curve)
    forward_listed = own | listed_curve
    days = np.array([(e - market.as_of).days for e in chain.expiry], dtype=float) if n else np.zeros(0)
    years = days / 365.0
    iv = np.full(n, np.nan)
    status = np.full(n, -1, dtype=np.int8)
    priced = np.isfinite(chain.price) & (years > 0) & np.isfinite(forward)
    if priced.any():
        s, st = implied_vol_status(
            chain.price[priced], forward[priced], chain.strike[priced], years[priced], market.rate, chain.is_call[priced]
        )
        iv[priced] = s
        status[priced] = st
    warnings: list[str] = []
    bad = np.flatnonzero((status == BELOW_INTRINSIC) | (status == ABOVE_UPPER_BOUND) | (status == NO_TIME_VALUE))
    for i in bad[:max_warnings]:
        kind = "call" if chain.is_call[i] else "put"
        what = {
            BELOW_INTRINSIC: "is below its intrinsic value",
            ABOVE_UPPER_BOUND: "is at or above the no-arbitrage bound (the discounted future for a call, strike for a put)",
            NO_TIME_VALUE: "has no time value",
        }[int(status[i])]
        warnings.append(
            f"{name}: line {chain.line[i]}: {kind} {chain.strike[i]:g} {chain.expiry[i]} at {chain.price[i]:g} "
            f"{what} on the future {forward[i]:.4g}; left out"
        )
    if bad.size > max_warnings:
        warnings.append(f"{name}: ... and {bad.size - max_warnings} more quotes left out for the same reasons")
    return ChainQuotes(chain, forward, forward_listed, years, iv, status, tuple(warnings))
