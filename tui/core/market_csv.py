"""Market snapshots as CSV: one row per listed monthly VIX future (long format).

Format (documented for users in ``sample_data/README.md``)::

    # optional comment lines (date, event, sources) -- whole lines starting with '#'
    as_of,vix_spot,rate,expiry,settle,contract,atm_front,atm_long,decay_days,skew,source
    2023-12-15,12.28,0.053,2023-12-20,12.4649,Z23,0.9,0.58,75,0.35,"Cboe VX settlements ..."
    2023-12-15,12.28,0.053,2024-01-17,14.6252,F24,0.9,0.58,75,0.35,"Cboe VX settlements ..."

Required columns: ``as_of`` (ISO date), ``vix_spot`` (> 0), ``rate`` (decimal, continuously
compounded, e.g. 0.045), ``expiry`` (ISO date, after ``as_of``, one row each), ``settle``
(> 0). ``as_of``, ``vix_spot`` and ``rate`` repeat on every row and must be equal.
Optional: the four vol-model columns ``atm_front, atm_long, decay_days, skew`` (all four or
none, equal on every row; without them the default ``VolModel()`` is used), ``source``
(free text, equal on every row where given), ``vix3m`` (the VIX3M close of ``as_of``, equal
on every row; for the entry read-out's VIX/VIX3M) and ``contract`` (month code such as ``Z23``;
informational, checked against the expiry when given). Column names are case-insensitive;
any other column is an error, so a misspelt optional column is never silently ignored.

Every problem raises ``MarketDataError`` (a ``ValueError``) whose message names the file,
the line and column, what was expected and what was found.

Hostile files get the same treatment, in bounded time: only a regular file of at most
``MAX_CSV_BYTES`` is read; levels, vols, dates and the number of rows are held to the
bounds of ``limits`` (so a snapshot that loads always fits in a plan that saves and
reloads); the source text is folded onto one line and may not hold control characters;
and messages never echo a control character to the terminal.
"""

from __future__ import annotations

import csv
import io
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TypeVar

from . import limits as _limits
from .curve import Future, MarketSnapshot
from .safe_files import UnreadableFile, read_user_file, utf8_text, write_atomic
from .safe_text import printable, text_problem
from .volmodel import VolModel

__all__ = [
    "MarketDataError",
    "REQUIRED_COLUMNS",
    "VOL_COLUMNS",
    "OPTIONAL_COLUMNS",
    "load_snapshot_csv",
    "parse_snapshot_csv",
    "save_snapshot_csv",
    "snapshot_to_frame",
]

REQUIRED_COLUMNS = ("as_of", "vix_spot", "rate", "expiry", "settle")
_T = TypeVar("_T")

VOL_COLUMNS = ("atm_front", "atm_long", "decay_days", "skew")
OPTIONAL_COLUMNS = ("contract", *VOL_COLUMNS, "vix3m", "source")
COLUMN_ORDER = ("as_of", "vix_spot", "rate", "expiry", "settle", *OPTIONAL_COLUMNS)

# A rate outside this band is almost surely a percentage typed as a number (4.5 for 4.5 %).
_RATE_BOUNDS = (-0.2, 0.5)
MAX_CSV_BYTES = 2_000_000  # a snapshot is a few KB


class MarketDataError(ValueError):
    """A market snapshot file that cannot be used; the message says where and why."""


