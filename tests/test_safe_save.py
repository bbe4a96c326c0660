"""Safe saves: atomic and durable, a backup of the previous version, no silent overwrite
of a file changed on disk, and a clear SaveError (old file and backup intact) on failure.

The tests run as root in CI, where chmod does not stop a write; the read-only and
permission cases are therefore simulated by patching the os functions that save_plan
calls (and the real chmod variant runs only when not root).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from tui.core import safe_files
from tui.core.plan_diff import diff_plans
from tui.core.plan_io import dumps_plan, load_plan, load_plan_stamped, plan_problems
from tui.core.plan_save import FileChangedError, SaveError, backup_path, file_stamp, save_plan
from tui.core.safe_files import MISSING, FileStamp
from tui.resources import default_plan_path


@pytest.fixture
def plan():
    return load_plan(default_plan_path())


@pytest.fixture
def saved(tmp_path, plan):
    """A plan saved once at tmp/p.toml, and the bytes on disk."""
    path = tmp_path / "p.toml"
    save_plan(plan, path)
    return path, path.read_bytes()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- the happy path ------------------------------------------------------------


def test_first_save_writes_the_file_and_no_backup(tmp_path, plan):
    path = tmp_path / "p.toml"
    assert save_plan(plan, path) == path
    assert load_plan(path) == plan
    assert names(tmp_path) == ["p.toml"]
    assert stat.S_IMODE(path.stat().st_mode) & 0o600 == 0o600


def test_second_save_keeps_the_previous_version_as_backup(saved, plan):
    path, before = saved
    changed = plan.with_layer(0, strike=35.0)
    save_plan(changed, path)
    assert backup_path(path) == path.with_name("p.toml~")
    assert backup_path(path).read_bytes() == before
    assert load_plan(path) == changed
    assert names(path.parent) == ["p.toml", "p.toml~"]
    # and the next save moves the backup forward by one version
    save_plan(plan, path)
    assert load_plan(backup_path(path)) == changed


def test_backup_can_be_turned_off(saved, plan):
    path, _ = saved
    save_plan(replace(plan, name="x"), path, backup=False)
    assert names(path.parent) == ["p.toml"]


def test_the_file_mode_is_kept(saved, plan):
    path, _ = saved
    os.chmod(path, 0o640)
    save_plan(replace(plan, name="x"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(backup_path(path).stat().st_mode) == 0o640


def test_a_symlink_is_followed_not_replaced(tmp_path, plan):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "plan.toml"
    save_plan(plan, real)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    save_plan(replace(plan, name="through the link"), link)
    assert link.is_symlink()
    assert load_plan(real).name == "through the link"
    assert (real_dir / "plan.toml~").exists()


def test_save_fsyncs_file_and_directory(tmp_path, plan, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    path = tmp_path / "p.toml"
    save_plan(plan, path)
    assert synced == ["file", "dir"]
    synced.clear()
    save_plan(replace(plan, name="again"), path)
    assert synced == ["file", "file", "dir"]  # new text, backup, folder


def test_the_rename_is_the_commit_point(tmp_path, plan, monkeypatch):
    """Until os.replace the target holds the old bytes; the new text was fsynced before."""
    path = tmp_path / "p.toml"
    save_plan(plan, path)
    before = path.read_bytes()
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        if Path(dst) == path:
            seen.append((path.read_bytes(), Path(src).read_bytes()))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    changed = replace(plan, name="new")
    save_plan(changed, path)
    assert seen == [(before, dumps_plan(changed).encode())]


# -- changed on disk -----------------------------------------------------------


def test_stamp_of_an_unchanged_file_lets_the_save_through(saved, plan):
    path, _ = saved
    _, stamp = load_plan_stamped(path)
    assert stamp == file_stamp(path) and stamp.exists
    os.utime(path, ns=(1, 1))  # touched, same bytes: not a change
    save_plan(plan.with_layer(0, strike=35.0), path, expect=stamp)


def test_a_file_changed_on_disk_is_not_overwritten(saved, plan):
    path, _ = saved
    mine, stamp = load_plan_stamped(path)
    theirs = mine.with_layer(1, strike="+20%")
    save_plan(theirs, path)  # another session saved meanwhile
    on_disk = path.read_bytes()
    edited = mine.with_layer(0, strike=35.0)
    with pytest.raises(FileChangedError) as info:
        save_plan(edited, path, expect=stamp)
    error = info.value
    assert path.read_bytes() == on_disk  # untouched
    assert error.disk_plan == theirs
    assert error.expected == stamp and error.actual == file_stamp(path)
    assert "on disk -> yours: layers[0].strike: ATM -> 35" in error.changes
    assert "on disk -> yours: layers[1].strike: +20% -> +10%" in error.changes
    assert "changed on disk" in str(error) and str(path) in str(error)
    # overwriting after the user said so
    save_plan(edited, path, expect=error.actual)
    assert load_plan(path) == edited


def test_deleted_created_and_mangled_files_are_changes(tmp_path, saved, plan):
    path, _ = saved
    _, stamp = load_plan_stamped(path)
    path.write_text("this is not toml = = =")
    with pytest.raises(FileChangedError) as info:
        save_plan(plan, path, expect=stamp)
    assert info.value.disk_plan is None and "not a valid plan" in info.value.changes[0]
    assert path.read_text() == "this is not toml = = ="

    path.unlink()
    with pytest.raises(FileChangedError, match="deleted"):
        save_plan(plan, path, expect=stamp)
    assert not path.exists()

    new = tmp_path / "new.toml"
    assert file_stamp(new) == MISSING
    save_plan(plan, tmp_path / "other.toml")
    os.link(tmp_path / "other.toml", new)  # someone else created it
    with pytest.raises(FileChangedError, match="created"):
        save_plan(replace(plan, name="mine"), new, expect=MISSING)


def test_diff_plans_lines(plan):
    assert diff_plans(plan, plan) == []
    other = replace(plan, name="Renamed", layers=plan.layers[:2])
    other = other.with_layer(0, strike=35.0, contracts=3)
    other = replace(other, sizing=replace(other.sizing, premium_usd=None, mode="contracts"))
    lines = diff_plans(plan, other)
    assert "name: Bridge hedge in backwardation (4/4/2) -> Renamed" in lines
    assert "layers[0].strike: ATM -> 35" in lines
    assert "layers[0].contracts: (none) -> 3" in lines
    assert "sizing.premium_usd: 5000000 -> (none)" in lines
    assert "sizing.mode: budget -> contracts" in lines
    assert "layers[2]: removed (tail)" in lines
    assert diff_plans(other, plan)[-1] == "layers[2]: added (tail)"


def test_diff_plans_escapes_control_characters(plan):
    lines = diff_plans(plan, replace(plan, name="evil\x1b[2J"))
    assert lines and "\x1b" not in lines[0]


def test_plan_problems_applies_the_file_rules(plan):
    assert plan_problems(plan) == []
    bad = plan.with_layer(0, strike=-3.0)
    assert any("layers[0].strike" in m and "positive" in m for m in plan_problems(bad))
    assert any("finite" in m for m in plan_problems(plan.with_layer(0, weight=float("nan"))))


# -- failures: a clear SaveError, old file and backup intact, no temp left ------


def _enospc(*_a, **_k):
    raise OSError(errno.ENOSPC, "No space left on device")


def _prepare(saved, plan):
    """p.toml and p.toml~ both exist, with different contents."""
    path, _ = saved
    save_plan(replace(plan, name="second"), path)
    return path, path.read_bytes(), backup_path(path).read_bytes()


def _assert_intact(path, before, backup_before, *allowed_backups):
    assert path.read_bytes() == before
    assert backup_path(path).read_bytes() in (backup_before, *allowed_backups)
    assert names(path.parent) == ["p.toml", "p.toml~"], "a temporary file was left behind"


@pytest.mark.parametrize("where", ["write", "fsync", "rename", "backup-rename"])
def test_full_disk_at_every_step(saved, plan, monkeypatch, where):
    path, before, backup_before = _prepare(saved, plan)
    if where == "write":
        monkeypatch.setattr(os, "write", _enospc)
    elif where == "fsync":
        monkeypatch.setattr(os, "fsync", _enospc)
    else:
        real_replace = os.replace

        def replace_(src, dst):
            is_backup = str(dst).endswith("~")
            if (where == "backup-rename") == is_backup:
                _enospc()
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace_)
    with pytest.raises(SaveError) as info:
        save_plan(replace(plan, name="third"), path)
    error = info.value
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    message = str(error)
    assert str(path) in message and "disk is full" in message and "previous file is unchanged" in message
    assert not error.written
    # at the final rename the backup already holds a fresh copy of the current file
    _assert_intact(path, before, backup_before, before)


def test_a_read_only_folder(saved, plan, monkeypatch):
    """Simulated: root ignores a folder's write bit, so creating the temp file is refused here."""
    path, before, backup_before = _prepare(saved, plan)
    real_open = os.open

    def open_(file, flags, *args, **kwargs):
        if flags & os.O_CREAT and Path(file).parent == path.parent:
            raise OSError(errno.EROFS, "Read-only file system", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    with pytest.raises(SaveError, match="read-only") as info:
        save_plan(replace(plan, name="third"), path)
    assert info.value.errno == errno.EROFS and str(path) in str(info.value)
    _assert_intact(path, before, backup_before)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root is not stopped by a read-only folder")
def test_a_really_read_only_folder(saved, plan):
    path, before, backup_before = _prepare(saved, plan)
    os.chmod(path.parent, 0o500)
    try:
        with pytest.raises(SaveError, match="permission denied"):
            save_plan(replace(plan, name="third"), path)
    finally:
        os.chmod(path.parent, 0o700)
    _assert_intact(path, before, backup_before)


def test_a_read_only_file_is_not_replaced(saved, plan, monkeypatch):
    """Simulated with os.access: a rename would replace a 0444 file, but the user said no."""
    path, before, backup_before = _prepare(saved, plan)
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: not (Path(p) == path and mode == os.W_OK))
    with pytest.raises(SaveError, match="read-only") as info:
        save_plan(replace(plan, name="third"), path)
    assert info.value.errno == errno.EACCES
    _assert_intact(path, before, backup_before)


