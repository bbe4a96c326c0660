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
