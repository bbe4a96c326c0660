"""Saving a plan safely: atomic and durable, with a backup, never over a changed file.

:func:`save_plan` writes through ``safe_files``, keeps the previous version as a backup
beside the file (``PLAN.toml~``), refuses to overwrite a file changed on disk since it
was opened (:class:`~tui.core.safe_files.FileStamp`, :class:`FileChangedError`) and turns
every OS failure into a :class:`SaveError` that names the file and the cause.
"""

from __future__ import annotations

import errno as _errno
import os
import stat
from pathlib import Path

from .limits import MAX_PLAN_BYTES
from .plan import Plan
from .plan_diff import diff_plans
from .plan_io import PlanError, decode_plan, dumps_plan, parse_plan
from .safe_files import (
    MISSING,
    FileStamp,
    FileTooLargeError,
    cause_of,
    folder_of,
    fsync_directory,
    read_regular,
    stamp_of,
    unlink_quietly,
    write_in_place,
    write_temp,
)
from .safe_text import printable

BACKUP_SUFFIX = "~"


def backup_path(path: str | os.PathLike) -> Path:
    """Where :func:`save_plan` keeps the previous version of ``path``: ``PLAN.toml~``."""
    path = Path(path)
    return path.with_name(path.name + BACKUP_SUFFIX)


def file_stamp(path: str | os.PathLike) -> FileStamp:
    """The :class:`FileStamp` of ``path`` now; :data:`MISSING` when there is no such file.

    Prefer ``plan_io.load_plan_stamped``, which stamps the very bytes it parsed. Other
    read failures raise ``OSError``.
    """
    try:
        raw, st = read_regular(Path(path), MAX_PLAN_BYTES)
    except FileNotFoundError:
        return MISSING
    except FileTooLargeError:  # not a plan: a stamp no plan's can equal, without reading it
        st = os.stat(path)
        return FileStamp(mtime_ns=st.st_mtime_ns, size=st.st_size, sha256="")
    return stamp_of(raw, st)


class SaveError(OSError):
    """A plan could not be saved. ``str()`` is the message for the user.

    Attributes: ``path`` (the plan file), ``step`` (what was being done), ``errno`` and
    ``strerror`` (from the OS), ``written`` (True only when the new version did reach
    the file but could not be made durable; otherwise the previous file is unchanged).
    """

    def __init__(self, path: Path, step: str, error: OSError | None, *, written: bool = False, backup: Path | None = None):
        code = getattr(error, "errno", None) or _errno.EIO
        strerror = getattr(error, "strerror", None) or (str(error) if error else os.strerror(code))
        super().__init__(code, strerror, str(path))
        self.path = Path(path)
        self.step = step
        self.written = written
        cause = cause_of(OSError(code, strerror), path)
        if written:
            after = "the new version is in place but may not survive a crash"
            if backup is not None:
                after += f"; the previous version is in {backup.name}"
        else:
            after = "the previous file is unchanged"
        self.message = f"cannot save {printable(str(path), 200)}: {cause} while {step}; {after}"

    def __str__(self) -> str:
        return self.message


class FileChangedError(Exception):
    """The plan file changed on disk since it was opened; nothing was written.

    ``changes`` are human lines of what differs between the file now on disk and the
    plan being saved (``"key: on disk -> yours"``, from :func:`diff_plans`), or one line
    saying the file was deleted, created, or is no longer a valid plan. ``disk_plan`` is
    the plan on disk when it still loads. To overwrite anyway, save again with
    ``expect=error.actual`` (or ``expect=None``).
    """

    def __init__(self, path: Path, expected: FileStamp, actual: FileStamp, changes: list[str], disk_plan: Plan | None):
        self.path = Path(path)
        self.expected = expected
        self.actual = actual
        self.changes = changes
        self.disk_plan = disk_plan
        shown = changes[:8] + ([f"... and {len(changes) - 8} more"] if len(changes) > 8 else [])
        super().__init__(
            f"{printable(str(path), 200)} changed on disk since it was opened; not overwritten.\n"
            + "\n".join(f"  {line}" for line in shown)
        )

    @property
    def summary(self) -> str:
        return str(self)


def _changed_on_disk(path: Path, plan: Plan, expect: FileStamp, current: bytes | None, st, big: bool = False) -> FileChangedError | None:
    if big:  # not read: no plan is that large, so it is not the file that was opened
        lead = "a file was created at this path since the plan was opened" if not expect.exists else None
        actual = FileStamp(mtime_ns=st.st_mtime_ns, size=st.st_size, sha256="")
        changes = ([lead] if lead else []) + [f"the file on disk is {st.st_size:,} bytes: not a plan"]
        return FileChangedError(path, expect, actual, changes, None)
    if current is None:
        if not expect.exists:
            return None
        return FileChangedError(path, expect, MISSING, ["the file was deleted or moved away since it was opened"], None)
    actual = stamp_of(current, st)
    if expect.exists and actual.sha256 == expect.sha256:
        return None
    if not expect.exists:
        lead = "a file was created at this path since the plan was opened"
    else:
        lead = None
    disk_plan = None
    try:
        disk_plan = parse_plan(decode_plan(current, str(path)), str(path))
    except PlanError as error:
        changes = [f"the file on disk is not a valid plan: {error.messages[0]}"]
    else:
        changes = [f"on disk -> yours: {line}" for line in diff_plans(disk_plan, plan)] or [
            "the file on disk was rewritten (same plan, different text)"
        ]
    if lead:
        changes.insert(0, lead)
    return FileChangedError(path, expect, actual, changes, disk_plan)


