"""The recovery journal: unsaved edits kept in the user's state folder (no UI here).

While a plan has unsaved edits, the app writes the current plan to one journal file per
plan, within a second of each edit and synchronously on SIGHUP/SIGTERM. The plan file
itself is only ever written by an explicit save. Opening the plan again finds the
journal and offers to recover it.

Location: ``$ALVH_TUI_STATE_DIR`` when set, else ``platformdirs.user_state_path("alvh-tui")``
(``~/.local/state/alvh-tui`` on Linux), sub-folder ``journal/`` (mode 0700; files 0600).

File name: ``<stem>-<key>.journal.toml`` where ``key`` is the first 16 hex digits of the
SHA-256 of the plan's absolute, symlink-resolved path; an untitled plan gets
``untitled-<random>``. The content is a valid plan file (``alvh-tui check`` accepts it)
preceded by two comment lines; the second carries the header as JSON::

    # alvh-tui journal 1: unsaved edits of a plan; open the plan in alvh-tui to recover them
    # {"plan_path": "/home/me/hedge.toml", "based_on": {"mtime_ns": ..., "size": ..., "sha256": "..."},
    #  "written_at": "2026-07-01T12:00:00+00:00", "pid": 4242, "host": "box", "edits": 3}
    schema = 1
    ...

``based_on`` is the :class:`~tui.core.safe_files.FileStamp` of the file the edits were made
on (``null`` when the plan had no file yet). Writes are atomic (temporary file beside,
fsync, rename: ``safe_files.write_atomic``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .plan import Plan
from .plan_io import PlanError, dumps_plan, parse_plan
from .safe_files import FileStamp, FileTooLargeError, read_regular, write_atomic
from .safe_text import printable

STATE_ENV = "ALVH_TUI_STATE_DIR"
APP_NAME = "alvh-tui"
FORMAT_VERSION = 1
MAGIC = f"# alvh-tui journal {FORMAT_VERSION}: unsaved edits of a plan; open the plan in alvh-tui to recover them"
SUFFIX = ".journal.toml"
MAX_JOURNAL_BYTES = 2_000_000


def state_dir() -> Path:
    override = os.environ.get(STATE_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_path

    return user_state_path(APP_NAME)


def journal_dir(base: Path | None = None) -> Path:
    return (base or state_dir()) / "journal"


def plan_key(path: Path | None) -> str:
    """The journal key of a plan file; a fresh ``untitled-…`` key for ``None``."""
    if path is None:
        return "untitled-" + secrets.token_hex(6)
    absolute = Path(os.path.realpath(Path(path).expanduser().absolute()))
    return hashlib.sha256(os.fsencode(absolute)).hexdigest()[:16]


def _stem(path: Path | None) -> str:
    if path is None:
        return "untitled"
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).stem)[:40].strip("._")
    return stem or "plan"


def journal_file(path: Path | None, key: str, base: Path | None = None) -> Path:
    name = key + SUFFIX if key.startswith("untitled-") else f"{_stem(path)}-{key}{SUFFIX}"
    return journal_dir(base) / name


def recovered_path(plan_path: Path, now: datetime | None = None) -> Path:
    """``PLAN.recovered-YYYYmmdd-HHMMSS.toml`` beside the plan (for "keep both")."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return plan_path.with_name(f"{plan_path.stem}.recovered-{stamp}{plan_path.suffix or '.toml'}")


@dataclass(frozen=True)
class JournalEntry:
    file: Path
    plan: Plan
    plan_path: Path | None
    based_on: FileStamp | None
    written_at: str
    pid: int | None
    host: str
    edits: int

    def writer_alive(self) -> bool:
        """True when the process that wrote it still runs on this host (another session)."""
        if not self.pid or self.pid == os.getpid() or self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True  # exists, owned by someone else
        return True


class JournalCorrupt(Exception):
    """A journal file that cannot be read back; ``file`` is where it is, ``reason`` why."""

    def __init__(self, file: Path, reason: str):
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


