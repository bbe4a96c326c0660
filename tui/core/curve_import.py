"""Bring a day's VX futures curve into a plan, from the files people actually have.

Three layouts, recognised by their header (case-insensitive; ``#`` comment lines skipped):

* the project's **snapshot CSV** (``as_of, vix_spot, rate, expiry, settle, ...``; see
  :mod:`tui.core.market_csv`), which carries its own date, spot and rate;
* Cboe's **daily settlement** file (``Product, Symbol, Expiration Date, Price``): the VX
  monthly rows (symbol ``VX/<month><year digit>``; weeklies ``VX<week>/...`` are left out).
  It has no trade date, so the day must be given;
* Cboe's **per-contract history** (``Trade Date, Futures, Open, High, Low, Close, Settle,
  ...``, the layout of the CFE archive; several contracts' files may be concatenated): the
  rows of the chosen day (default the latest in the file) with a settlement, expiry from
  the contract month by the exchange calendar. Prices before 2007-03-26 were quoted x10
  and are divided by 10.

:func:`rebase_plan` puts the curve into a plan: as_of, spot and futures change; the vol
model and everything else stay. Layers written as ``M<n>``, ``"ATM"`` or ``"+x%"`` resolve
against the new curve by themselves; fixed dates and strikes stay as written.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .calendar import vix_expiry
from .curve import Future, MarketSnapshot
from .limits import MAX_VIX, MIN_LEVEL
from .plan import Plan
from .safe_files import UnreadableFile, read_user_file, utf8_text
from .safe_text import printable

__all__ = ["CurveImportError", "ImportedCurve", "load_curve", "parse_curve", "rebase_plan"]

MAX_CURVE_BYTES = 20_000_000
_RESCALE_BEFORE = date(2007, 3, 26)
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_CODES = {c: i + 1 for i, c in enumerate("FGHJKMNQUVXZ")}
_LABEL_RE = re.compile(r"\(\s*([A-Za-z]{3})\w*\s+'?(\d{2}|\d{4})\s*\)")
_SYMBOL_RE = re.compile(r"^VX/([FGHJKMNQUVXZ])(\d{1,2})$")


class CurveImportError(ValueError):
    """A curve file that cannot be used; the message names the file and row."""


@dataclass(frozen=True)
class ImportedCurve:
    layout: str
    as_of: date
    futures: tuple[Future, ...]
    vix: float | None = None
    rate: float | None = None
    source: str = ""


def _norm(text: str) -> str:
    return "_".join(text.strip().lower().split())


def load_curve(path, as_of: date | None = None) -> ImportedCurve:
    path = Path(path)
    try:
        text = utf8_text(read_user_file(path, MAX_CURVE_BYTES, "a curve CSV", "a curve file is a few KB"))
    except UnreadableFile as error:
        raise CurveImportError(f"{printable(str(path))}: {error}") from None
    return parse_curve(text, str(path), as_of=as_of)


def parse_curve(text: str, source: str = "<curve>", as_of: date | None = None) -> ImportedCurve:
    name = printable(source)
    kept = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip() and not ln.lstrip().startswith("#")]
    if not kept:
        raise CurveImportError(f"{name}: empty; expected a header row")
    try:
        records = list(csv.reader(io.StringIO("\n".join(ln for _, ln in kept))))
    except csv.Error as error:
        raise CurveImportError(f"{name}: not a well-formed CSV file ({error})") from None
    header = [_norm(h) for h in records[0]]
    cols = {h: j for j, h in enumerate(header)}
    lines = [ln for ln, _ in kept]
    if {"as_of", "vix_spot", "expiry", "settle"} <= set(cols):
        return _snapshot(text, source, as_of)
    if {"product", "symbol", "expiration_date", "price"} <= set(cols):
        return _cboe_settlements(name, source, records, lines, cols, as_of)
    if {"trade_date", "futures", "settle"} <= set(cols):
        return _cboe_history(name, source, records, lines, cols, as_of)
    raise CurveImportError(
        f"{name}: line {lines[0]} (header): not a curve layout this reads; expected the snapshot layout "
        "(as_of, vix_spot, rate, expiry, settle), Cboe's settlement file (Product, Symbol, Expiration Date, Price) "
        "or Cboe's per-contract history (Trade Date, Futures, ..., Settle)"
    )


def _snapshot(text: str, source: str, as_of: date | None) -> ImportedCurve:
    from .market_csv import MarketDataError, parse_snapshot_csv

    try:
        snap = parse_snapshot_csv(text, source)
    except MarketDataError as error:
        raise CurveImportError(str(error)) from None
    if as_of is not None and as_of != snap.as_of:
        raise CurveImportError(f"{printable(source)}: the snapshot is of {snap.as_of}, not {as_of}")
    text = f"{_basename(source)}: snapshot CSV, {snap.as_of}" + (f"; {snap.source}" if snap.source else "")
    return ImportedCurve("snapshot CSV", snap.as_of, snap.futures, snap.vix_spot, snap.rate, text[:1900])


def _cell(record: list[str], cols: dict[str, int], key: str) -> str:
    j = cols[key]
    return record[j].strip() if j < len(record) else ""


def _number(name: str, line: int, column: str, text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise CurveImportError(f"{name}: line {line}, column '{column}': expected a number, got {printable(text, 40)!r}") from None
    if not math.isfinite(value):
        raise CurveImportError(f"{name}: line {line}, column '{column}': expected a finite number, got {printable(text, 40)!r}")
    return value


def _a_date(name: str, line: int, column: str, text: str) -> date:
    t = text.strip()
    try:
        if "/" in t:  # Cboe's US style, 06/18/2024
            m, d, y = (int(p) for p in t.split("/"))
            return date(y, m, d)
        return date.fromisoformat(t[:10])
    except ValueError:
        raise CurveImportError(f"{name}: line {line}, column '{column}': expected a date, got {printable(text, 40)!r}") from None


def _checked(name: str, as_of: date, futures: dict[date, tuple[float, int]], layout: str, source: str) -> ImportedCurve:
    live = {e: v for e, v in futures.items() if e > as_of}
    if not live:
        raise CurveImportError(f"{name}: no VX monthly future expiring after {as_of} in the file")
    for e, (settle, line) in live.items():
        if not MIN_LEVEL <= settle <= MAX_VIX:
            raise CurveImportError(f"{name}: line {line}: settlement {settle:g} for {e} is not a VIX level")
    fut = tuple(Future(e, live[e][0]) for e in sorted(live))
    return ImportedCurve(layout, as_of, fut, None, None, f"{_basename(source)}: {layout}, {as_of}")


def _cboe_settlements(name, source, records, lines, cols, as_of) -> ImportedCurve:
    if as_of is None:
        raise CurveImportError(f"{name}: Cboe's settlement file has no trade date; give the day (--as-of YYYY-MM-DD)")
    futures: dict[date, tuple[float, int]] = {}
    # Not strict: a quoted field may span lines, leaving fewer records than lines.
    for rec, line in zip(records[1:], lines[1:], strict=False):
        if _cell(rec, cols, "product").upper() != "VX":
            continue
        symbol = _cell(rec, cols, "symbol").upper().replace(" ", "")
        if not _SYMBOL_RE.match(symbol):
            continue  # weeklies (VX23/M4) and anything else
        expiry = _a_date(name, line, "Expiration Date", _cell(rec, cols, "expiration_date"))
        price = _number(name, line, "Price", _cell(rec, cols, "price"))
        futures[expiry] = (price, line)
    return _checked(name, as_of, futures, "Cboe settlement file", source)


def _label_month(name: str, line: int, label: str) -> tuple[int, int]:
    m = _LABEL_RE.search(label)
    if m and m.group(1).lower() in _MONTHS:
        year = int(m.group(2))
        return (2000 + year if year < 100 else year), _MONTHS[m.group(1).lower()]
    code = label.strip().upper()
    m2 = re.match(r"^(?:VX/?)?([FGHJKMNQUVXZ])(\d{1,2})$", code)
    if m2:
        return 2000 + int(m2.group(2)) if len(m2.group(2)) == 2 else 2020 + int(m2.group(2)), _CODES[m2.group(1)]
    raise CurveImportError(f"{name}: line {line}, column 'Futures': expected a contract like 'K (May 04)', got {printable(label, 40)!r}")


def _cboe_history(name, source, records, lines, cols, as_of) -> ImportedCurve:
    rows = []
    # Not strict: a quoted field may span lines, leaving fewer records than lines.
    for rec, line in zip(records[1:], lines[1:], strict=False):
        day = _a_date(name, line, "Trade Date", _cell(rec, cols, "trade_date"))
        rows.append((day, rec, line))
    if not rows:
        raise CurveImportError(f"{name}: no data rows under the header")
    day = as_of or max(r[0] for r in rows)
    futures: dict[date, tuple[float, int]] = {}
    for d, rec, line in rows:
        if d != day:
            continue
        settle = _number(name, line, "Settle", _cell(rec, cols, "settle"))
        if settle <= 0.0:
            continue  # a pre-listing placeholder
        if d < _RESCALE_BEFORE:
            settle /= 10.0
        year, month = _label_month(name, line, _cell(rec, cols, "futures"))
        futures[vix_expiry(year, month)] = (settle, line)
    if not futures:
        raise CurveImportError(f"{name}: no settlement on {day} in the file")
    return _checked(name, day, futures, "Cboe per-contract history", source)


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def rebase_plan(plan: Plan, curve: ImportedCurve, *, vix: float | None = None) -> tuple[Plan, list[str]]:
    """``plan`` on the new curve, and notes on what the user should know."""
    notes: list[str] = []
    spot = vix if vix is not None else curve.vix
    if spot is None:
        spot = plan.market.vix_spot
        notes.append(f"the file has no VIX spot; kept the plan's {spot:g} (give --vix for that day's close)")
    if not MIN_LEVEL <= spot <= MAX_VIX:
        raise CurveImportError(f"VIX spot {spot:g} is not a VIX level")
    rate = curve.rate if curve.rate is not None else plan.market.rate
    market = MarketSnapshot(
        as_of=curve.as_of,
        vix_spot=float(spot),
        rate=rate,
        futures=curve.futures,
        vol=plan.market.vol,
        source=curve.source,
    )
    listed = {f.expiry for f in curve.futures}
    for layer in plan.layers:
        if isinstance(layer.expiry, date):
            if layer.expiry <= curve.as_of:
                notes.append(f"layer {layer.name!r}: fixed expiry {layer.expiry} is not after {curve.as_of}")
            elif layer.expiry not in listed:
                notes.append(f"layer {layer.name!r}: fixed expiry {layer.expiry} is not a listed month of the new curve")
    if plan.market.vol.calibrated_on is not None and plan.market.vol.calibrated_on != curve.as_of:
        notes.append(f"the vol settings were calibrated on {plan.market.vol.calibrated_on}; recalibrate for {curve.as_of}")
    return replace(plan, market=market), notes
