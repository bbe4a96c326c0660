"""The recovery journal and the session lock: unsaved edits kept in the user's state folder (no UI).

Vim's swap files are the model. Each session (one running app) that opens a plan takes a
**lock** at once, and while the plan has unsaved edits writes them to **its own journal**,
within a second of each edit and synchronously on SIGHUP/SIGTERM. The plan file itself is
only ever written by an explicit save. Opening a plan finds the other sessions' locks
(the plan is open elsewhere: pid, host, since) and the journals of sessions that have
ended (offered for recovery). A journal whose writer is alive is never offered or removed.

Location: ``$ALVH_TUI_STATE_DIR`` when set, else ``platformdirs.user_state_path("alvh-tui")``
(``~/.local/state/alvh-tui`` on Linux), sub-folder ``journal/`` (mode 0700; files 0600).

Names: ``<stem>-<key>-<session>.journal.toml`` and ``….lock`` where ``key`` is the first 16
hex digits of the SHA-256 of the plan's absolute, symlink-resolved path and ``session`` 8
random hex digits per session; an untitled plan is ``untitled-<random>`` (its own session).
Journals of version 1 without a session part (``<stem>-<key>.journal.toml``) are still read.

The lock is a small JSON file (``plan_path``, ``pid``, ``host``, ``since``, ``read_only``)
held with ``flock`` for the session's life: the kernel drops the lock when the process
ends however it ends, so a lock that can be taken again belongs to a dead session (no
guessing from a pid that may have been reused). A lock from another host counts as alive.

The journal's content is a valid plan file (``alvh-tui check`` accepts it) preceded by two
comment lines; the second carries the header as JSON::

    # alvh-tui journal 1: unsaved edits of a plan; open the plan in alvh-tui to recover them
    # {"plan_path": "/home/me/hedge.toml", "based_on": {"mtime_ns": ..., "size": ..., "sha256": "..."},
    #  "written_at": "2026-07-01T12:00:00+00:00", "pid": 4242, "host": "box", "edits": 3}
    schema = 1
    ...

``based_on`` is the :class:`~tui.core.safe_files.FileStamp` of the file the edits were made
on (``null`` when the plan had no file yet). Writes are atomic (temporary file beside,
fsync, rename: ``safe_files.write_atomic``). Any damaged header (huge numbers, deep nesting,
wrong types) makes the journal :class:`JournalCorrupt`, never an exception of another kind.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .paths import APP_NAME
from .plan import Plan
from .plan_io import PlanError, dumps_plan, parse_plan
from .safe_files import FileStamp, FileTooLargeError, NotRegularFileError, read_regular, write_atomic
from .safe_text import printable

STATE_ENV = "ALVH_TUI_STATE_DIR"

FORMAT_VERSION = 1
MAGIC = f"# alvh-tui journal {FORMAT_VERSION}: unsaved edits of a plan; open the plan in alvh-tui to recover them"
SUFFIX = ".journal.toml"
LOCK_SUFFIX = ".lock"
MAX_JOURNAL_BYTES = 2_000_000
MAX_LOCK_BYTES = 4096
MAX_HEADER_CHARS = 8192  # a real header is a few hundred characters
MAX_SCANNED = 10_000  # stale journals listed per plan (newest first); the rest are only counted
_PID_MAX = 2**31 - 1

_UNTITLED_RE = re.compile(r"untitled-[0-9a-f]{1,32}")


def state_dir() -> Path:
    override = os.environ.get(STATE_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_state_path

    return user_state_path(APP_NAME)


def journal_dir(base: Path | None = None) -> Path:
    return (base or state_dir()) / "journal"


def new_session() -> str:
    return secrets.token_hex(4)


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


def journal_file(path: Path | None, key: str, base: Path | None = None, session: str | None = None) -> Path:
    """The journal of plan ``path`` (key ``key``) written by ``session`` (None: the version-1 name)."""
    if key.startswith("untitled-"):
        name = key + SUFFIX
    else:
        name = f"{_stem(path)}-{key}" + (f"-{session}" if session else "") + SUFFIX
    return journal_dir(base) / name


def lock_file(journal: Path) -> Path:
    """The lock that says whether the writer of ``journal`` is alive."""
    return journal.with_name(journal.name[: -len(SUFFIX)] + LOCK_SUFFIX)


def recovered_path(plan_path: Path, now: datetime | None = None) -> Path:
    """``PLAN.recovered-YYYYmmdd-HHMMSS.toml`` beside the plan (for "keep both")."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return plan_path.with_name(f"{plan_path.stem}.recovered-{stamp}{plan_path.suffix or '.toml'}")


