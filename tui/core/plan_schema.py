"""The plan file's keys, declared once: on the model's dataclass fields.

Each field of ``Plan``, ``Exposure``, ``Sizing``, ``Layer`` (``plan.py``),
``MarketSnapshot``, ``Future`` (``curve.py``) and ``VolModel`` (``volmodel.py``) that is
a key of the file is declared with one of the helpers below, which put a :class:`Key` in
the field's metadata. From that one declaration come the list of allowed keys (and so the
"unknown key; did you mean" messages), how the reader checks the value (kind, bounds,
whether it is required, its default) and how the writer writes it. A field without a
``Key`` is not part of the file.

Adding a key is one line on the dataclass, e.g. in ``Exposure``::

    funding_rate: float = number(0.0, bounds=limits.RATE_BOUNDS)

and, when the bound is new, one line in ``limits.py``. The reader, the writer, the diff,
the unknown-key check and the fuzz tests pick it up. Kinds the generic reader does not
know (``expiry``, ``strike``, the ``futures`` and ``layers`` arrays) are read by named
functions in ``plan_io``.

The writer puts plain values first and tables/arrays of tables after them, each in field
order (what TOML needs for ``[tables]`` anyway), and leaves out a value in ``omit``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from .limits import MAX_NAME_CHARS

SPEC = "alvh_plan_key"
_NO = dataclasses.MISSING  # "no default" for a dataclass field


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "not given" for Key.missing (None is a value there)


@dataclass(frozen=True)
class Key:
    """How one key of the plan file is read and written."""

    kind: str  # number | integer | text | date | choice | month | table | tables, or a plan_io reader
    minimum: Any = None
    maximum: Any = None
    positive: bool = False
    required: bool = False
    required_if: tuple[str, str] | None = None  # (sibling or context key, value) that makes it required
    limit: int = MAX_NAME_CHARS  # text: at most this many characters
    choices: tuple[str, ...] = ()
    whole: bool = False  # write a whole float as an integer ("2000000", not "2000000.0")
    missing: Any = UNSET  # the value read when the key is absent, when not the field's default
    item: type | None = None  # table / tables: the dataclass of the table
    omit: tuple = (None,)  # values not written at all

    @property
    def nested(self) -> bool:
        return self.kind in ("table", "tables") or self.item is not None


def _field(key: Key, default: Any = _NO, factory: Any = _NO, kw_only: bool = False) -> Any:
    if factory is not _NO:
        return dataclasses.field(default_factory=factory, metadata={SPEC: key}, kw_only=kw_only)
    return dataclasses.field(default=default, metadata={SPEC: key}, kw_only=kw_only)


def _bounds(bounds, minimum, maximum):
    return (bounds if bounds is not None else (minimum, maximum))


def number(
    default: Any = _NO, *, bounds: tuple | None = None, minimum: float | None = None, maximum: float | None = None,
    positive: bool = False, required: bool = False, required_if: tuple[str, str] | None = None,
    whole: bool = False, missing: Any = UNSET,
) -> Any:
    """A float key, held to ``bounds`` (or ``minimum``/``maximum``), > 0 when ``positive``."""
    lo, hi = _bounds(bounds, minimum, maximum)
    return _field(Key("number", lo, hi, positive, required, required_if, whole=whole, missing=missing), default)


def integer(
    default: Any = _NO, *, minimum: int | None = None, maximum: int | None = None, positive: bool = False,
    required: bool = False, required_if: tuple[str, str] | None = None,
) -> Any:
    """A whole-number key."""
    return _field(Key("integer", minimum, maximum, positive, required, required_if), default)


def text(
    default: Any = _NO, *, limit: int = MAX_NAME_CHARS, required: bool = False, missing: Any = UNSET,
    omit: tuple = (None,), kw_only: bool = False,
) -> Any:
    """A string that may be shown in a terminal (no control characters, at most ``limit``)."""
    return _field(Key("text", required=required, limit=limit, missing=missing, omit=omit), default, kw_only=kw_only)


def day(default: Any = _NO, *, bounds: tuple[date, date] | None = None, required: bool = True) -> Any:
    """A date (required unless ``required=False``: absent then means ``default``)."""
    lo, hi = bounds or (None, None)
    return _field(Key("date", lo, hi, required=required), default)


def choice(default: Any, choices: tuple[str, ...]) -> Any:
    """One string of ``choices``."""
    return _field(Key("choice", choices=tuple(choices)), default)


def custom(kind: str, default: Any = _NO, *, required: bool = False, missing: Any = UNSET) -> Any:
    """A key read by ``plan_io``'s reader for ``kind`` (e.g. ``"expiry"``, ``"month"``)."""
    return _field(Key(kind, required=required, missing=missing), default)


def table(item: type, *, kind: str = "table", required: bool = False, omit: tuple = (None,)) -> Any:
    """A nested ``[table]`` holding the keys of dataclass ``item`` (when not ``required``,
    an absent table means ``item()``, all defaults; a value in ``omit`` is not written)."""
    if required:
        return _field(Key(kind, item=item, required=True))
    return _field(Key(kind, item=item, omit=omit), factory=item)


def tables(item: type, default: Any = _NO, *, kind: str = "tables", omit: tuple = (None,)) -> Any:
    """An array of tables, each holding the keys of dataclass ``item`` (not written when its
    value is in ``omit``, e.g. an empty tuple for an optional array)."""
    return _field(Key(kind, item=item, omit=omit), default)


def schema_version(default: int) -> Any:
    """The file's ``schema = N``: first in the file, keyword-only on the dataclass."""
    return _field(Key("schema", required=True), default, kw_only=True)


# -- reading the declarations --------------------------------------------------

def keyed_fields(cls: type) -> list[tuple[str, Key, dataclasses.Field]]:
    """The file keys of dataclass ``cls``: (name, Key, field), in declaration order."""
    return [(f.name, f.metadata[SPEC], f) for f in dataclasses.fields(cls) if SPEC in f.metadata]


def key_names(cls: type) -> tuple[str, ...]:
    return tuple(name for name, _, _ in keyed_fields(cls))


def default_of(f: dataclasses.Field, key: Key) -> Any:
    """The value a reader takes for an absent key (None when the field has no default)."""
    if key.missing is not UNSET:
        return key.missing
    if f.default is not _NO:
        return f.default
    if f.default_factory is not _NO:
        return f.default_factory()
    return None


# -- writing ----------------------------------------------------------------

def whole_number(x: Any) -> Any:
    """A whole float as an int: money reads better without ".0"; tomllib gives it back as
    an int and every reader converts to float, so the round trip stays exact."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def to_table(obj: Any) -> dict[str, Any]:
    """``obj`` (a dataclass with keyed fields) as a TOML-ready dict, in the file's order."""
    plain: dict[str, Any] = {}
    nested: dict[str, Any] = {}
    for name, key, _ in keyed_fields(type(obj)):
        value = getattr(obj, name)
        if any(value is o or (o is not None and value == o) for o in key.omit):
            continue
        if key.nested and isinstance(value, (tuple, list)):
            nested[name] = [to_table(v) for v in value]
        elif key.nested:
            nested[name] = to_table(value)
        else:
            plain[name] = whole_number(value) if key.whole else value
    return {**plain, **nested}