def save_plan(
    plan: Plan,
    path: str | os.PathLike,
    expect: FileStamp | None = None,
    *,
    backup: bool = True,
    like: str | os.PathLike | None = None,
) -> Path:
    """Save ``plan`` to ``path`` safely; return the path written.

    * **Atomic and durable**: the text goes to a temporary file beside the target
      (``.PLAN.toml.<random>.tmp``), which is flushed and fsynced, renamed over the
      target, and then the directory is fsynced. A crash leaves the old file or the new
      one, never half of one. A symbolic link is followed: its target is replaced.
    * **Backup**: when a file is replaced, its previous bytes are first kept beside it as
      ``PLAN.toml~`` (see :func:`backup_path`; written the same atomic way and replacing
      any older backup). ``backup=False`` skips it.
    * **Changed on disk**: with ``expect`` (the :class:`FileStamp` taken when the plan was
      opened, from ``load_plan_stamped`` or :func:`file_stamp`; :data:`MISSING` for a
      new file) a file whose content differs from the stamp is not touched:
      :class:`FileChangedError` says what differs. ``expect=None`` does not check.
    * **Failures**: every OS error (permission denied, a read-only file or folder, a full
      disk, a missing folder) raises :class:`SaveError` naming the file and the cause;
      the previous file and its backup are then intact and no temporary file is left.
      A read-only existing file is refused even where the folder would allow the rename.

    * **Permissions**: the new version keeps the mode of the file it replaces, and its
      owner and group where the process may; a new file takes the mode of ``like`` (the
      plan it comes from: a copy of a 0600 plan is 0600 too). A file with other hard
      links is rewritten in place (after its backup), so that every link sees the save.
    * **Not a plan**: a file bigger than a plan may be is not read whole; only a file
      that is a plan is backed up.

    Between the check against ``expect`` and the rename another program could still
    write the file; that window is a few milliseconds, not the whole edit session.
    """
    path = Path(path)
    target = path
    try:
        if path.is_symlink():
            target = Path(os.path.realpath(path))
    except OSError:
        pass
    directory = folder_of(target)
    try:
        data = dumps_plan(plan).encode("utf-8")
    except UnicodeEncodeError as error:
        raise SaveError(path, "encoding the plan", OSError(_errno.EILSEQ, str(error))) from None

    big = False
    try:
        current, st = read_regular(target, MAX_PLAN_BYTES)
    except FileNotFoundError:
        current, st = None, None
    except FileTooLargeError:
        current, big = None, True
        try:
            st = os.stat(target)
        except OSError as error:
            raise SaveError(path, "reading the file it replaces", error) from None
    except OSError as error:
        raise SaveError(path, "reading the file it replaces", error) from None
    if expect is not None:
        changed = _changed_on_disk(path, plan, expect, current, st, big)
        if changed is not None:
            raise changed
    mode = stat.S_IMODE(st.st_mode) if st is not None else _mode_of(like)
    owner = (st.st_uid, st.st_gid) if st is not None else None
    if st is not None and not os.access(target, os.W_OK):
        raise SaveError(path, "checking the file", OSError(_errno.EACCES, "the file is read-only"))
    backup = backup and current is not None and _is_plan(current, str(path))
    in_place = backup and st is not None and st.st_nlink > 1  # (in place only with a copy kept)

    bak = backup_path(target)
    try:
        tmp = write_temp(directory, target.name, data, mode, owner)
    except OSError as error:
        raise SaveError(path, f"writing a temporary file in {printable(str(directory), 200)}", error) from None
    try:
        if backup and current is not None:
            try:
                old = write_temp(directory, bak.name, current, mode)
                try:
                    os.replace(old, bak)
                except BaseException:
                    unlink_quietly(old)
                    raise
            except OSError as error:
                raise SaveError(path, f"keeping the previous version as {bak.name}", error) from None
        if in_place:  # hard links: every name must see the new version
            unlink_quietly(tmp)
            try:
                write_in_place(target, data)
            except OSError as error:
                raise SaveError(
                    path, "rewriting a file with other hard links in place", error, written=True,
                    backup=bak if backup else None,
                ) from None
        else:
            try:
                os.replace(tmp, target)
            except OSError as error:
                raise SaveError(path, "renaming the new version into place", error) from None
    except BaseException:
        unlink_quietly(tmp)
        raise
    try:
        fsync_directory(directory)
    except OSError as error:
        raise SaveError(
            path, "syncing the folder", error, written=True, backup=bak if backup else None
        ) from None
    return path


def _mode_of(like: str | os.PathLike | None) -> int | None:
    if like is None:
        return None
    try:
        return stat.S_IMODE(os.stat(like).st_mode)
    except (OSError, ValueError):
        return None


def _is_plan(raw: bytes, source: str) -> bool:
    try:
        parse_plan(decode_plan(raw, source), source)
    except PlanError:
        return False
    return True