def test_permission_denied_reading_the_current_file(saved, plan, monkeypatch):
    path, before, backup_before = _prepare(saved, plan)
    real_open = os.open

    def open_(file, flags, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    with pytest.raises(SaveError, match="permission denied"):
        save_plan(replace(plan, name="third"), path)
    monkeypatch.undo()
    _assert_intact(path, before, backup_before)


def test_missing_folder_and_a_folder_in_the_way(tmp_path, plan):
    with pytest.raises(SaveError, match="folder does not exist"):
        save_plan(plan, tmp_path / "nope" / "p.toml")
    (tmp_path / "d.toml").mkdir()
    with pytest.raises(SaveError, match="folder"):
        save_plan(plan, tmp_path / "d.toml")
    assert names(tmp_path) == ["d.toml"]


def test_a_directory_fsync_failure_says_the_file_was_written(saved, plan, monkeypatch):
    path, before, _ = _prepare(saved, plan)
    real_fsync = os.fsync

    def fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(errno.EIO, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    changed = replace(plan, name="third")
    with pytest.raises(SaveError) as info:
        save_plan(changed, path)
    assert info.value.written and "p.toml~" in str(info.value) and "input/output" in str(info.value)
    assert load_plan(path) == changed and backup_path(path).read_bytes() == before


def test_unencodable_text_is_a_save_error_not_a_half_file(tmp_path, plan):
    with pytest.raises(SaveError, match="UTF-8"):
        save_plan(replace(plan, name="\ud800"), tmp_path / "p.toml")
    assert names(tmp_path) == []


def test_stamps_are_plain_values():
    stamp = FileStamp(1, 2, "ab")
    assert stamp.exists and not MISSING.exists
    assert stamp == FileStamp(1, 2, "ab")
    assert safe_files.FileStamp is FileStamp


def test_diff_plans_matches_layers_by_name(plan):
    """Inserting a layer is one added layer, not "mid and tail were overwritten"."""
    from tui.core.edits import add_layer

    inserted, _ = add_layer(plan, 0)  # a new layer after near (weight 0: nothing else changes)
    new_name = inserted.layers[1].name
    lines = diff_plans(plan, inserted)
    assert f"layers[1]: added ({new_name})" in lines
    assert not any(".name:" in line for line in lines)  # mid and tail were not "renamed"
    renamed = plan.with_layer(1, name="middle")
    assert diff_plans(plan, renamed) == ["layers[1].name: mid -> middle"]
