"""The app in a real terminal: tmux at 80x24, keys sent with send-keys, the screen read back
with capture-pane. The done-when of issue 3: open, change the near strike and the tail
weight by keys, save with ctrl+s, quit, relaunch, and find everything as it was left.

Waits poll the screen until the expected text appears, with a deadline (no fixed sleeps).
Skipped when tmux is not installed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.core.plan_io import load_plan

ROOT = Path(__file__).resolve().parent.parent
TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def run(self, *args: str, check: bool = True) -> str:
        out = subprocess.run([TMUX, "-L", self.socket, "-f", os.devnull, *args], capture_output=True, text=True)
        if check and out.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {out.stderr}")
        return out.stdout

    def start(self, command: str, env: dict[str, str], width: int = 80, height: int = 24) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        shell = f"cd {shlex.quote(str(ROOT))} && env {exports} {command}; echo __EXIT__$?; sleep 600"
        self.run("new-session", "-d", "-s", "app", "-x", str(width), "-y", str(height), shell)
        self.run("set-option", "-t", "app", "status", "off")
        self.run("set-option", "-t", "app", "escape-time", "10")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", "app", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "app", "-l", text)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app", check=False)

    def wait_for(self, predicate, what: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{text}")

    def kill(self) -> None:
        self.run("kill-server", check=False)


def row(text: str, name: str) -> str:
    """The layer table line of layer ``name``."""
    for line in text.splitlines():
        cells = line.strip("│ ").split()
        if cells and cells[0] == name:
            return line
    raise AssertionError(f"no row for {name!r} in:\n{text}")


def cells(text: str, name: str) -> list[str]:
    return row(text, name).strip("│ ").split()


@pytest.fixture
def tmux(tmp_path):
    session = Tmux(f"alvh-test-{os.getpid()}-{tmp_path.name}")
    yield session
    session.kill()


def test_edit_save_quit_reopen_in_tmux_80x24(tmux, tmp_path):
    plan = tmp_path / "hedge.toml"
    env = {
        "ALVH_TUI_CONFIG_DIR": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
    }
    command = f"{shlex.quote(sys.executable)} -m tui {shlex.quote(str(plan))}"
    tmux.start(command, env)
    screen = tmux.wait_for(lambda s: "total" in s and "Payoff" in s and "Scenarios" in s, "the app's first paint")
    assert "hedge.toml (new)" in screen
    assert len(screen.splitlines()) <= 24
    # every pane is on the 80x24 screen
    for title in ("Layers", "VIX curve", "Payoff at today", "Scenarios"):
        assert title in screen, title
    assert cells(screen, "near")[5:7] == ["ATM", "32"]  # name wt M1 Aug21 dte ATM 32 ...

    # The near layer's strike: the cursor starts on its name; strike is 4 columns right.
    tmux.keys("Right", "Right", "Right", "Right", "Enter")
    tmux.wait_for(lambda s: "strike of near" in s, "the inline strike editor")
    tmux.type("35")
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: cells(s, "near")[5] == "35" and "modified" in s, "the new near strike")

    # The tail's weight: two rows down, three columns left.
    tmux.keys("Down", "Down", "Left", "Left", "Left", "Enter")
    tmux.wait_for(lambda s: "weight of tail" in s, "the inline weight editor")
    tmux.type("0.3")
    tmux.keys("Enter")
    screen = tmux.wait_for(lambda s: cells(s, "tail")[1] == "0.30", "the new tail weight")
    assert cells(screen, "near")[1] == "0.35" and cells(screen, "mid")[1] == "0.35"
    left = {name: cells(screen, name) for name in ("near", "mid", "tail", "total")}

    tmux.keys("C-s")
    tmux.wait_for(lambda s: "modified" not in s and plan.exists(), "the save")
    saved = load_plan(plan)
    assert saved.layers[0].strike == 35.0 and saved.layers[2].weight == pytest.approx(0.3)

    tmux.keys("q")
    tmux.wait_for(lambda s: "__EXIT__0" in s, "a clean exit")
    tmux.kill()

    again = Tmux(tmux.socket + "-2")
    try:
        again.start(command, env)
        screen = again.wait_for(lambda s: "total" in s and "Payoff" in s, "the relaunch")
        assert "hedge.toml" in screen and "(new)" not in screen and "modified" not in screen
        near = cells(screen, "near")
        assert near[5] == "35" and near[1] == "0.35" and cells(screen, "tail")[1] == "0.30"
        # every figure of every layer (price, contracts, premium...) as it was left
        assert {name: cells(screen, name) for name in left} == left
        again.keys("q")
        again.wait_for(lambda s: "__EXIT__0" in s, "a clean exit")
    finally:
        again.kill()


def test_keys_sent_in_one_burst_land_where_the_keys_before_them_moved_the_focus(tmux, tmp_path):
    """One send-keys call delivers all its keys in one read, as a paste of keys or a slow
    SSH link does. Textual handed each to the focus of the moment, before the one ahead had
    moved it: "Enter 40 Enter" opened the strike editor and typed 40 into the table, and
    the scenario fields' values went nowhere."""
    env = {
        "ALVH_TUI_CONFIG_DIR": str(tmp_path / "config"),
        "ALVH_TUI_STATE_DIR": str(tmp_path / "state"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
    }
    tmux.start(f"{shlex.quote(sys.executable)} -m tui", env, width=100, height=30)
    tmux.wait_for(lambda s: "total" in s and "Payoff" in s and "$" in row(s, "near"), "the priced first screen")
    tmux.keys("Right", "Right", "Right", "Right", "Enter", "4", "0", "Enter", "Down", "Enter", "3", "3", "Enter")
    screen = tmux.wait_for(lambda s: cells(s, "mid")[5] == "33", "both strikes typed in one burst")
    assert cells(screen, "near")[5] == "40" and "enter applies" not in screen  # (the editor closed)
    tmux.keys("4", "9", "Tab", "2", "Tab", "5", "Enter")

    def shock_fields(screen: str) -> list[str]:
        line = next((line for line in screen.splitlines() if "VIX±" in line), "")
        return line.split("VIX±")[1].split()[:5] if line else []

    screen = tmux.wait_for(lambda s: shock_fields(s) == ["+9", "vol×", "2", "days", "5"], "the shock typed in one burst")
    assert "custom" in screen  # applied, not only typed
