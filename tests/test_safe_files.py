"""One safe-file module for every writer and bounded reader (issue 9, item 2).

Each writer (plans, journals, CSV snapshots, the settings file) must fsync the new file
and then its folder, so a crash right after a save keeps it; readers stop at their limit.
"""

from __future__ import annotations

import os
import stat

import pytest

from tui.core import journal as jr
from tui.core.chain import load_chain
from tui.core.curve_import import load_curve
from tui.core.history import load_history
from tui.core.market_csv import load_snapshot_csv, save_snapshot_csv
from tui.core.plan_io import load_plan
from tui.core.plan_save import save_plan
from tui.core.safe_files import FileTooLargeError, NotRegularFileError, read_regular, write_atomic
from tui.resources import default_plan_path
from tui.themes import read_settings, write_settings


@pytest.fixture
def synced(monkeypatch):
    """Records what each os.fsync call synced: 'dir' or the file's path."""
    seen: list[str] = []
    real = os.fsync

    def fsync(fd):
        st = os.fstat(fd)
        seen.append("dir" if stat.S_ISDIR(st.st_mode) else "file")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def _plan():
    return load_plan(default_plan_path())


@pytest.mark.parametrize("writer", ["plan", "journal", "csv", "settings"])
def test_every_writer_syncs_the_file_then_its_folder(tmp_path, synced, writer):
    plan = _plan()
    if writer == "plan":
        save_plan(plan, tmp_path / "p.toml")
    elif writer == "journal":
        jr.write(tmp_path / "j" / "x.journal.toml", "x = 1\n")
    elif writer == "csv":
        save_snapshot_csv(plan.market, tmp_path / "m.csv")
        assert load_snapshot_csv(tmp_path / "m.csv") == plan.market
    else:
        write_settings({"theme": "x"}, tmp_path)
        assert read_settings(tmp_path) == {"theme": "x"}
    assert synced[:1] == ["file"] and synced[-1] == "dir", synced


def test_write_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "s.csv"
    target.write_text("old")
    target.chmod(0o600)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]  # no temporary file left


def test_read_regular_stops_at_its_limit_and_refuses_a_fifo(tmp_path):
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(FileTooLargeError) as caught:
        read_regular(big, 100)
    assert caught.value.size == 101
    assert read_regular(big, 101)[0] == b"x" * 101
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFileError):
        read_regular(fifo, 100)


@pytest.mark.parametrize("load", [load_chain, load_curve, load_history, load_snapshot_csv])
def test_every_csv_reader_refuses_a_fifo_a_folder_a_missing_file_and_binary_the_same_way(tmp_path, load):
    # A FIFO with no writer: a plain open() and read would block for ever.
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"date,vix\n\xff\xfe\n")
    cases = {
        fifo: "fifo.csv: is not a regular file (a pipe or a device?), expected a",
        folder: "folder.csv: is a directory, expected a",
        tmp_path / "missing.csv": "missing.csv: file not found",
        binary: "binary.csv: not a UTF-8 text file (invalid start byte at byte 9)",
    }
    for path, message in cases.items():
        with pytest.raises(ValueError) as caught:
            load(path)
        assert message in str(caught.value)


def test_a_huge_settings_file_is_not_read_whole(tmp_path):
    (tmp_path / "settings.toml").write_bytes(b"theme = 'x'\n" + b"#" * 1_000_000)
    assert read_settings(tmp_path) == {}
