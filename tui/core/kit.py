"""The method's kit, attached to a valuation: the macro-event calendar, the funding cost.

Kept apart from ``valuation.py`` so that the valuation only calls one function per
instrument; each is pure and cheap (no pandas on the pricing path).
"""

from __future__ import annotations

import math
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from .events import EVENTS_FILE, EventRow, MacroEvent, event_rows, expiry_warnings, load_events
from .paths import config_dir


def user_events_path() -> Path:
    """A user's own event file: ``<config dir>/macro_events.csv`` (merged with the bundled one)."""
    return config_dir() / EVENTS_FILE


@lru_cache(maxsize=8)
def _calendar(user: Path | None, stamp: float | None) -> tuple[tuple[MacroEvent, ...], str | None]:
    try:
        return load_events(*(() if user is None else (user,))), None
    except (OSError, ValueError) as error:
        try:
            return load_events(), f"event calendar: {error}; using the bundled dates only"
        except (OSError, ValueError) as bundled:
            return (), f"event calendar unavailable ({bundled})"


def macro_events() -> tuple[tuple[MacroEvent, ...], str | None]:
    """The bundled calendar plus the user's file, read once per change of that file."""
    user = user_events_path()
    try:
        st = user.stat()  # one system call a reprice: this runs on every keystroke
        stamp = st.st_mtime if stat.S_ISREG(st.st_mode) else None
    except OSError:
        stamp = None
    return _calendar(user if stamp is not None else None, stamp)


def plan_events(plan, expiries: list[date], warnings: list[str]) -> tuple[tuple[EventRow, ...], Callable[[], tuple[str, ...]]]:
    """The events inside the plan's horizon now, and a deferred source of its expiry warnings."""
    events, problem = macro_events()
    if problem:
        warnings.append(problem)
    layers = [(layer.name, e) for layer, e in zip(plan.layers, expiries, strict=True)]
    as_of = plan.market.as_of

    def source() -> tuple[str, ...]:
        return tuple(expiry_warnings(events, as_of, layers))

    return event_rows(events, as_of, layers), source


# -- the funding cost ("the second engine") -----------------------------------------------

def funding_cost(premium_usd, dte, rate: float | None) -> float:
    """The carry cost of paying each layer's premium now and holding it to expiry at
    ``rate`` (annual, continuously compounded, as the market rate): ``P (e^{r T} - 1)``
    with ``T = dte / 365``, summed over layers. A credit (net short premium) earns carry,
    so it counts negative; no rate means no cost."""
    if not rate:
        return 0.0
    return float(math.fsum(p * math.expm1(rate * max(float(d), 0.0) / 365.0) for p, d in zip(premium_usd, dte, strict=True)))


def window_events_note(start: date, end: date) -> str:
    """One line naming the macro events inside an episode's window (both days included)."""
    from .events import events_in_window

    events, _ = macro_events()
    if not events or start < events[0].date:
        return f"Macro events in the window: the calendar starts {events[0].date.isoformat() if events else '—'}"
    inside = events_in_window(events, start, end)
    if not inside:
        return "Macro events in the window: none (no FOMC statement or CPI release)"
    return "Macro events in the window: " + ", ".join(f"{e.event} {e.date.isoformat()}" for e in inside)


# -- entry signals on the daily history (the backtest's loader) -----------------------------

@dataclass(frozen=True)
class SignalReadout:
    signals: tuple = ()  # tuple[signals.Signal, ...]
    problem: str | None = None  # why there are none (no history, unreadable file)
    history: str = ""  # which history they were read from, and its span

    @property
    def firing(self) -> tuple:
        return tuple(s for s in self.signals if s.on)


@lru_cache(maxsize=1)
def _history_frame():
    """The bundled daily history (loaded once; pandas): the frame the signals read."""
    from .history import load_history
    from .signals import history_frame

    history = load_history()
    return history_frame(history), f"{history.first_day.isoformat()}..{history.last_day.isoformat()}"


@lru_cache(maxsize=32)
def signals_at(as_of: date) -> SignalReadout:
    """Every entry signal at ``as_of`` with its 2006-2025 record (see :mod:`signals`).

    Read from the on-disk cache when the bundled history is the one it was computed on:
    computing needs pandas (about 0.3 s to import) and the whole history, which would
    triple the time of ``alvh-tui price`` for four numbers that only change with the file."""
    key = _history_key()
    days = _read_cache(key) if key is not None else {}
    cached = _cached_readout(key, as_of, days) if key is not None else None
    if cached is not None:
        return cached
    readout = _compute_signals(as_of)
    if key is not None and readout.signals:
        _store_readout(key, as_of, readout, days)
    return readout


def _compute_signals(as_of: date) -> SignalReadout:
    from .signals import read_signals

    try:
        frame, span = _history_frame()
    except (OSError, ValueError) as error:
        return SignalReadout(problem=f"no daily history for the entry signals ({error})")
    out = read_signals(frame, as_of)
    problem = None
    if all(s.state == "no data" for s in out):
        problem = f"the daily history ({span}) does not reach {as_of.isoformat()}: signals show their record only"
    return SignalReadout(out, problem, span)


# -- the signals' cache (disk_cache), keyed by the history file's identity ------------------

SIGNALS_CACHE = "signals-v1.json"  # bump the version when Signal or the rules change
SIGNALS_CACHE_DAYS = 64  # as_of days kept (a user's plans share a few)


def _history_key() -> str | None:
    """The bundled history's path, size and modification time (None when unreadable)."""
    from .paths import default_history_path

    path = default_history_path()
    try:
        st = path.stat()
    except OSError:
        return None
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _read_cache(key: str) -> dict:
    from . import disk_cache

    days = disk_cache.read(SIGNALS_CACHE, key)
    return days if isinstance(days, dict) else {}


def _cached_readout(key: str, as_of: date, days: dict | None = None) -> SignalReadout | None:
    """The cached readout of ``as_of`` (``days``: the cache already read for ``key``), or None."""
    from .signal_record import Signal

    entry = (_read_cache(key) if days is None else days).get(as_of.isoformat())
    if not isinstance(entry, dict):
        return None
    try:
        signals = tuple(
            Signal(**{**s, "since": _day(s["since"]), "day": _day(s["day"])}) for s in entry["signals"]
        )
        return SignalReadout(signals, entry["problem"], entry["history"])
    except (TypeError, KeyError, ValueError):  # no entry, or one of another shape
        return None


def _store_readout(key: str, as_of: date, readout: SignalReadout, days: dict | None = None) -> None:
    import dataclasses

    from . import disk_cache

    days = _read_cache(key) if days is None else dict(days)
    days.pop(as_of.isoformat(), None)
    days[as_of.isoformat()] = {
        "signals": [
            {k: (v.isoformat() if isinstance(v, date) else v) for k, v in dataclasses.asdict(s).items()}
            for s in readout.signals
        ],
        "problem": readout.problem,
        "history": readout.history,
    }
    disk_cache.write(SIGNALS_CACHE, key, dict(list(days.items())[-SIGNALS_CACHE_DAYS:]))  # the most recent


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)
