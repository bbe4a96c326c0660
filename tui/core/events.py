"""The macro-event calendar: FOMC statement days and CPI releases, and what they mean for
the layers.

A layer that expires a business day or two before a scheduled FOMC statement or CPI
release has paid for protection it will not hold through the event. This module reads the
event dates (the bundled ``sample_data/macro_events.csv``, plus a user's own file in the
same format), lists the events between ``as_of`` and the last layer expiry, and warns when a
layer expires 1 or 2 business days before a scheduled one. Pure: csv and the exchange
calendar only.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .calendar import next_business_day

EVENTS_FILE = "macro_events.csv"
# A layer expiring this many business days (or fewer, but at least one) before a scheduled
# event does not hold through it.
WARN_BUSINESS_DAYS = 2
MAX_EVENT_ROWS = 20_000
MAX_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class MacroEvent:
    date: date
    event: str  # "FOMC", "FOMC (unscheduled)", "CPI" or a user's own name
    detail: str = ""

    @property
    def scheduled(self) -> bool:
        """Unscheduled (intermeeting) decisions cannot be planned around."""
        return "unscheduled" not in self.event.casefold()

    @property
    def short(self) -> str:
        return "FOMC*" if not self.scheduled and self.event.upper().startswith("FOMC") else self.event


@dataclass(frozen=True)
class EventRow:
    """One event inside the plan's horizon, as the JSON and the panes show it."""

    date: date
    event: str
    days_after_as_of: int
    layers_expiring_before: tuple[str, ...]  # layers that expire before this event's day


def default_events_path() -> Path:
    from .paths import sample_data_dir

    return sample_data_dir() / EVENTS_FILE


def parse_events(text: str, source: str = "<events>") -> tuple[MacroEvent, ...]:
    """Parse ``date,event,detail`` rows (whole-line ``#`` comments and blank lines skipped).

    Raises ``ValueError`` naming the source, the line and what is wrong.
    """
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return ()
    header_no, header = lines[0]
    columns = [c.strip().casefold() for c in next(csv.reader([header]))]
    if "date" not in columns or "event" not in columns:
        raise ValueError(f"{source}, line {header_no}: the header must name the columns date,event[,detail]; got {header[:80]!r}")
    di, ei = columns.index("date"), columns.index("event")
    ti = columns.index("detail") if "detail" in columns else None
    if len(lines) > MAX_EVENT_ROWS:
        raise ValueError(f"{source}: more than {MAX_EVENT_ROWS:,} event rows")
    out: list[MacroEvent] = []
    # Not strict: a quoted field may span lines, leaving fewer records than lines.
    for (n, line), row in zip(lines[1:], csv.reader(io.StringIO("\n".join(line for _, line in lines[1:]))), strict=False):
        if len(row) <= max(di, ei):
            raise ValueError(f"{source}, line {n}: expected date,event[,detail]; got {line[:80]!r}")
        try:
            day = date.fromisoformat(row[di].strip())
        except ValueError:
            raise ValueError(f"{source}, line {n}: date {row[di][:40]!r} is not YYYY-MM-DD") from None
        name = row[ei].strip()
        if not name or not name.isprintable():
            raise ValueError(f"{source}, line {n}: event name is empty or holds control characters")
        detail = row[ti].strip() if ti is not None and ti < len(row) else ""
        out.append(MacroEvent(day, name[:40], detail if detail.isprintable() else ""))
    return tuple(sorted(out, key=lambda e: (e.date, e.event)))


def load_events(*paths: str | Path) -> tuple[MacroEvent, ...]:
    """The bundled calendar merged with any further files given (a missing one is skipped).

    Duplicates (same date and event) are kept once. Raises ``ValueError`` on an unusable file.
    """
    seen: dict[tuple[date, str], MacroEvent] = {}
    for i, p in enumerate((default_events_path(),) + tuple(Path(p) for p in paths)):
        p = Path(p)
        if i > 0 and not p.is_file():
            continue
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{p}: larger than {MAX_FILE_BYTES:,} bytes; not an event calendar")
        for e in parse_events(p.read_text(encoding="utf-8-sig"), str(p)):
            seen.setdefault((e.date, e.event), e)
    return tuple(sorted(seen.values(), key=lambda e: (e.date, e.event)))


def business_days_between(earlier: date, later: date) -> int:
    """Business days ``d`` with ``earlier < d <= later`` (0 when ``later <= earlier``)."""
    n, d = 0, earlier
    while True:
        d = next_business_day(d)
        if d > later:
            return n
        n += 1


def events_between(events: tuple[MacroEvent, ...], start: date, end: date) -> tuple[MacroEvent, ...]:
    """Events with ``start < date <= end`` (events on ``as_of`` itself are already known);
    ``events`` sorted by date, as :func:`load_events` gives them."""
    dates = [e.date for e in events]
    return events[bisect_right(dates, start) : bisect_right(dates, end)]


def event_rows(events: tuple[MacroEvent, ...], as_of: date, layers: list[tuple[str, date]]) -> tuple[EventRow, ...]:
    """The events between ``as_of`` and the last layer expiry, each with the layers that
    expire before its day."""
    if not layers:
        return ()
    last = max(expiry for _, expiry in layers)
    return tuple(
        EventRow(e.date, e.event, (e.date - as_of).days, tuple(name for name, expiry in layers if expiry < e.date))
        for e in events_between(events, as_of, last)
    )


def expiry_warnings(events: tuple[MacroEvent, ...], as_of: date, layers: list[tuple[str, date]]) -> list[str]:
    """A warning for each layer expiring 1..WARN_BUSINESS_DAYS business days before a
    scheduled event (one warning per layer and event)."""
    out: list[str] = []
    for name, expiry in layers:
        if expiry <= as_of:
            continue
        for e in events:
            if not e.scheduled or e.date < expiry:
                continue
            if e.date == expiry:
                # VIX options settle on the opening quotation (SOQ, ~9:30 ET): after a CPI
                # release (8:30) but before an FOMC statement (afternoon).
                if e.event.upper().startswith("FOMC"):
                    out.append(
                        f"layer {name!r} expires {expiry.isoformat()}, the morning of {e.event} on {e.date.isoformat()}: "
                        "it settles at the open, before the statement"
                    )
                continue
            if (e.date - expiry).days > 3 * WARN_BUSINESS_DAYS + 4:  # far past any 2-business-day gap
                break
            n = business_days_between(expiry, e.date)
            if 1 <= n <= WARN_BUSINESS_DAYS:
                days = "business day" if n == 1 else "business days"
                out.append(
                    f"layer {name!r} expires {expiry.isoformat()}, {n} {days} before {e.event} on {e.date.isoformat()}: "
                    "it will not hold through the event"
                )
    return out


def events_in_window(events: tuple[MacroEvent, ...], start: date, end: date) -> tuple[MacroEvent, ...]:
    """Events with ``start <= date <= end`` (an episode's window, both days included)."""
    return tuple(e for e in events if start <= e.date <= end)
