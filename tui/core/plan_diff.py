"""What changed between two plans, one human line per value, in the file's order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .plan import Plan
from .plan_reader import show_number
from .plan_schema import to_table, whole_number
from .safe_text import printable


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        value = whole_number(value)
    if isinstance(value, (int, float)):
        return show_number(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        shown = value if value and value.strip() == value and len(value) <= 40 else repr(value[:40] + ("..." if len(value) > 40 else ""))
        return printable(shown, 60)
    if isinstance(value, dict):
        label = value.get("name", value.get("expiry"))
        return _show(label) if label is not None else "a table"
    return printable(repr(value), 60)


def _diff(old: Any, new: Any, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        keys = list(old) + [k for k in new if k not in old]
        for key in keys:
            where = f"{path}.{key}" if path else key
            if key not in new:
                out.append(f"{where}: {_show(old[key])} -> (none)")
            elif key not in old:
                out.append(f"{where}: (none) -> {_show(new[key])}")
            else:
                _diff(old[key], new[key], where, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        pairs = _layers_by_name(old, new) if path == "layers" else None
        if pairs is not None:
            matched, removed = pairs
            for i, j in matched:
                if i is None:
                    out.append(f"{path}[{j}]: added ({_show(new[j])})")
                else:
                    _diff(old[i], new[j], f"{path}[{j}]", out)
            for i in removed:
                out.append(f"{path}[{i}]: removed ({_show(old[i])})")
            return
        for i in range(max(len(old), len(new))):
            where = f"{path}[{i}]"
            if i >= len(new):
                out.append(f"{where}: removed ({_show(old[i])})")
            elif i >= len(old):
                out.append(f"{where}: added ({_show(new[i])})")
            else:
                _diff(old[i], new[i], where, out)
        return
    same = old == new and type(old) is type(new) or (
        isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool)
        and not isinstance(new, bool) and old == new
    )
    if not same:
        out.append(f"{path}: {_show(old)} -> {_show(new)}")


def _layers_by_name(old: list, new: list) -> tuple[list[tuple[int | None, int]], list[int]] | None:
    """Pair the layers of two plans by name (an inserted layer is then "added", not
    "mid was overwritten"): ``([(old index or None, new index), ...] in the new order,
    [old indexes removed])``. A layer renamed in place pairs with the one at its
    position. None when names repeat (then by position)."""
    names_old = [t.get("name") if isinstance(t, dict) else None for t in old]
    names_new = [t.get("name") if isinstance(t, dict) else None for t in new]
    if None in names_old or None in names_new or len(set(names_old)) < len(old) or len(set(names_new)) < len(new):
        return None
    where = {name: i for i, name in enumerate(names_old)}
    pairs: list[tuple[int | None, int]] = [(where.get(name), j) for j, name in enumerate(names_new)]
    unmatched = sorted(set(range(len(old))) - {i for i, _ in pairs if i is not None})
    for k, (i, j) in enumerate(pairs):
        if i is None and j in unmatched:  # renamed in place
            pairs[k] = (j, j)
            unmatched.remove(j)
    return pairs, unmatched


def diff_plans(old: Plan, new: Plan) -> list[str]:
    """What changed from ``old`` to ``new``, one human line per value, in file order.

    Keys are the file's dotted paths: ``"layers[0].strike: ATM -> 35"``,
    ``"market.vix_spot: 38.57 -> 40"``, ``"layers[3]: added (hedge)"``,
    ``"sizing.premium_usd: 5000000 -> (none)"``. Layers are matched by name (indexes are
    the new plan's), futures by position. Empty when the two plans would be saved as the
    same file.
    """
    out: list[str] = []
    _diff(to_table(old), to_table(new), "", out)
    return out
