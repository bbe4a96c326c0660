"""Reading a parsed plan file: one located message per problem, never a half-read plan.

:class:`Reader` walks the dict ``tomllib`` gives back. Each check that fails adds a
:class:`Problem` naming the key's dotted path and, found by :class:`LineFinder`, the line
where it is; reading goes on so that one pass reports every problem (up to
``MAX_PROBLEMS``). :meth:`Reader.fields` reads a table by the declarations on its
dataclass (``plan_schema``); kinds it does not know are read by the functions passed
in as ``readers`` (``plan_io`` passes its own).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from .limits import MAX_KEY_PARTS, MAX_NAME_CHARS, MAX_PROBLEMS
from .plan_schema import Key, default_of, key_names, keyed_fields
from .safe_text import printable, text_problem


@dataclass(frozen=True)
class Problem:
    key: str  # dotted path, e.g. "layers[2].strike"
    message: str  # what was expected / what is wrong
    line: int | None = None
    fixable: bool = False  # the plan can still be priced and fixed in the app (weights summing to 1.1)

    def render(self, source: str) -> str:
        source = printable(source, 200)
        where = f"{source}:{self.line}" if self.line else source
        key = printable(self.key, 100)
        message = printable(self.message, 400)
        return f"{where}: {key}: {message}" if key else f"{where}: {message}"


class PlanError(ValueError):
    """A plan file that cannot be used; ``problems`` lists every reason.

    ``draft``: when every problem is one the app can fix (weights that do not sum to 1:
    ``n`` renormalises), the plan as read, so the app can open it marked as needing a fix
    (saving stays refused until it is valid); ``None`` otherwise. ``stamp``: the file's
    stamp when read by ``load_plan_stamped``.
    """

    def __init__(self, source: str, problems: list[Problem], draft=None):
        self.source = source
        self.problems = problems
        self.draft = draft
        self.stamp = None
        super().__init__("\n".join(p.render(source) for p in problems))

    @property
    def messages(self) -> list[str]:
        return [p.render(self.source) for p in self.problems]


# -- locating a key's line in the text --------------------------------------

# Linear-time patterns: no two adjacent parts can match the same characters, so a long
# hostile line cannot make them backtrack (the old header pattern was cubic).
_HEADER_RE = re.compile(r"[ \t]*(\[\[?)([A-Za-z0-9_.\-\"' \t]+)\]")
_KEY_RE = re.compile(r"[ \t]*([A-Za-z0-9_\-]+)[ \t]*=")


class LineFinder:
    """Finds the line of a key path (best effort; only used to point the user at it)."""

    def __init__(self, text: str):
        self.entries: dict[str, int] = {}  # dotted path -> first line number
        table = ""
        counters: dict[str, int] = {}
        # TOML lines end in LF (or CRLF); str.splitlines would also split on \x0c, \x1c...
        for number, raw in enumerate(text.split("\n"), start=1):
            header = _HEADER_RE.match(raw)
            if header:
                name = "".join(header.group(2).split())
                if header.group(1) == "[[":
                    index = counters.get(name, 0)
                    counters[name] = index + 1
                    table = f"{name}[{index}]"
                else:
                    table = name
                self.entries.setdefault(table, number)
                continue
            key = _KEY_RE.match(raw)
            if key:
                path = f"{table}.{key.group(1)}" if table else key.group(1)
                self.entries.setdefault(path, number)

    def line(self, path: str) -> int | None:
        # Exact key first, then its nearest enclosing table.
        candidate = path
        while candidate:
            number = self.entries.get(candidate)
            if number is not None:
                return number
            cut = max(candidate.rfind("."), candidate.rfind("["))
            candidate = candidate[:cut] if cut > 0 else ""
        return None


# A dotted key of MAX_KEY_PARTS parts or more where a key can start (a line's start, a
# header's bracket, an inline table's brace or comma). Each part is a bare or a quoted
# key of bounded length, so the scan is linear; tomllib itself takes time quadratic in
# the number of parts (30,000 parts: 43 s and 3.6 GB).
_DEEP_KEY_RE = re.compile(
    r"(?:^|[{,\[])[ \t]*(?:(?:[A-Za-z0-9_\-]+|\"[^\"\n]{0,200}\"|'[^'\n]{0,200}')[ \t]*\.[ \t]*){%d}" % (MAX_KEY_PARTS - 1),
    re.MULTILINE,
)


def deep_key_line(text: str) -> int | None:
    """The line of the first key with ``MAX_KEY_PARTS`` or more dotted parts, if any:
    a cheap scan to run before ``tomllib`` on text from outside."""
    m = _DEEP_KEY_RE.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def show_number(value: int | float) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
        sign = "-" if value < 0 else ""
        return f"{sign}2**{abs(value).bit_length() - 1} or more"  # str() of a huge int can raise
    return str(value)


def show_value(value: Any) -> str:
    return show_number(value) if isinstance(value, (int, float)) else repr(value)


def describe(value: Any) -> str:
    """What a TOML value is, for a message: ``a string ('abc')``, ``a number (3)``..."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({show_number(value)})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, (date, datetime)):
        return f"a date ({value})"
    return f"a {type(value).__name__} ({value})"  # datetime.time


# A reader for a kind plan_schema does not know:
# (reader, table, key, path, declaration, default, required, values so far, context) -> value
KindReader = Callable[["Reader", dict, str, str, Key, Any, bool, dict, dict], Any]