def _pid_alive(pid: int | None, host: str) -> bool:
    """A version-1 journal has no lock: its writer is alive when its pid runs on this host."""
    if not isinstance(pid, int) or not 0 < pid <= _PID_MAX or pid == os.getpid() or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True  # exists, owned by someone else
    return True


def _flock_held(file: Path) -> bool | None:
    """True: a live process holds ``file``'s flock; False: nobody does (or no file); None: cannot tell."""
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return False
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return None
    finally:
        os.close(fd)  # closing drops our shared lock, if we took it
    return False


@dataclass(frozen=True)
class LockInfo:
    """Another session's lock (or a dead one): who has the plan open, where, since when."""

    file: Path
    plan_path: Path | None
    pid: int | None
    host: str
    since: str
    read_only: bool
    alive: bool

    def describe(self) -> str:
        where = f"pid {self.pid}" if self.pid else "an unknown process"
        mode = " (read-only)" if self.read_only else ""
        return f"{where} on {self.host or '?'} since {self.since.replace('T', ' ')}{mode}"


def _read_lock(file: Path) -> LockInfo:
    """Read a lock file; whatever it holds (damaged, huge), an answer, never an exception."""
    held = _flock_held(file)
    data: dict = {}
    try:
        raw = _read_small(file, MAX_LOCK_BYTES)
        if raw is not None:
            loaded = json.loads(raw.decode("utf-8"))
            data = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError, RecursionError, UnicodeDecodeError):
        data = {}
    pid = data.get("pid")
    pid = pid if isinstance(pid, int) and not isinstance(pid, bool) and 0 < pid <= _PID_MAX else None
    host = printable(str(data.get("host", "")), 80) if isinstance(data.get("host"), str) else ""
    raw_path = data.get("plan_path")
    if host and host != socket.gethostname():
        alive = True  # flock may not reach across hosts: never take another host's session for dead
    elif held is None:
        alive = _pid_alive(pid, host or socket.gethostname())
    else:
        alive = held
    return LockInfo(
        file=file,
        plan_path=Path(raw_path) if isinstance(raw_path, str) and raw_path and "\0" not in raw_path else None,
        pid=pid,
        host=host,
        since=printable(str(data.get("since", "?")), 40),
        read_only=data.get("read_only") is True,
        alive=alive,
    )


