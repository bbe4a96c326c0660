"""Derived data kept between runs, in the user's cache folder (``paths.cache_dir``).

Some answers need pandas and a whole file to compute but change only when their inputs
do: the exchange holidays (pandas' holiday rules) and the entry signals of a day (the
daily history). Computing them costs a headless command like ``alvh-tui price`` most of
its time (pandas alone is ~0.3 s to import), so each is stored as one small JSON file
under a key naming its inputs; a missing, damaged or stale file is computed afresh, and
a cache that cannot be written only costs time. Deleting the folder is always safe.
"""

from __future__ import annotations

import json
from typing import Any

from .paths import cache_dir
from .safe_files import read_regular, write_atomic

LIMIT = 4 << 20  # bytes: far above what is stored; a bigger file is not ours


def read(name: str, key: str) -> Any | None:
    """The data stored under ``name`` for ``key`` (None when absent, damaged or stale)."""
    try:
        stored = json.loads(read_regular(cache_dir() / name, LIMIT)[0])
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    return stored.get("data")


def write(name: str, key: str, data: Any) -> None:
    """Store ``data`` (JSON-able) under ``name`` for ``key``, atomically; failures are ignored."""
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / name, json.dumps({"key": key, "data": data}).encode())
    except (OSError, ValueError, TypeError):
        pass
