"""Reading and writing the user's files safely: one module for every reader and writer.

* :func:`read_regular` reads a regular file only (a FIFO or a device could block or
  never end) and at most ``limit`` bytes of it, returning the bytes and their stat.
* :func:`write_atomic` replaces a file atomically and durably: the data goes to a
  temporary file beside it, which is fsynced and renamed over the target, and then the
  folder is fsynced. A crash leaves the old file or the new one, never half of one.
* :class:`FileStamp` is what a file was when it was read: enough to notice a later change.

Plans (``plan_io``), journals, CSV snapshots and the settings file all go through here,
so they share one durability and one set of checks.
"""

from __future__ import annotations

import errno as _errno
import hashlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegularFileError(OSError):
    """The path is a FIFO, a device or a socket: reading it could block or never end."""


class FileTooLargeError(OSError):
    """The file holds more than the reader's limit; ``size`` is its size when known
    from its stat (None when it grew while being read)."""

    def __init__(self, path: str | os.PathLike, limit: int, size: int | None):
        super().__init__(_errno.EFBIG, f"more than {limit:,} bytes", str(path))
        self.limit = limit
        self.size = size


def read_regular(path: str | os.PathLike, limit: int | None = None) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` (at most ``limit``) and its stat.

    Raises ``FileNotFoundError``, ``IsADirectoryError``, :class:`NotRegularFileError`,
    :class:`FileTooLargeError`, any other ``OSError`` from the system, and
    ``ValueError`` for a path with an embedded NUL.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(_errno.EISDIR, os.strerror(_errno.EISDIR), str(path))
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFileError(_errno.EINVAL, "not a regular file", str(path))
        if limit is not None and st.st_size > limit:
            raise FileTooLargeError(path, limit, st.st_size)
        chunks = []
        remaining = limit + 1 if limit is not None else None
        while remaining is None or remaining > 0:
            chunk = os.read(fd, 1 << 16 if remaining is None else min(remaining, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if limit is not None and len(raw) > limit:
        raise FileTooLargeError(path, limit, None)
    return raw, st


# -- stamps -----------------------------------------------------------------

@dataclass(frozen=True)
class FileStamp:
    """What a file was when it was read: enough to notice any later change.

    ``sha256`` decides (a touched but identical file is not a change); ``mtime_ns`` and
    ``size`` are kept for display. A file that did not exist has ``size == -1``.
    """

    mtime_ns: int
    size: int
    sha256: str

    @property
    def exists(self) -> bool:
        return self.size >= 0


MISSING = FileStamp(mtime_ns=0, size=-1, sha256="")


def stamp_of(raw: bytes, st: os.stat_result) -> FileStamp:
    """The stamp of ``raw``, the bytes read from a file whose stat is ``st``."""
    return FileStamp(mtime_ns=st.st_mtime_ns, size=len(raw), sha256=hashlib.sha256(raw).hexdigest())


# -- writing ----------------------------------------------------------------

def write_temp(directory: Path, stem: str, data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` to a new temporary file ``.<stem>.<random>.tmp`` in ``directory``,
    flushed and fsynced; ``mode`` is applied when given (else the umask decides)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = directory / f".{stem}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o666 if mode is None else mode & 0o777)
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise FileExistsError(_errno.EEXIST, "no free temporary file name", str(directory))
    try:
        try:
            if mode is not None:
                os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        unlink_quietly(tmp)
        raise
    return tmp


def unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (file systems that cannot are let be)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno in (_errno.EACCES, _errno.EPERM, _errno.EINVAL, _errno.EISDIR):
            return  # a folder one may not open (or a platform without directory fds)
        raise
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (_errno.EINVAL, _errno.EBADF, getattr(_errno, "ENOTSUP", -1), _errno.EROFS):
            raise  # file systems that cannot sync a directory say so with these
    finally:
        os.close(fd)


def folder_of(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def write_atomic(path: str | os.PathLike, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically and durably (see the module docstring).

    The new file gets ``mode`` when given, else the mode of the file it replaces, else
    what the umask leaves of 0666. On failure the previous file is unchanged and no
    temporary file is left; the ``OSError`` is raised as is.
    """
    path = Path(path)
    directory = folder_of(path)
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except FileNotFoundError:
            pass
    tmp = write_temp(directory, path.name, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        unlink_quietly(tmp)
        raise
    fsync_directory(directory)