def _read_small(file: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes (None: larger, a symlink, or not
    a regular file): never follows a link, never waits on a FIFO."""
    if os.path.islink(file):
        return None
    try:
        return read_regular(file, limit)[0]
    except (FileTooLargeError, NotRegularFileError, IsADirectoryError):
        return None


class SessionLock:
    """This session's lock on one plan: a flock held on an open file until :meth:`release`."""

    def __init__(self, file: Path, handle, plan_path: Path | None, read_only: bool) -> None:
        self.file = file
        self._handle = handle
        self.plan_path = plan_path
        self.read_only = read_only

    @classmethod
    def take(cls, journal: Path, plan_path: Path | None, read_only: bool = False) -> "SessionLock":
        """Create and flock the lock of ``journal`` (OSError when the state folder is unusable).

        Written under a temporary name, locked, then renamed: a lock file is never visible
        unlocked while its session lives (another session would take it for a dead one)."""
        file = lock_file(journal)
        folder = file.parent
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = folder / f".{file.name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        handle = os.fdopen(fd, "r+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            handle.write(cls._info(plan_path, read_only))
            handle.flush()
            os.replace(tmp, file)
        except BaseException:
            handle.close()
            _unlink(tmp)
            raise
        return cls(file, handle, plan_path, read_only)

    @staticmethod
    def _info(plan_path: Path | None, read_only: bool) -> bytes:
        info = {
            "plan_path": str(plan_path) if plan_path is not None else None,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now().astimezone().isoformat(timespec="seconds"),
            "read_only": read_only,
        }
        return json.dumps(info, ensure_ascii=True).encode() + b"\n"

    def rewrite(self, read_only: bool) -> None:
        """Say read-only (or not) in the lock, in place: the flock is kept throughout."""
        if self._handle is None:
            return
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(self._info(self.plan_path, read_only))
        self._handle.flush()
        self.read_only = read_only

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        """Remove the lock file, then drop the flock (in that order: never a visible unlocked lock)."""
        if self._handle is None:
            return
        _unlink(self.file)
        try:
            self._handle.close()
        except OSError:
            pass
        self._handle = None


def _unlink(file: Path) -> None:
    try:
        os.unlink(file)
    except FileNotFoundError:
        pass
    except OSError:
        pass


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
        """True when the session that wrote it still runs (its lock is held; a version-1
        journal without a lock: its pid runs on this host)."""
        return writer_alive(self.file, self.pid, self.host)


def writer_alive(journal: Path, pid: int | None = None, host: str = "") -> bool:
    lock = lock_file(journal)
    if lock.exists() or _has_session(journal):
        return _read_lock(lock).alive if lock.exists() else False
    return _pid_alive(pid, host)


def _has_session(journal: Path) -> bool:
    name = journal.name[: -len(SUFFIX)] if journal.name.endswith(SUFFIX) else journal.name
    return bool(_UNTITLED_RE.fullmatch(name)) or bool(re.search(r"-[0-9a-f]{16}-[0-9a-f]{8}$", name))


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


def _int_field(table: dict, key: str, low: int, high: int) -> int:
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{key} is not a whole number from {low} to {high}")
    return value


def _header(line: str) -> dict:
    """The JSON header of a journal; ValueError for anything but a plain, small table."""
    if len(line) > MAX_HEADER_CHARS:
        raise ValueError(f"longer than {MAX_HEADER_CHARS} characters")
    try:
        header = json.loads(line)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(header, dict):
        raise ValueError("header is not a table")
    return header


def parse(text: str, file: Path) -> JournalEntry:
    """Read a journal's text; :class:`JournalCorrupt` when it is not one (whatever it holds)."""
    lines = text.split("\n", 2)
    if len(lines) < 3 or not lines[0].startswith("# alvh-tui journal ") or not lines[1].startswith("# "):
        raise JournalCorrupt(file, "no journal header")
    try:
        header = _header(lines[1][2:])
        raw_path = header.get("plan_path")
        plan_path = Path(raw_path) if isinstance(raw_path, str) and raw_path and "\0" not in raw_path else None
        based = header.get("based_on")
        if based is not None and not isinstance(based, dict):
            raise ValueError("based_on is not a table")
        based_on = None
        if based is not None:
            digest = based["sha256"]
            if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
                raise ValueError("based_on.sha256 is not a SHA-256")
            based_on = FileStamp(mtime_ns=_int_field(based, "mtime_ns", 0, 2**63 - 1), size=_int_field(based, "size", 0, 2**63 - 1), sha256=digest)
        entry_pid = _int_field(header, "pid", 1, _PID_MAX) if header.get("pid") is not None else None
        edits = header.get("edits")
        edits = edits if isinstance(edits, int) and not isinstance(edits, bool) and 0 <= edits < 10**9 else 0
        written_at = header.get("written_at", "?")
        host = header.get("host", "")
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as error:
        raise JournalCorrupt(file, f"unreadable header ({printable(str(error), 120)})") from None
    try:
        plan = parse_plan(text, str(file))
    except PlanError as error:
        raise JournalCorrupt(file, error.messages[0] if error.messages else "not a valid plan") from None
    except RecursionError:
        raise JournalCorrupt(file, "not a valid plan (nested too deeply)") from None
    return JournalEntry(
        file=file,
        plan=plan,
        plan_path=plan_path,
        based_on=based_on,
        written_at=printable(written_at if isinstance(written_at, str) else "?", 40),
        pid=entry_pid,
        host=printable(host if isinstance(host, str) else "", 80),
        edits=edits,
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


# -- what the journal folder holds for one plan ------------------------------------


@dataclass
class Scan:
    """The other sessions on one plan: who has it open, and what ended sessions left."""

    live: list[LockInfo] = field(default_factory=list)  # other sessions that have it open (editing or read-only)
    stale: list[Path] = field(default_factory=list)  # journals of ended sessions, newest first
    more: int = 0  # stale journals beyond MAX_SCANNED (not listed)

    @property
    def editors(self) -> list[LockInfo]:
        return [lock for lock in self.live if not lock.read_only]


def _belongs(name: str, path: Path | None, key: str | None) -> str | None:
    """``name`` without its suffix if it is a journal or lock of this plan (None: untitled)."""
    for suffix in (SUFFIX, LOCK_SUFFIX):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            break
    else:
        return None
    if path is None:
        return base if _UNTITLED_RE.fullmatch(base) else None
    if re.fullmatch(rf".*-{key}(-[0-9a-f]{{8}})?", base):
        return base
    return None


def scan(path: Path | None, base: Path | None = None, own: tuple[Path, ...] = ()) -> Scan:
    """The locks and journals of plan ``path`` (``None``: untitled plans) but ``own``.

    Dead locks whose journal is gone are removed on the way (they mark nothing)."""
    folder = journal_dir(base)
    key = plan_key(path) if path is not None else None
    found = Scan()
    journals: list[tuple[int, Path]] = []
    locks: dict[str, Path] = {}
    try:
        with os.scandir(folder) as entries:
            for item in entries:
                stem = _belongs(item.name, path, key)
                if stem is None or Path(item.path) in own:
                    continue
                if item.name.endswith(LOCK_SUFFIX):
                    locks[stem] = Path(item.path)
                else:
                    try:
                        if not item.is_file(follow_symlinks=False):
                            continue
                        journals.append((item.stat(follow_symlinks=False).st_mtime_ns, Path(item.path)))
                    except OSError:
                        continue
    except OSError:
        return found
    journal_stems = {file.name[: -len(SUFFIX)] for _, file in journals}
    for stem, lock in sorted(locks.items()):
        info = _read_lock(lock)
        if info.alive:
            found.live.append(info)
        elif stem not in journal_stems:
            _unlink(lock)
    live_stems = {lock.file.name[: -len(LOCK_SUFFIX)] for lock in found.live}
    journals.sort(key=lambda item: item[0], reverse=True)
    for _, file in journals:
        stem = file.name[: -len(SUFFIX)]
        if stem in live_stems or (stem not in locks and not _has_session(file) and _legacy_alive(file)):
            continue
        if len(found.stale) < MAX_SCANNED:
            found.stale.append(file)
        else:
            found.more += 1
    return found


def _legacy_alive(file: Path) -> bool:
    """A version-1 journal: read its header's pid and host (damaged: not alive)."""
    try:
        entry = read(file)
    except JournalCorrupt:
        return False
    return _pid_alive(entry.pid, entry.host)


def find(path: Path | None = None, base: Path | None = None) -> Path | None:
    """The newest journal of an ended session for plan ``path`` (``None``: untitled), if any."""
    stale = scan(path, base).stale
    return stale[0] if stale else None


def write(file: Path, text: str) -> None:
    """Atomically replace ``file`` with ``text`` (folder 0700, file 0600)."""
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(file, text.encode("utf-8"), mode=0o600)


def remove(file: Path) -> None:
    try:
        os.unlink(file)
    except FileNotFoundError:
        pass


def remove_stale(file: Path) -> bool:
    """Remove an ended session's journal and its dead lock; False (and nothing removed) if
    its writer turns out to be alive."""
    if writer_alive(file):
        return False
    remove(file)
    _unlink(lock_file(file))
    return True


def set_aside(file: Path, now: datetime | None = None) -> Path:
    """Rename a corrupt journal out of the way (``….corrupt-YYYYmmdd-HHMMSS``); return the new name."""
    target = file.with_name(file.name + ".corrupt-" + (now or datetime.now()).strftime("%Y%m%d-%H%M%S"))
    n = 1
    while target.exists():
        n += 1
        target = target.with_name(f"{target.name.split('~')[0]}~{n}")
    os.replace(file, target)
    lock = lock_file(file)
    if lock.exists() and not _read_lock(lock).alive:
        _unlink(lock)
    return target
