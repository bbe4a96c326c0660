"""Reading and writing the user's files safely: one module for every reader and writer.

* :func:`read_regular` reads a regular file only (a FIFO or a device could block or
  never end) and at most ``limit`` bytes of it, returning the bytes and their stat.
* :func:`write_atomic` replaces a file atomically and durably: the data goes to a
  temporary file beside it, which is fsynced and renamed over the target, and then the
  folder is fsynced. A crash leaves the old file or the new one, never half of one.
* :class:`FileStamp` is what a file was when it was read: enough to notice a later change.

Plans (``plan_io``), journals, CSV snapshots, option chains, curves, the history and the
settings file all go through here, so they share one durability and one set of checks;
:func:`read_user_file` words why a file cannot be read, the same way for each of them.
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


class UnreadableFile(Exception):
    """A user's file that cannot be read; the message is the reason, worded to follow the
    file's name ("<file>: is a directory, expected a curve CSV")."""


def read_user_file(path: str | os.PathLike, limit: int, expected: str, typical: str) -> bytes:
    """The bytes of the user's file ``path`` (:func:`read_regular`, at most ``limit``), or
    :class:`UnreadableFile` saying why not. ``expected`` is what the file should be ("a
    curve CSV"), ``typical`` what such a file weighs ("a curve file is a few KB")."""
    try:
        return read_regular(path, limit)[0]
    except FileNotFoundError:
        reason = "file not found"
    except IsADirectoryError:
        reason = f"is a directory, expected {expected}"
    except NotRegularFileError:
        reason = f"is not a regular file (a pipe or a device?), expected {expected}"
    except FileTooLargeError as error:
        size = f"{error.size:,} bytes" if error.size is not None else f"more than {limit:,} bytes"
        reason = f"is {size}; {typical} (is this the right file?)"
    except OSError as error:
        reason = f"cannot read the file ({error.strerror or error})"
    except ValueError as error:  # an embedded NUL in the path
        reason = f"is not a usable file name ({error})"
    raise UnreadableFile(reason)


def utf8_text(raw: bytes) -> str:
    """``raw`` as UTF-8 text, a byte-order mark dropped; :class:`UnreadableFile` otherwise."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"not a UTF-8 text file ({error.reason} at byte {error.start})") from None


# -- what a path is, and why it cannot be used ------------------------------------

_CAUSES = {
    _errno.ENOSPC: "the disk is full",
    getattr(_errno, "EDQUOT", -1): "the disk quota is exceeded",
    _errno.EACCES: "permission denied",
    _errno.EPERM: "the operation is not permitted",
    _errno.EROFS: "the file system is read-only",
    _errno.ENOENT: "the folder does not exist",
    _errno.ENOTDIR: "a part of the path is not a folder",
    _errno.EISDIR: "the path is a folder",
    _errno.ENAMETOOLONG: "the file name is too long",
    _errno.ELOOP: "the path is a loop of symbolic links",
    _errno.EIO: "an input/output error (a failing disk or a lost network share?)",
    _errno.EILSEQ: "the plan holds text that cannot be written as UTF-8",
}


def cause_of(error: OSError, path: str | os.PathLike | None = None) -> str:
    """A short human cause for ``error`` (with the system's words when they add to it).

    ``path``: the file being written, so that a "no such file" in a folder that does
    exist (``/proc/1/x.toml``) is not blamed on the folder.
    """
    code = getattr(error, "errno", None) or _errno.EIO
    strerror = getattr(error, "strerror", None) or str(error) or os.strerror(code)
    cause = _CAUSES.get(code)
    if code == _errno.ENOENT and path is not None and os.path.isdir(folder_of(Path(path))):
        cause = "no file can be created in that folder"
    if cause and cause.lower() != strerror.lower():
        return f"{cause} ({strerror})"
    return cause or strerror


def path_kind(path: str | os.PathLike) -> str:
    """What ``path`` is: ``"missing"``, ``"file"`` (regular), ``"folder"``, ``"other"``
    (a FIFO, a device...), ``"loop"`` (symbolic links that lead to each other) or
    ``"dangling"`` (a symbolic link to nothing). Any other failure (permission denied,
    a name too long) raises ``OSError``; a NUL in the path raises ``ValueError``."""
    try:
        st = os.stat(path)
    except NotADirectoryError:
        return "missing"  # a part of the path is a file: nothing is there (saving will say why)
    except FileNotFoundError:
        try:
            os.lstat(path)
        except FileNotFoundError:
            return "missing"
        return "dangling"
    except OSError as error:
        if error.errno == _errno.ELOOP:
            return "loop"
        raise
    if stat.S_ISDIR(st.st_mode):
        return "folder"
    return "file" if stat.S_ISREG(st.st_mode) else "other"


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

def write_temp(
    directory: Path, stem: str, data: bytes, mode: int | None = None, owner: tuple[int, int] | None = None
) -> Path:
    """Write ``data`` to a new temporary file ``.<stem>.<random>.tmp`` in ``directory``,
    flushed and fsynced; ``mode`` is applied when given (else the umask decides), and
    ``owner`` (uid, gid) as far as the process may (a user may give a file to a group
    they belong to; only root may give it to another user)."""
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
            if owner is not None:
                _give(fd, *owner)
            if mode is not None:
                os.fchmod(fd, mode)  # after the chown, which may clear set-id bits
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


def _give(fd: int, uid: int, gid: int) -> None:
    st = os.fstat(fd)
    if (st.st_uid, st.st_gid) == (uid, gid):
        return
    for user in (uid, -1):  # the owner and the group, else the group alone
        try:
            os.fchown(fd, user, gid)
            return
        except OSError as error:
            if error.errno not in (_errno.EPERM, _errno.EACCES, _errno.EINVAL, getattr(_errno, "ENOTSUP", -1)):
                raise


def write_in_place(path: Path, data: bytes) -> None:
    """Overwrite ``path``'s content, keeping the file itself (its inode: hard links, owner,
    mode); flushed and fsynced. Not atomic: keep a copy first."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


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
