"""The recovery journal's file format and location (tui.core.journal, no UI)."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from tui.core import journal as jr
from tui.core.plan_io import load_plan, parse_plan
from tui.core.plan_save import file_stamp, save_plan
from tui.resources import default_plan_path


@pytest.fixture
def plan():
    return load_plan(default_plan_path())


def test_location_follows_the_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv(jr.STATE_ENV, str(tmp_path / "st"))
    assert jr.journal_dir() == tmp_path / "st" / "journal"
    monkeypatch.delenv(jr.STATE_ENV)
    assert jr.journal_dir().parts[-2:] == ("alvh-tui", "journal")


def test_keys_are_per_absolute_path_and_untitled_keys_are_unique(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = jr.plan_key(Path("hedge.toml"))
    assert a == jr.plan_key(tmp_path / "hedge.toml") and len(a) == 16
    assert a != jr.plan_key(tmp_path / "other" / "hedge.toml")
    link = tmp_path / "link.toml"
    (tmp_path / "hedge.toml").write_text("")
    link.symlink_to(tmp_path / "hedge.toml")
    assert jr.plan_key(link) == a  # the same file under another name
    u1, u2 = jr.plan_key(None), jr.plan_key(None)
    assert u1.startswith("untitled-") and u1 != u2
    weird = tmp_path / "my hedge; rm -rf.toml"
    assert jr.journal_file(weird, jr.plan_key(weird)).name.startswith("my_hedge_rm_-rf-")


def test_round_trip_and_the_journal_is_a_valid_plan_file(tmp_path, plan):
    path = tmp_path / "p.toml"
    save_plan(plan, path)
    stamp = file_stamp(path)
    edited = plan.with_layer(0, strike=35.0)
    file = jr.journal_file(path, jr.plan_key(path))
    jr.write(file, jr.render(edited, path, stamp, edits=2))
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    text = file.read_text()
    assert text.startswith("# alvh-tui journal 1")
    assert parse_plan(text) == edited  # `alvh-tui check` accepts a journal
    entry = jr.read(file)
    assert entry.plan == edited and entry.plan_path == path and entry.based_on == stamp
    assert entry.edits == 2 and entry.pid == os.getpid() and not entry.writer_alive()
    assert jr.find(path) == file
    assert [p.name for p in file.parent.iterdir()] == [file.name]  # no temporary file left
    jr.remove(file)
    assert jr.find(path) is None
    jr.remove(file)  # twice is fine


def test_untitled_journals_are_found_newest_first(tmp_path, plan):
    old = jr.journal_file(None, "untitled-aaaa")
    new = jr.journal_file(None, "untitled-bbbb")
    jr.write(old, jr.render(plan, None, None))
    jr.write(new, jr.render(replace(plan, name="newer"), None, None))
    os.utime(old, ns=(1, 1))
    entry = jr.read(jr.find(None))
    assert entry.file == new and entry.plan.name == "newer" and entry.plan_path is None and entry.based_on is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "no journal header"),
        ("schema = 1\n", "no journal header"),
        ("# alvh-tui journal 1\n# {not json\nschema = 1\n", "unreadable header"),
        ("# alvh-tui journal 1\n# []\nschema = 1\n", "unreadable header"),
        ("# alvh-tui journal 1\n# {}\nschema = 1\nname = \n", "not valid TOML"),
        ("# alvh-tui journal 1\n# {\"based_on\": {\"size\": 1}}\nschema = 1\n", "unreadable header"),
    ],
)
def test_a_corrupt_journal_is_reported(tmp_path, text, reason):
    file = tmp_path / "x.journal.toml"
    file.write_text(text)
    with pytest.raises(jr.JournalCorrupt) as caught:
        jr.read(file)
    assert reason in caught.value.reason or reason in str(caught.value)


def test_binary_and_huge_journals_are_corrupt(tmp_path):
    file = tmp_path / "x.journal.toml"
    file.write_bytes(b"\xff\xfe" * 10)
    with pytest.raises(jr.JournalCorrupt, match="UTF-8"):
        jr.read(file)
    file.write_bytes(b"#" * (jr.MAX_JOURNAL_BYTES + 10))
    with pytest.raises(jr.JournalCorrupt, match="too large"):
        jr.read(file)


def test_set_aside_and_recovered_names(tmp_path):
    file = tmp_path / "p-0123.journal.toml"
    file.write_text("junk")
    now = datetime(2026, 7, 1, 12, 30, 5)
    kept = jr.set_aside(file, now)
    assert kept.name == "p-0123.journal.toml.corrupt-20260701-123005" and not file.exists()
    file.write_text("junk again")
    kept2 = jr.set_aside(file, now)
    assert kept2 != kept and kept.exists() and kept2.exists()
    assert jr.find(None, tmp_path.parent) is None
    assert jr.recovered_path(tmp_path / "hedge.toml", now).name == "hedge.recovered-20260701-123005.toml"


# -- damaged headers (issue 10 item 6): JournalCorrupt, never another exception ---------------

_GOOD_HEADER = '{"plan_path": null, "based_on": {"mtime_ns": 1, "size": 2, "sha256": "%s"}, "pid": 4242, "host": "h"}' % ("0" * 64)
DAMAGED_HEADERS = {
    "mtime_ns = 1e400": _GOOD_HEADER.replace('"mtime_ns": 1', '"mtime_ns": 1e400'),
    "nested 100,000 deep": '{"plan_path": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "pid = 10**30": _GOOD_HEADER.replace("4242", str(10**30)),
    "pid = -1": _GOOD_HEADER.replace("4242", "-1"),
    "pid = true": _GOOD_HEADER.replace("4242", "true"),
    "size = NaN": _GOOD_HEADER.replace('"size": 2', '"size": NaN'),
    "sha256 = 5": _GOOD_HEADER.replace('"%s"' % ("0" * 64), "5"),
}


@pytest.mark.parametrize("header", DAMAGED_HEADERS.values(), ids=DAMAGED_HEADERS.keys())
def test_a_damaged_header_is_a_corrupt_journal(tmp_path, plan, header):
    file = tmp_path / "x.journal.toml"
    file.write_text(f"{jr.MAGIC}\n# {header}\n" + jr.dumps_plan(plan))
    with pytest.raises(jr.JournalCorrupt, match="unreadable header"):
        jr.read(file)
    jr.journal_dir(tmp_path).mkdir()
    legacy = jr.journal_dir(tmp_path) / "p-0123456789abcdef.journal.toml"
    file.rename(legacy)
    assert not jr.writer_alive(legacy)  # what a scan asks first: never an exception either


def test_the_good_header_reads(tmp_path, plan):
    file = tmp_path / "x.journal.toml"
    file.write_text(f"{jr.MAGIC}\n# {_GOOD_HEADER}\n" + jr.dumps_plan(plan))
    entry = jr.read(file)
    assert entry.pid == 4242 and entry.based_on.size == 2 and entry.plan == plan


# -- the session lock (issue 10 item 2) -----------------------------------------------------


def test_a_lock_is_alive_while_held_and_dead_once_released_or_its_process_is_gone(tmp_path, plan):
    path = tmp_path / "hedge.toml"
    journal = jr.journal_file(path, jr.plan_key(path), tmp_path, session="aaaaaaaa")
    lock = jr.SessionLock.take(journal, path)
    seen = jr.scan(path, tmp_path)
    assert [info.pid for info in seen.live] == [os.getpid()] and seen.live[0].alive and not seen.stale
    assert seen.live[0].plan_path == path and "since" in seen.live[0].describe()
    assert stat.S_IMODE(lock.file.stat().st_mode) == 0o600
    jr.write(journal, jr.render(plan, path, None))
    assert jr.writer_alive(journal) and jr.find(path, tmp_path) is None  # a live session's journal is not offered
    assert not jr.remove_stale(journal) and journal.exists()  # ...nor removed
    lock._handle.close()  # the process dies (SIGKILL): the kernel drops the flock, the file stays
    lock._handle = None
    assert lock.file.exists() and not jr.writer_alive(journal)
    assert jr.scan(path, tmp_path).stale == [journal] and jr.scan(path, tmp_path).live == []
    assert jr.remove_stale(journal) and not journal.exists() and not lock.file.exists()


def test_read_only_is_said_in_the_lock_and_release_removes_it(tmp_path):
    path = tmp_path / "hedge.toml"
    lock = jr.SessionLock.take(jr.journal_file(path, jr.plan_key(path), tmp_path, session="bbbbbbbb"), path)
    lock.rewrite(True)
    (info,) = jr.scan(path, tmp_path).live
    assert info.read_only and "(read-only)" in info.describe()
    assert jr.scan(path, tmp_path).editors == []
    lock.release()
    assert not lock.file.exists() and jr.scan(path, tmp_path).live == []


def test_dead_locks_without_a_journal_are_cleaned_and_damaged_locks_never_raise(tmp_path):
    path = tmp_path / "hedge.toml"
    folder = jr.journal_dir(tmp_path)
    folder.mkdir()
    stem = f"hedge-{jr.plan_key(path)}"
    contents = ['{"pid": %d}' % 10**30, "[" * 100_000, '{"since": 1e400, "host": 5}', "\xff", ""]
    for i, text in enumerate(contents):
        (folder / f"{stem}-{i:08x}.lock").write_text(text, errors="surrogateescape")
    assert jr.scan(path, tmp_path).live == []
    assert list(folder.iterdir()) == []


def test_a_lock_of_another_host_counts_as_alive(tmp_path):
    path = tmp_path / "hedge.toml"
    folder = jr.journal_dir(tmp_path)
    folder.mkdir()
    (folder / f"hedge-{jr.plan_key(path)}-cccccccc.lock").write_text('{"pid": 7, "host": "elsewhere.example", "since": "2026-01-01T00:00:00"}')
    (info,) = jr.scan(path, tmp_path).live
    assert info.host == "elsewhere.example" and info.pid == 7


def test_many_stale_journals_are_listed_newest_first_and_counted_beyond_the_cap(tmp_path, plan, monkeypatch):
    monkeypatch.setattr(jr, "MAX_SCANNED", 20)
    for i in range(jr.MAX_SCANNED + 5):
        file = jr.journal_file(None, f"untitled-{i:012x}", tmp_path)
        jr.write(file, jr.render(plan, None, None))
        os.utime(file, ns=(i * 10**9, i * 10**9))
    seen = jr.scan(None, tmp_path)
    assert len(seen.stale) == jr.MAX_SCANNED and seen.more == 5
    assert seen.stale[0].name == f"untitled-{jr.MAX_SCANNED + 4:012x}" + jr.SUFFIX


def test_a_fifo_or_a_symlink_named_like_a_lock_never_blocks_nor_is_followed(tmp_path):
    path = tmp_path / "hedge.toml"
    folder = jr.journal_dir(tmp_path)
    folder.mkdir()
    stem = f"hedge-{jr.plan_key(path)}"
    os.mkfifo(folder / f"{stem}-dddddddd.lock")
    secret = tmp_path / "secret.json"
    secret.write_text('{"pid": 1, "host": "x"}')
    (folder / f"{stem}-eeeeeeee.lock").symlink_to(secret)
    seen = jr.scan(path, tmp_path)  # returns (a FIFO would block a plain open())
    assert all(info.host != "x" for info in seen.live)