class _Reader:
    """Parses one CSV snapshot and turns every problem into a located message."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[int] | None = None
        self.header_line = 1

    # -- messages --------------------------------------------------------
    def fail(self, what: str) -> MarketDataError:
        return MarketDataError(printable(f"{self.name}: {what}", 1000))

    def where(self, row: int, column: str | None = None) -> str:
        line = self.lines[row] if self.lines is not None else None
        place = f"line {line} (data row {row + 1})" if line else f"data row {row + 1}"
        return f"{place}, column '{column}'" if column else place

    def short(self, row: int) -> str:
        return f"line {self.lines[row]}" if self.lines is not None else f"data row {row + 1}"

    def cell_error(self, row: int, column: str, expected: str, raw: str) -> MarketDataError:
        hint = ""
        if re.fullmatch(r"\s*[+-]?\d+,\d+\s*", raw or ""):
            hint = f" (a decimal comma? write {raw.strip().replace(',', '.')})"
        return self.fail(f"{self.where(row, column)}: expected {expected}, got {_show(raw)}{hint}")

    # -- reading ---------------------------------------------------------
    def read(self, text: str):
        import pandas as pd

        # Whole-line '#' comments and blank lines are dropped here rather than with
        # read_csv(comment="#"), which would also cut a '#' inside a source text. The
        # physical line numbers of the kept lines are remembered for messages.
        kept = [
            (number, line)
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not kept:
            raise self.fail(
                "no header row: expected a CSV header naming the columns "
                + ", ".join(REQUIRED_COLUMNS)
            )
        self.header_line = kept[0][0]  # the first non-comment line is the header
        # pandas renames a repeated column ('settle.1'); catch repeats on the raw header.
        try:
            names = [n.strip().lower() for n in next(csv.reader([kept[0][1]]))]
        except csv.Error as exc:  # e.g. a header field beyond the csv module's field limit
            raise self.fail(
                f"line {self.header_line} (header): not a well-formed CSV header ({exc}); "
                "expected comma-separated column names"
            ) from None
        while names and not names[-1]:  # a trailing comma on the header line
            names.pop()
        if len(names) == 1:
            for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
                if sep in names[0]:  # a spreadsheet's export in a decimal-comma locale, most likely
                    raise self.fail(
                        f"line {self.header_line} (header): the columns are separated by {label}; "
                        "this reader wants commas and decimal points (as_of,vix_spot,rate,expiry,settle)"
                    )
        if "" in names:
            raise self.fail(
                f"line {self.header_line} (header): column {names.index('') + 1} has no name"
            )
        counts = Counter(names)
        dupes = sorted(n for n, k in counts.items() if k > 1)
        if dupes:
            raise self.fail(
                f"line {self.header_line} (header): column {_names(dupes)} appears more than once"
            )
        joined = "\n".join(line for _, line in kept)
        starts = self.check_field_counts(joined, kept, len(names))
        try:
            with warnings.catch_warnings():
                # index_col=False: a trailing comma on every row must not turn the
                # first column into an index (extra non-empty fields were refused above).
                warnings.simplefilter("ignore", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    io.StringIO(joined),
                    header=0,
                    names=names,
                    usecols=range(len(names)),
                    dtype=str,
                    keep_default_na=False,
                    skipinitialspace=True,
                    index_col=False,
                )
        except pd.errors.ParserError as exc:
            message = str(exc).strip()
            # pandas counts lines of the comment-free text; give the file's own number.
            match = re.search(r"line (\d+)", message)
            if match and int(match.group(1)) <= len(kept):
                physical = kept[int(match.group(1)) - 1][0]
                message = f"line {physical}: " + re.sub(
                    r"\s*in line \d+", "", message.replace("Error tokenizing data. C error: ", "")
                )
            raise self.fail(f"not a well-formed CSV file: {message}") from None
        except pd.errors.EmptyDataError:
            raise self.fail("no header row") from None

        # Data row i starts on physical line self.lines[i] (a quoted field may span lines).
        self.lines = starts if len(frame) == len(starts) else None
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        return frame.fillna("").astype(str)

    def check_field_counts(self, joined: str, kept, width: int) -> list[int]:
        """Every data record has the header's number of fields (trailing empties allowed).

        Returns the physical line on which each data record starts.
        """
        starts: list[int] = []
        start = kept[0][0]
        reader = csv.reader(io.StringIO(joined), skipinitialspace=True, strict=True)
        try:
            next(reader, None)
            while True:
                start = kept[min(reader.line_num, len(kept) - 1)][0]
                record = next(reader, None)
                if record is None:
                    break
                starts.append(start)
                self.check_record(record, kept[reader.line_num - 1][0], width)
        except csv.Error as exc:
            raise self.fail(
                f"line {start}: not a well-formed CSV record ({exc}); "
                "expected comma-separated fields with balanced double quotes"
            ) from None
        return starts

    def check_record(self, record: list[str], line: int, width: int) -> None:
        if len(record) > width and any(f.strip() for f in record[width:]):
            extra = next(f for f in record[width:] if f.strip())
            raise self.fail(
                f"line {line}: expected {width} fields as in the header, got {len(record)} "
                f"(extra value {_show(extra.strip())})"
            )
        if len(record) < width:
            raise self.fail(
                f"line {line}: expected {width} fields as in the header, got {len(record)}"
            )

    # -- columns ---------------------------------------------------------
    def check_columns(self, frame) -> None:
        columns = list(frame.columns)
        header = f"line {self.header_line} (header)"
        unknown = [c for c in columns if c not in COLUMN_ORDER]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise self.fail(
                f"{header}: missing column {_names(missing)}; expected columns "
                f"{', '.join(REQUIRED_COLUMNS)} (optional: {', '.join(OPTIONAL_COLUMNS)})"
                + (f"; found unexpected {_names(unknown)}" if unknown else "")
            )
        if unknown:
            raise self.fail(
                f"{header}: unexpected column {_names(unknown)}; allowed are "
                f"{', '.join(COLUMN_ORDER)}"
            )
        vol = [c for c in VOL_COLUMNS if c in columns]
        if vol and len(vol) != len(VOL_COLUMNS):
            absent = [c for c in VOL_COLUMNS if c not in columns]
            raise self.fail(
                f"{header}: the vol-model columns come as a set of four "
                f"({', '.join(VOL_COLUMNS)}); missing {_names(absent)}"
            )

    # -- cells -----------------------------------------------------------
    def dates(self, frame, column: str) -> list[date]:
        import pandas as pd

        raw = frame[column].str.strip()
        parsed = pd.to_datetime(raw, format="%Y-%m-%d", errors="coerce")
        out = []
        for i, (text, value) in enumerate(zip(raw, parsed, strict=True)):
            if pd.isna(value) or not re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
                raise self.cell_error(i, column, "a date as YYYY-MM-DD", text)
            out.append(value.date())
        return out

    def numbers(self, frame, column: str, *, positive: bool, expected: str) -> list[float]:
        import pandas as pd

        raw = frame[column].str.strip()
        parsed = pd.to_numeric(raw, errors="coerce")
        out = []
        for i, (text, value) in enumerate(zip(raw, parsed, strict=True)):
            value = float(value)
            if not math.isfinite(value) or (positive and value <= 0.0):
                raise self.cell_error(i, column, expected, text)
            out.append(value)
        return out

    def in_range(self, values: list[float], frame, column: str, lo: float, hi: float, expected: str) -> list[float]:
        for i, value in enumerate(values):
            if not lo <= value <= hi:
                raise self.cell_error(i, column, expected, frame[column].iloc[i].strip())
        return values

    def same_on_every_row(self, values: list[_T], column: str, raw_column) -> _T:
        first = values[0]
        for i, value in enumerate(values):
            if value != first:
                raise self.fail(
                    f"{self.where(i, column)}: expected the same value on every row, "
                    f"{_show(raw_column.iloc[0].strip())} as on {self.short(0)}; "
                    f"got {_show(raw_column.iloc[i].strip())}"
                )
        return first

    # -- the snapshot ----------------------------------------------------
    def snapshot(self, text: str) -> MarketSnapshot:
        frame = self.read(text)
        self.check_columns(frame)
        if len(frame) == 0:
            raise self.fail(
                "empty curve: expected one data row per listed monthly future after the header"
            )
        if len(frame) > _limits.MAX_FUTURES:
            raise self.fail(
                f"{len(frame)} data rows; a snapshot lists at most {_limits.MAX_FUTURES} futures"
            )

        as_of = self.same_on_every_row(self.dates(frame, "as_of"), "as_of", frame["as_of"])
        lo, hi = _limits.AS_OF_RANGE
        if not lo <= as_of <= hi:
            raise self.cell_error(0, "as_of", f"a date between {lo} and {hi}", frame["as_of"].iloc[0].strip())
        levels = f"a VIX level between {_limits.MIN_LEVEL:g} and {_limits.MAX_VIX:g}"
        spot = self.same_on_every_row(
            self.in_range(
                self.numbers(frame, "vix_spot", positive=True, expected="a positive VIX level"),
                frame, "vix_spot", _limits.MIN_LEVEL, _limits.MAX_VIX, levels,
            ),
            "vix_spot",
            frame["vix_spot"],
        )
        rate = self.same_on_every_row(
            self.numbers(frame, "rate", positive=False, expected="a finite decimal rate such as 0.045"),
            "rate",
            frame["rate"],
        )
        if not _RATE_BOUNDS[0] <= rate <= _RATE_BOUNDS[1]:
            raise self.cell_error(
                0,
                "rate",
                "a decimal rate between -0.2 and 0.5 (0.045 for 4.5 %)",
                frame["rate"].iloc[0].strip(),
            )

        expiries = self.dates(frame, "expiry")
        settles = self.in_range(
            self.numbers(frame, "settle", positive=True, expected="a positive settlement price"),
            frame, "settle", _limits.MIN_LEVEL, _limits.MAX_VIX,
            f"a settlement price between {_limits.MIN_LEVEL:g} and {_limits.MAX_VIX:g}",
        )
        seen: dict[date, int] = {}
        for i, expiry in enumerate(expiries):
            if expiry <= as_of:
                raise self.fail(
                    f"{self.where(i, 'expiry')}: expected an expiry after as_of {as_of.isoformat()}, "
                    f"got {expiry.isoformat()} (list only futures still trading after as_of)"
                )
            if expiry in seen:
                raise self.fail(
                    f"{self.where(i, 'expiry')}: duplicate expiry {expiry.isoformat()}, "
                    f"already given on {self.short(seen[expiry])}; expected one row per future"
                )
            if (expiry - as_of).days > _limits.MAX_DAYS_AHEAD:
                raise self.fail(
                    f"{self.where(i, 'expiry')}: expected an expiry within {_limits.MAX_DAYS_AHEAD} days "
                    f"of as_of {as_of.isoformat()}, got {expiry.isoformat()}"
                )
            seen[expiry] = i

        if "contract" in frame.columns:
            from .calendar import month_code

            for i, (text, expiry) in enumerate(zip(frame["contract"].str.strip(), expiries, strict=True)):
                if text and text.upper() != month_code(expiry):
                    raise self.cell_error(
                        i, "contract", f"'{month_code(expiry)}' for expiry {expiry.isoformat()}", text
                    )

        vol = VolModel()
        if "atm_front" in frame.columns:
            values: dict[str, float] = {}
            bounds = {
                "atm_front": _limits.VOL_BOUNDS,
                "atm_long": _limits.VOL_BOUNDS,
                "decay_days": (_limits.MIN_DECAY_DAYS, _limits.MAX_DECAY_DAYS),
                "skew": _limits.SKEW_BOUNDS,
            }
            for column in VOL_COLUMNS:
                positive = column != "skew"
                expected = "a positive number" if positive else "a finite number"
                low, high = bounds[column]
                values[column] = self.same_on_every_row(
                    self.in_range(
                        self.numbers(frame, column, positive=positive, expected=expected),
                        frame, column, low, high, f"a number between {low:g} and {high:g}",
                    ),
                    column,
                    frame[column],
                )
            vol = VolModel(atm_front=values["atm_front"], atm_long=values["atm_long"], decay_days=values["decay_days"], skew=values["skew"])

        vix3m = None
        if "vix3m" in frame.columns:
            vix3m = self.same_on_every_row(
                self.in_range(
                    self.numbers(frame, "vix3m", positive=True, expected="a positive VIX3M level"),
                    frame, "vix3m", _limits.MIN_LEVEL, _limits.MAX_VIX, levels,
                ),
                "vix3m",
                frame["vix3m"],
            )

        source = ""
        if "source" in frame.columns:
            # Folded onto one line: a quoted source may span lines, a plan's may not.
            given = [(i, " ".join(s.split())) for i, s in enumerate(frame["source"]) if s.strip()]
            if given:
                first_row, source = given[0]
                for i, text in given:
                    if text != source:
                        raise self.fail(
                            f"{self.where(i, 'source')}: expected the same source on every row "
                            f"where given ({_show(source)} as on {self.short(first_row)}); got {_show(text)}"
                        )
                problem = text_problem(source, _limits.MAX_SOURCE_CHARS)
                if problem:
                    raise self.fail(f"{self.where(first_row, 'source')}: the source {problem}")

        futures = tuple(Future(e, s) for e, s in zip(expiries, settles, strict=True))
        return MarketSnapshot(
            as_of=as_of, vix_spot=spot, rate=rate, futures=futures, vol=vol, source=source, vix3m=vix3m
        )


def _show(raw: str) -> str:
    if raw == "":
        return "an empty cell"
    return f"'{raw}'" if len(raw) <= 60 else f"'{raw[:57]}...' ({len(raw):,} characters)"


def _names(columns: Iterable[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns)


def load_snapshot_csv(path) -> MarketSnapshot:
    """Read a market snapshot CSV (see the module docstring for the format).

    Raises ``MarketDataError`` naming the file, line, column and what was expected.
    """
    path = Path(path)
    reader = _Reader(str(path))
    try:
        text = utf8_text(read_user_file(path, MAX_CSV_BYTES, "a CSV file", "a market snapshot is a few KB"))
    except UnreadableFile as error:
        raise reader.fail(str(error)) from None
    return reader.snapshot(text)


def parse_snapshot_csv(text: str, source: str = "<snapshot>") -> MarketSnapshot:
    """A market snapshot from the text of a snapshot CSV; ``source`` names it in messages.

    The same checks and messages as :func:`load_snapshot_csv`, which reads the file and
    calls this; for a caller that already holds the text (the curve import).
    """
    return _Reader(source).snapshot(text)


def snapshot_to_frame(snapshot: MarketSnapshot):
    """The snapshot as the long-format ``pandas.DataFrame`` written by ``save_snapshot_csv``."""
    import pandas as pd

    from .calendar import contract_month_of, month_code

    def code(expiry: date) -> str:
        try:
            return month_code(contract_month_of(expiry))
        except ValueError:  # not a monthly expiry (e.g. a weekly): no month code
            return ""

    source = " ".join(snapshot.source.split())  # one line: no embedded newlines
    vol = snapshot.vol
    rows = [
        {
            "as_of": snapshot.as_of.isoformat(),
            "vix_spot": float(snapshot.vix_spot),
            "rate": float(snapshot.rate),
            "expiry": f.expiry.isoformat(),
            "settle": float(f.settle),
            "contract": code(f.expiry),
            "atm_front": float(vol.atm_front),
            "atm_long": float(vol.atm_long),
            "decay_days": float(vol.decay_days),
            "skew": float(vol.skew),
            "vix3m": None if snapshot.vix3m is None else float(snapshot.vix3m),
            "source": source,
        }
        for f in snapshot.futures
    ]
    columns = [c for c in COLUMN_ORDER if c != "vix3m" or snapshot.vix3m is not None]
    return pd.DataFrame(rows, columns=columns)


def save_snapshot_csv(snapshot: MarketSnapshot, path, comments: Iterable[str] = ()) -> None:
    """Write ``snapshot`` in the CSV format that ``load_snapshot_csv`` reads.

    ``comments`` become ``# `` lines at the top. The write is atomic and durable
    (``safe_files.write_atomic``), so a failure never leaves half a file.
    Floats are written with ``repr`` precision, so a load gives back the same numbers.
    """
    if not snapshot.futures:
        raise MarketDataError(f"{path}: refusing to save an empty curve (no futures)")
    path = Path(path)
    header = "".join(f"# {' '.join(str(c).split())}\n" for c in comments)
    body = snapshot_to_frame(snapshot).to_csv(index=False, lineterminator="\n")
    write_atomic(path, (header + body).encode("utf-8"))