class Reader:
    def __init__(self, source: str, text: str, readers: Mapping[str, KindReader] | None = None):
        self.source = source
        self.lines = LineFinder(text)
        self.problems: list[Problem] = []
        self.dropped = 0  # problems beyond MAX_PROBLEMS, counted but not listed
        self.readers = readers or {}

    def fail(self, key: str, message: str, fixable: bool = False) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        self.problems.append(Problem(key, message, self.lines.line(key), fixable))

    def all_problems(self) -> list[Problem]:
        if not self.dropped:
            return self.problems
        more = "problem" if self.dropped == 1 else "problems"
        return self.problems + [Problem("", f"... and {self.dropped} more {more}")]

    def unknown_keys(self, table: dict, allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                if len(self.problems) >= MAX_PROBLEMS:
                    self.dropped += 1
                    continue
                close = difflib.get_close_matches(key[:100], allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                where = f"{prefix}.{key}" if prefix else key
                self.fail(where, f"unknown key{hint}; expected one of {', '.join(allowed)}")

    # -- a table by its declarations -------------------------------------------
    def fields(
        self, table: dict, cls: type, path: str, context: dict | None = None, *,
        missing: dict | None = None, skip: tuple[str, ...] = (), check_unknown: bool = True,
    ) -> dict[str, Any]:
        """The values of ``cls``'s keys in ``table`` (defaults where absent or wrong).

        ``missing`` overrides the value of an absent key; ``skip`` leaves keys to the
        caller; ``context`` is what the kind readers and ``required_if`` may consult.
        """
        context = context or {}
        if check_unknown:
            self.unknown_keys(table, key_names(cls), path)
        values: dict[str, Any] = {}
        for name, key, f in keyed_fields(cls):
            if name in skip:
                continue
            where = f"{path}.{name}" if path else name
            default = missing[name] if missing and name in missing else default_of(f, key)
            required = key.required
            if key.required_if is not None:
                on, value = key.required_if
                required = values.get(on, context.get(on)) == value
            values[name] = self.value(table, name, where, key, default, required, values, context)
        return values

    def value(self, table: dict, name: str, path: str, key: Key, default: Any, required: bool, values: dict, context: dict) -> Any:
        kind = key.kind
        if kind in ("number", "integer"):
            return self.number(
                table, name, path, required=required, default=default, positive=key.positive,
                minimum=key.minimum, maximum=key.maximum, integer=(kind == "integer"),
            )
        if kind == "text":
            return self.string(table, name, path, required=required, default=default, limit=key.limit)
        if kind in ("date", "choice") and name not in table and not required:
            return default  # an optional date or choice left out
        if kind == "date":
            when = self.a_date(table, name, path)
            if when is not None and key.minimum is not None and not key.minimum <= when <= key.maximum:
                self.fail(path, f"expected a date between {key.minimum} and {key.maximum}, got {when}")
                return None
            return when
        if kind == "choice":
            picked = self.string(table, name, path, required=required, default=default)
            if picked not in key.choices:
                self.fail(path, f"expected one of {', '.join(repr(c) for c in key.choices)}, got {picked!r}")
                return default
            return picked
        if kind == "table" and key.item is not None:
            sub = self.table(table, name, path, required=required)
            if sub is None:
                return default
            return key.item(**self.fields(sub, key.item, path, context))
        reader = self.readers.get(kind)
        if reader is None:  # pragma: no cover - a declaration without a reader is a bug
            raise KeyError(f"no reader for kind {kind!r} ({path})")
        return reader(self, table, name, path, key, default, required, values, context)

    # -- single values -----------------------------------------------------------
    def table(self, parent: dict, key: str, path: str, required: bool = True) -> dict | None:
        if key not in parent:
            if required:
                self.fail(path, "missing table")
            return None
        value = parent[key]
        if not isinstance(value, dict):
            self.fail(path, f"expected a table, got {describe(value)}")
            return None
        return value

    def number(
        self,
        table: dict,
        key: str,
        path: str,
        *,
        required: bool = True,
        default: float | None = None,
        positive: bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
        integer: bool = False,
    ) -> Any:
        if key not in table:
            if required:
                self.fail(path, "missing; expected a number")
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"expected a number, got {describe(value)}")
            return default
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(path, f"expected a finite number, got {value}")
            return default
        if isinstance(value, int) and value.bit_length() > 1000:  # beyond any float
            self.fail(path, f"expected a number of sensible size, got {show_number(value)}")
            return default
        if integer and (isinstance(value, float) and not value.is_integer()):
            self.fail(path, f"expected a whole number, got {value}")
            return default
        if positive and value <= 0:
            self.fail(path, f"must be positive, got {show_number(value)}")
            return default
        if minimum is not None and value < minimum:
            self.fail(path, f"must be at least {minimum:g}, got {show_number(value)}")
            return default
        if maximum is not None and value > maximum:
            self.fail(path, f"must be at most {maximum:g}, got {show_number(value)}")
            return default
        return int(value) if integer else float(value)

    def string(
        self, table: dict, key: str, path: str, *, required=True, default=None, limit: int = MAX_NAME_CHARS
    ) -> Any:
        if key not in table:
            if required:
                self.fail(path, "missing; expected a string")
            return default
        value = table[key]
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {describe(value)}")
            return default
        problem = text_problem(value, limit)
        if problem:
            self.fail(path, problem)
            return default
        return value

    def a_date(self, table: dict, key: str, path: str) -> date | None:
        if key not in table:
            self.fail(path, "missing; expected a date like 2026-11-20")
            return None
        value = table[key]
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and len(value) < 40:
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.fail(path, f"expected a date like 2026-11-20, got {describe(value)}")
        return None