def render(plan: Plan, plan_path: Path | None, based_on: FileStamp | None, edits: int = 0, now: datetime | None = None) -> str:
    header = {
        "plan_path": str(plan_path) if plan_path is not None else None,
        "based_on": None if based_on is None or not based_on.exists else
        {"mtime_ns": based_on.mtime_ns, "size": based_on.size, "sha256": based_on.sha256},
        "written_at": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "edits": edits,
    }
    return f"{MAGIC}\n# {json.dumps(header, ensure_ascii=True)}\n{dumps_plan(plan)}"


def parse(text: str, file: Path) -> JournalEntry:
    """Read a journal's text; :class:`JournalCorrupt` when it is not one."""
    lines = text.split("\n", 2)
    if len(lines) < 3 or not lines[0].startswith("# alvh-tui journal ") or not lines[1].startswith("# "):
        raise JournalCorrupt(file, "no journal header")
    try:
        header = json.loads(lines[1][2:])
        if not isinstance(header, dict):
            raise ValueError("header is not a table")
        raw_path = header.get("plan_path")
        plan_path = Path(raw_path) if isinstance(raw_path, str) and raw_path else None
        based = header.get("based_on")
        based_on = (
            FileStamp(mtime_ns=int(based["mtime_ns"]), size=int(based["size"]), sha256=str(based["sha256"]))
            if isinstance(based, dict) else None
        )
        pid = header.get("pid")
        entry_pid = int(pid) if isinstance(pid, int) else None
        edits = header.get("edits")
    except (ValueError, KeyError, TypeError) as error:
        raise JournalCorrupt(file, f"unreadable header ({printable(str(error), 120)})") from None
    try:
        plan = parse_plan(text, str(file))
    except PlanError as error:
        raise JournalCorrupt(file, error.messages[0] if error.messages else "not a valid plan") from None
    return JournalEntry(
        file=file,
        plan=plan,
        plan_path=plan_path,
        based_on=based_on,
        written_at=printable(str(header.get("written_at", "?")), 40),
        pid=entry_pid,
        host=printable(str(header.get("host", "")), 80),
        edits=edits if isinstance(edits, int) else 0,
    )


def read(file: Path) -> JournalEntry:
    try:
        raw, _ = read_regular(file, MAX_JOURNAL_BYTES)
    except FileTooLargeError:
        raise JournalCorrupt(file, "too large to be a journal") from None
    except OSError as error:
        raise JournalCorrupt(file, f"cannot be read ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JournalCorrupt(file, "not UTF-8 text") from None
    return parse(text, file)


def find(path: Path | None = None, base: Path | None = None) -> Path | None:
    """The journal file of plan ``path`` if there is one. ``None`` path: the newest untitled."""
    folder = journal_dir(base)
    if path is not None:
        file = journal_file(path, plan_key(path), base)
        return file if file.is_file() else None
    try:
        untitled = [p for p in folder.glob("untitled-*" + SUFFIX) if p.is_file()]
    except OSError:
        return None
    return max(untitled, key=lambda p: p.stat().st_mtime_ns, default=None)


def write(file: Path, text: str) -> None:
    """Atomically replace ``file`` with ``text`` (folder 0700, file 0600)."""
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(file, text.encode("utf-8"), mode=0o600)


def remove(file: Path) -> None:
    try:
        os.unlink(file)
    except FileNotFoundError:
        pass


def set_aside(file: Path, now: datetime | None = None) -> Path:
    """Rename a corrupt journal out of the way (``….corrupt-YYYYmmdd-HHMMSS``); return the new name."""
    target = file.with_name(file.name + ".corrupt-" + (now or datetime.now()).strftime("%Y%m%d-%H%M%S"))
    n = 1
    while target.exists():
        n += 1
        target = target.with_name(f"{target.name.split('~')[0]}~{n}")
    os.replace(file, target)
    return target
