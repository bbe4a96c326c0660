"""A daily market history for backtests: VX futures settlements with their expiries, and the
VIX, VIX3M, VVIX, S&P 500 and BTC closes of the same days.

Public API (small on purpose; the backtest and the entry signals share it):

* :func:`load_history` ``(path=None) -> History`` reads a CSV (optionally gzip'd) in either
  layout below; without a path it reads the bundled ``sample_data/vx_history_2006_2025.csv``.
* :class:`History`: ``daily`` (a pandas DataFrame indexed by day, columns ``vix, vix3m, vvix,
  spx, btc``, NaN where a series has no value), ``expiries`` (sorted ``datetime64[D]``) and
  ``settles`` (a ``days x expiries`` float array, NaN where the contract is not listed; on a
  contract's expiry day its cell holds the final settlement value). ``futures()`` gives the
  long table ``trade_date, expiry, settle``; ``between(start, end)`` a sub-history.
* :class:`HistoryError` (a ``ValueError``): the message names the file, the line and the
  column, what was expected and what was found.

Layouts (column names case-insensitive; spaces count as ``_``, so Cboe's ``Trade Date`` is
``trade_date``; whole-line ``#`` comments and blank lines are skipped):

* **long**: one row per (day, contract): ``trade_date, expiry, settle``, as Cboe's
  per-contract files and the ``vix_utils`` package give it; optional ``vix, vix3m, vvix, spx,
  btc`` (the same on every row of a day). Other columns (Cboe's ``Open``, ``Volume``...) are
  ignored. A ``settle`` of 0 is Cboe's pre-listing placeholder and is skipped.
* **compact** (the project's): one row per day: ``date, vix, vix3m, vvix, spx, btc, m0,
  m1, ..., m12``. ``m<n>`` is the settlement of the n-th monthly contract expiring after
  the day by the exchange calendar (:func:`tui.core.calendar.monthly_expiries`), so the
  expiries need not be written; ``m0`` is the final settlement of the contract expiring
  that day (blank on other days). Any of the optional columns may be left out or blank.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .calendar import preload_years, vix_expiry
from .paths import default_history_path

__all__ = [
    "INDEX_COLUMNS",
    "History",
    "HistoryError",
    "default_history_path",
    "history_from_frames",
    "history_to_compact",
    "load_history",
    "monthly_expiry_table",
    "save_history_csv",
]

INDEX_COLUMNS = ("vix", "vix3m", "vvix", "spx", "btc")
LONG_REQUIRED = ("trade_date", "expiry", "settle")
MAX_MONTHS = 12  # compact layout: m0..m12
MAX_HISTORY_BYTES = 64_000_000  # a 20-year daily history is a few MB in the long layout

_MONTH_COLUMN = re.compile(r"^m([0-9]{1,2})$")


class HistoryError(ValueError):
    """A history file that cannot be used; the message says where and why."""


@dataclass(frozen=True, eq=False)
class History:
    daily: pd.DataFrame  # index: DatetimeIndex 'date'; columns INDEX_COLUMNS (float, NaN = none)
    expiries: np.ndarray  # datetime64[D], sorted, unique
    settles: np.ndarray  # float (len(daily), len(expiries)); NaN = not listed that day
    source: str = ""

    @property
    def dates(self) -> np.ndarray:
        """The days, as ``datetime64[D]``."""
        return self.daily.index.values.astype("datetime64[D]")

    def __len__(self) -> int:
        return len(self.daily)

    @property
    def first_day(self) -> date:
        return self.daily.index[0].date()

    @property
    def last_day(self) -> date:
        return self.daily.index[-1].date()

    def futures(self) -> pd.DataFrame:
        """The long table: ``trade_date, expiry, settle``, one row per listed (day, contract)."""
        rows, cols = np.nonzero(np.isfinite(self.settles))
        return pd.DataFrame(
            {
                "trade_date": pd.to_datetime(self.dates[rows]),
                "expiry": pd.to_datetime(self.expiries[cols]),
                "settle": self.settles[rows, cols],
            }
        )

    def between(self, start: date | None = None, end: date | None = None) -> "History":
        """The days from ``start`` to ``end`` (both included; None = open end)."""
        days = self.dates
        lo = 0 if start is None else int(np.searchsorted(days, np.datetime64(start, "D"), "left"))
        hi = len(days) if end is None else int(np.searchsorted(days, np.datetime64(end, "D"), "right"))
        return History(self.daily.iloc[lo:hi], self.expiries, self.settles[lo:hi], self.source)

    def curve_on(self, day: date) -> list[tuple[date, float]]:
        """``(expiry, settle)`` of the contracts listed on ``day`` that expire after it."""
        i = int(np.searchsorted(self.dates, np.datetime64(day, "D")))
        if i >= len(self) or self.dates[i] != np.datetime64(day, "D"):
            raise KeyError(f"{day} is not a day of this history")
        live = np.isfinite(self.settles[i]) & (self.expiries > self.dates[i])
        return [(pd.Timestamp(e).date(), float(s)) for e, s in zip(self.expiries[live], self.settles[i, live], strict=True)]


# -- the exchange calendar, once per range ------------------------------------------------------

def monthly_expiry_table(first: np.datetime64, last: np.datetime64, ahead: int = MAX_MONTHS + 1) -> np.ndarray:
    """Every monthly VX expiry from the month of ``first`` to ``ahead`` months after ``last``
    (``datetime64[D]``, sorted): one calendar computation per month, not per day."""
    y0, m0 = pd.Timestamp(first).year, pd.Timestamp(first).month
    last_ts = pd.Timestamp(last)
    n = (last_ts.year - y0) * 12 + (last_ts.month - m0) + ahead + 1
    preload_years(y0, y0 + (m0 + n) // 12 + 1)
    out = []
    for k in range(n):
        y, m = divmod(m0 - 1 + k, 12)
        out.append(vix_expiry(y0 + y, m + 1))
    return np.array(out, dtype="datetime64[D]")


# -- building ----------------------------------------------------------------------------------

def history_from_frames(daily: pd.DataFrame, futures: pd.DataFrame, source: str = "") -> History:
    """A :class:`History` from a daily frame (index: day; any of INDEX_COLUMNS) and a long
    futures frame (``trade_date, expiry, settle``). The days are those with a settlement."""
    trade = futures["trade_date"].values.astype("datetime64[D]")
    expiry = futures["expiry"].values.astype("datetime64[D]")
    days = np.unique(trade)
    expiries = np.unique(expiry)
    settles = np.full((len(days), len(expiries)), np.nan)
    settles[np.searchsorted(days, trade), np.searchsorted(expiries, expiry)] = futures["settle"].to_numpy(float)
    index = pd.DatetimeIndex(days.astype("datetime64[ns]"), name="date")
    frame = pd.DataFrame(index=index, columns=list(INDEX_COLUMNS), dtype=float)
    if len(daily):
        given = daily.copy()
        given.index = pd.DatetimeIndex(given.index.values.astype("datetime64[D]").astype("datetime64[ns]"))
        for col in INDEX_COLUMNS:
            if col in given.columns:
                frame[col] = given[col].astype(float).reindex(index).to_numpy()
    return History(frame, expiries, settles, source)


def history_to_compact(history: History) -> pd.DataFrame:
    """The compact layout of ``history`` (one row per day; ``m0..m<k>`` by the calendar)."""
    days = history.dates
    table = monthly_expiry_table(days[0], days[-1])
    first = np.searchsorted(table, days, "right")  # index of M1 in table, per day
    col_of = {e: j for j, e in enumerate(history.expiries)}
    out = pd.DataFrame({"date": [str(d) for d in days]})
    for col in INDEX_COLUMNS:
        out[col] = history.daily[col].to_numpy()
    months = {}
    for n in range(0, MAX_MONTHS + 1):
        exp = table[first + n - 1]
        cols = np.array([col_of.get(e, -1) for e in exp])
        values = np.where(cols >= 0, history.settles[np.arange(len(days)), np.maximum(cols, 0)], np.nan)
        if n == 0:
            values = np.where(exp == days, values, np.nan)
        months[f"m{n}"] = values
    last = max((n for n in range(MAX_MONTHS + 1) if np.isfinite(months[f"m{n}"]).any()), default=1)
    for n in range(0, last + 1):
        out[f"m{n}"] = months[f"m{n}"]
    return out


def save_history_csv(history: History, path, comments=()) -> None:
    """Write the compact layout (gzip'd when the name ends in ``.gz``); ``comments`` become
    leading ``#`` lines."""
    frame = history_to_compact(history)
    head = "".join(f"# {line}\n" for line in comments)
    body = frame.to_csv(index=False, lineterminator="\n")  # shortest exact repr of each number
    data = (head + body).encode("utf-8")
    from .safe_files import write_atomic

    path = Path(path)
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    write_atomic(path, data)


# -- reading -----------------------------------------------------------------------------------

def load_history(path=None) -> History:
    """Read a history file (long or compact layout, see the module doc; ``.gz`` allowed).

    Default: the bundled 2006-2025 history. Raises :class:`HistoryError` on any problem."""
    p = Path(path) if path is not None else default_history_path()
    return _Reader(p).history()


def _show(raw: str) -> str:
    raw = raw.strip()
    if not raw:
        return "an empty cell"
    from .safe_text import printable

    return repr(printable(raw, 40))


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)
        self.lines: np.ndarray = np.zeros(0, dtype=int)  # physical line of each data row

    def fail(self, what: str) -> HistoryError:
        from .safe_text import printable

        return HistoryError(printable(f"{self.name}: {what}", 1000))

    def at(self, row: int, column: str) -> str:
        return f"line {int(self.lines[row])}, column '{column}'"

    # -- bytes and text --------------------------------------------------------
    def text(self) -> str:
        from .safe_files import UnreadableFile, read_user_file, utf8_text

        try:
            raw = read_user_file(self.path, MAX_HISTORY_BYTES, "a history CSV file", "a 20-year daily history is a few MB")
        except UnreadableFile as error:
            raise self.fail(str(error)) from None
        if raw[:2] == b"\x1f\x8b":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                    raw = gz.read(MAX_HISTORY_BYTES + 1)
            except (OSError, EOFError) as exc:
                raise self.fail(f"is not a readable gzip file ({exc})") from None
            if len(raw) > MAX_HISTORY_BYTES:
                raise self.fail(f"unpacks to more than {MAX_HISTORY_BYTES:,} bytes")
        try:
            return utf8_text(raw)
        except UnreadableFile as error:
            raise self.fail(str(error)) from None

    def frame(self) -> pd.DataFrame:
        kept = [(n, line) for n, line in enumerate(self.text().splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
        if not kept:
            raise self.fail("no header and no data; expected a CSV history (see the README)")
        if len(kept) < 2:
            raise self.fail(f"line {kept[0][0]}: a header and no data rows")
        self.lines = np.array([n for n, _ in kept[1:]])
        header = next(csv.reader([kept[0][1]], skipinitialspace=True))
        names = [re.sub(r"\s+", "_", c.strip().lower()) for c in header]
        twice = [c for k, c in enumerate(names) if c in names[:k]]
        if twice:
            raise self.fail(f"line {kept[0][0]} (header): column '{twice[0]}' appears twice")
        width = len(names)
        # Not strict: a quote left open joins the next line into one record, so records can be fewer than lines.
        for n, record in zip(self.lines, csv.reader((line for _, line in kept[1:]), skipinitialspace=True), strict=False):
            if len(record) > width and any(f.strip() for f in record[width:]):
                raise self.fail(f"line {n}: expected {width} fields as in the header, got {len(record)}")
        joined = "\n".join(line for _, line in kept)
        try:
            frame = pd.read_csv(io.StringIO(joined), dtype=str, keep_default_na=False,
                                skipinitialspace=True, index_col=False)
        except pd.errors.ParserError as exc:
            m = re.search(r"line (\d+)", str(exc))
            where = f"line {kept[int(m.group(1)) - 1][0]}: " if m and int(m.group(1)) <= len(kept) else ""
            raise self.fail(f"{where}not a well-formed CSV record ({str(exc).strip()}); "
                            "expected as many comma-separated fields as the header") from None
        frame.columns = names
        self.header_line = kept[0][0]
        return frame

    # -- cells -----------------------------------------------------------------
    def dates(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        raw = frame[column].str.strip()
        parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if len(bad):
            i = int(bad[0])
            raise self.fail(f"{self.at(i, column)}: expected a date YYYY-MM-DD, got {_show(raw.iloc[i])}")
        return parsed.values.astype("datetime64[D]")

    def numbers(self, frame: pd.DataFrame, column: str, *, required: bool, what: str,
                zero_ok: bool = False) -> np.ndarray:
        raw = frame[column].str.strip()
        values = pd.to_numeric(raw, errors="coerce").to_numpy(float, copy=True)
        blank = (raw == "").to_numpy()
        ok = np.isfinite(values) & ((values >= 0) if zero_ok else (values > 0))
        if not required:
            ok |= blank
        bad = np.flatnonzero(~ok)
        if len(bad):
            i = int(bad[0])
            raise self.fail(f"{self.at(i, column)}: expected {what}, got {_show(raw.iloc[i])}")
        values[blank] = np.nan
        return values

    def index_columns(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        return {c: self.numbers(frame, c, required=False, what=f"a positive {c.upper()} close or an empty cell")
                for c in INDEX_COLUMNS if c in frame.columns}

    # -- layouts ---------------------------------------------------------------
    def history(self) -> History:
        frame = self.frame()
        cols = set(frame.columns)
        if set(LONG_REQUIRED) <= cols:
            return self.long(frame)
        if "date" in cols and any(_MONTH_COLUMN.match(c) for c in cols):
            return self.compact(frame)
        missing = [c for c in LONG_REQUIRED if c not in cols]
        raise self.fail(
            f"line {self.header_line} (header): neither layout: the long layout needs columns "
            f"{', '.join(LONG_REQUIRED)} (missing {', '.join(missing)}); the compact one needs "
            f"date, m1, ... (found {', '.join(frame.columns[:8])})"
        )

    def long(self, frame: pd.DataFrame) -> History:
        trade = self.dates(frame, "trade_date")
        expiry = self.dates(frame, "expiry")
        settle = self.numbers(frame, "settle", required=True, what="a settlement price >= 0", zero_ok=True)
        early = np.flatnonzero(expiry < trade)
        if len(early):
            i = int(early[0])
            raise self.fail(f"{self.at(i, 'expiry')}: expected an expiry on or after the trade date "
                            f"{trade[i]}, got {expiry[i]}")
        keep = settle > 0  # 0 = Cboe's pre-listing placeholder
        key = pd.DataFrame({"t": trade, "e": expiry})[keep]
        again = key.duplicated(keep="first")
        if again.any():
            i = int(key.index[again.to_numpy()][0])
            first = int(key.index[((key.t == trade[i]) & (key.e == expiry[i])).to_numpy()][0])
            raise self.fail(f"line {int(self.lines[i])}: contract expiring {expiry[i]} on {trade[i]} "
                            f"is given twice (first at line {int(self.lines[first])})")
        extra = self.index_columns(frame)
        daily = pd.DataFrame(extra, index=pd.DatetimeIndex(trade.astype("datetime64[ns]")))
        for col in extra:
            spread = daily[col].groupby(level=0).agg(["min", "max"])
            differs = spread.index[(spread["max"] - spread["min"]).abs().to_numpy() > 1e-9]
            if len(differs):
                i = int(np.flatnonzero(trade == differs[0].to_datetime64().astype("datetime64[D]"))[-1])
                raise self.fail(f"{self.at(i, col)}: expected the same {col} on every row of "
                                f"{trade[i]}, got {daily[col].iloc[i]:g} and {spread.loc[differs[0], 'min']:g}")
        daily = daily.groupby(level=0).first()
        futures = pd.DataFrame({"trade_date": trade[keep], "expiry": expiry[keep], "settle": settle[keep]})
        if futures.empty:
            raise self.fail("no settlement above 0; expected daily VX settlements")
        return history_from_frames(daily, futures, self.name)

    def compact(self, frame: pd.DataFrame) -> History:
        allowed = {"date", *INDEX_COLUMNS} | {f"m{n}" for n in range(MAX_MONTHS + 1)}
        unknown = [c for c in frame.columns if c not in allowed]
        if unknown:
            raise self.fail(f"line {self.header_line} (header): unknown column '{unknown[0]}'; the compact "
                            f"layout has date, {', '.join(INDEX_COLUMNS)}, m0..m{MAX_MONTHS}")
        days = self.dates(frame, "date")
        order = np.flatnonzero(np.diff(days) <= np.timedelta64(0, "D"))
        if len(order):
            i = int(order[0]) + 1
            raise self.fail(f"{self.at(i, 'date')}: expected a day after {days[i - 1]} (one row per day, "
                            f"in order), got {days[i]}")
        table = monthly_expiry_table(days[0], days[-1])
        first = np.searchsorted(table, days, "right")
        trade, expiry, settle = [], [], []
        for col in sorted((c for c in frame.columns if _MONTH_COLUMN.match(c)), key=lambda c: int(c[1:])):
            n = int(col[1:])
            values = self.numbers(frame, col, required=False, what=f"a positive settlement of M{n} or an empty cell")
            exp = table[first + n - 1]
            if n == 0:
                wrong = np.flatnonzero(np.isfinite(values) & (exp != days))
                if len(wrong):
                    i = int(wrong[0])
                    raise self.fail(f"{self.at(i, col)}: m0 is the final settlement of a contract expiring "
                                    f"that day, and no monthly VX contract expires on {days[i]}")
            listed = np.isfinite(values)
            trade.append(days[listed])
            expiry.append(exp[listed])
            settle.append(values[listed])
        futures = pd.DataFrame({"trade_date": np.concatenate(trade), "expiry": np.concatenate(expiry),
                                "settle": np.concatenate(settle)})
        if futures.empty:
            raise self.fail("no settlement in any m<n> column; expected daily VX settlements")
        daily = pd.DataFrame(self.index_columns(frame), index=pd.DatetimeIndex(days.astype("datetime64[ns]")))
        return history_from_frames(daily, futures, self.name)
