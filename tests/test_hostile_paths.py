"""Nothing lost, round two (issue 10): hostile paths, keys and names get a message.

Each test here failed on the main of issue 10's filing: a traceback, a crash of the app,
a hang in tomllib, or a message that said the wrong thing.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from textual.widgets import Input

from tui.core.market_csv import MarketDataError, load_snapshot_csv
from tui.core.plan_io import PlanError, load_plan, parse_plan
from tui.core.plan_save import SaveError, save_plan
from tui.resources import default_plan_path
from tui.screens.file_prompt import PathModal
from tui.screens.problems import ProblemsModal

SIZE = (120, 36)
DEFAULT_TEXT = default_plan_path().read_text(encoding="utf-8")
LONG_NAME = "x" * 300 + ".toml"


# -- item 4: a long dotted key is refused before tomllib sees it -------------------

def test_a_deeply_dotted_key_is_refused_at_once():
    text = ".".join(["a"] * 30000) + " = 1\n"
    started = time.perf_counter()
    with pytest.raises(PlanError) as refused:
        parse_plan(text, "deep.toml")
    assert time.perf_counter() - started < 2.0  # tomllib alone takes ~40 s on this input
    assert refused.value.messages == ["deep.toml:1: a key has 8 or more dotted parts; a plan's keys have at most 3"]


@pytest.mark.parametrize("where", ["x = 1\n{key} = 2\n", "[{key}]\nx = 1\n", "x = {{ {key} = 1 }}\n"])
def test_dotted_keys_are_found_wherever_a_key_may_start(where):
    with pytest.raises(PlanError, match="dotted parts"):
        parse_plan(where.format(key=".".join(["k"] * 9)))


def test_a_dotted_value_is_not_a_dotted_key():
    text = DEFAULT_TEXT.replace('name = "Bridge', 'name = "a.b.c.d.e.f.g.h.i.j Bridge', 1)
    assert parse_plan(text).name.startswith("a.b.c.d.e.f.g.h.i.j")


# -- item 11: invisible characters in names are refused like bidi controls ---------

@pytest.mark.parametrize("char", ["\u200b", "\u00ad", "\ufeff", "\U000e0041", "\u3164", "\u2060"])
def test_invisible_characters_in_a_layer_name_are_refused(char):
    text = DEFAULT_TEXT.replace('name = "near"', f'name = "ne{char}ar"', 1)
    assert 'name = "ne' in text
    with pytest.raises(PlanError) as refused:
        parse_plan(text, "p.toml")
    assert any("layers[0].name" in m and f"U+{ord(char):04X}" in m for m in refused.value.messages)


# -- item 5: path errors are messages, at start and in the prompts -----------------

async def _startup_problems(app) -> str:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ProblemsModal) and app.path is None
        return " ".join(app.screen.messages)


async def test_starting_on_a_name_too_long_shows_a_problem(make_app, tmp_path):
    assert "too long" in await _startup_problems(make_app(tmp_path / LONG_NAME))


@pytest.mark.skipif(os.geteuid() == 0, reason="root enters any folder")
async def test_starting_in_a_folder_one_may_not_enter_shows_a_problem(make_app, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        assert "permission denied" in await _startup_problems(make_app(locked / "plan.toml"))
    finally:
        locked.chmod(0o700)


async def test_a_symlink_loop_is_named_not_opened_as_new(make_app, tmp_path):
    loop = tmp_path / "loop.toml"
    loop.symlink_to(loop)
    assert "loop of symbolic links" in await _startup_problems(make_app(loop))


@pytest.mark.parametrize("key", ["S", "ctrl+o"])
async def test_the_prompts_say_what_is_wrong_with_a_name_too_long(make_app, tmp_path, key):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, PathModal)
        app.screen.query_one(Input).value = str(tmp_path / LONG_NAME)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathModal)  # still asking, the app alive
        assert "too long" in str(app.screen.query_one("#path-message").render())


# -- wrong messages -----------------------------------------------------------------

def test_saving_where_no_file_can_be_created_does_not_blame_the_folder(tmp_path):
    if not Path("/proc/1").is_dir():
        pytest.skip("no /proc")
    with pytest.raises(SaveError) as refused:
        save_plan(load_plan(default_plan_path()), "/proc/1/x.toml")
    assert "folder does not exist" not in str(refused.value)


@pytest.mark.parametrize("make", ["fifo", "big"])
def test_csv_size_and_fifo_errors_say_what_they_are(tmp_path, make):
    path = tmp_path / "m.csv"
    if make == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(b"#" * 3_000_000)
    with pytest.raises(MarketDataError) as refused:
        load_snapshot_csv(path)
    message = str(refused.value)
    assert "not a usable file name" not in message
    assert ("pipe" in message) if make == "fifo" else ("bytes" in message)


# -- item 7: save-as over a huge file -----------------------------------------------

def test_save_as_over_a_huge_file_reads_a_bounded_part_and_keeps_no_backup(tmp_path, monkeypatch):
    from tui.core.plan_save import backup_path

    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse: 2 GB that take no disk
    read = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    save_plan(load_plan(default_plan_path()), huge)
    assert sum(read) < 2_000_000  # the plan file's own bound, not 2 GB
    assert not backup_path(huge).exists()  # not a plan: no 2 GB copy
    assert load_plan(huge) == load_plan(default_plan_path())


def test_a_file_that_is_not_a_plan_is_not_backed_up(tmp_path):
    from tui.core.plan_save import backup_path

    notes = tmp_path / "notes.toml"
    notes.write_text("these are not a plan\n")
    save_plan(load_plan(default_plan_path()), notes)
    assert not backup_path(notes).exists()


# -- item 10: permissions, owner and hard links ----------------------------------------

def test_a_copy_of_a_private_plan_is_private_too(tmp_path):
    original = tmp_path / "hedge.toml"
    plan = load_plan(default_plan_path())
    save_plan(plan, original)
    original.chmod(0o600)
    copy = tmp_path / "hedge.recovered.toml"
    save_plan(plan, copy, like=original)
    assert (os.stat(copy).st_mode & 0o777) == 0o600


def test_keep_both_writes_the_recovered_plan_with_the_plans_mode(tmp_path):
    from datetime import datetime

    from tui.core import journal as jr

    original = tmp_path / "hedge.toml"
    save_plan(load_plan(default_plan_path()), original)
    original.chmod(0o600)
    target = jr.recovered_path(original, datetime(2026, 1, 1))
    save_plan(load_plan(default_plan_path()), target, like=original)
    assert (os.stat(target).st_mode & 0o777) == 0o600


def test_a_hard_linked_plan_is_saved_for_every_link(tmp_path):
    from dataclasses import replace

    from tui.core.plan_save import backup_path

    plan = load_plan(default_plan_path())
    first = tmp_path / "a.toml"
    save_plan(plan, first)
    second = tmp_path / "b.toml"
    os.link(first, second)
    changed = replace(plan, name="changed")
    save_plan(changed, first)
    assert load_plan(second) == changed and os.stat(first).st_ino == os.stat(second).st_ino
    assert load_plan(backup_path(first)) == plan


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_saving_keeps_the_files_owner_and_group(tmp_path):
    plan = load_plan(default_plan_path())
    path = tmp_path / "p.toml"
    save_plan(plan, path)
    os.chown(path, 12345, 23456)
    save_plan(plan, path)
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (12345, 23456)


# -- wrong messages: CSV separators, a budget that buys nothing --------------------------

@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("as_of;vix_spot;rate;expiry;settle\n2023-12-15;12.28;0.053;2023-12-20;12.4649\n", "separated by semicolons"),
        ('as_of,vix_spot,rate,expiry,settle\n2023-12-15,"12,28",0.053,2023-12-20,12.4649\n', "decimal comma? write 12.28"),
    ],
)
def test_csv_from_a_decimal_comma_locale_gets_a_hint(tmp_path, text, hint):
    path = tmp_path / "m.csv"
    path.write_text(text)
    with pytest.raises(MarketDataError, match=hint.replace("?", r"\?")):
        load_snapshot_csv(path)


def test_a_budget_that_buys_no_contract_says_so():
    from dataclasses import replace

    from tui.core.valuation import value_plan

    plan = load_plan(default_plan_path())
    tiny = replace(plan, sizing=replace(plan.sizing, mode="budget", premium_usd=0.01))
    valuation = value_plan(tiny)
    assert all(layer.contracts == 0 for layer in valuation.layers)
    named = [w for w in valuation.warnings if "buys no contract" in w]
    assert len(named) == len(plan.layers) and "share $0.004 is less" in named[0]  # 0.4 of a cent
