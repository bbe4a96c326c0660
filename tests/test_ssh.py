"""The app over a real SSH link, the way it is used: a throw-away ``sshd`` on a loopback port
(host key, user key and config in a temporary folder; the machine's own ssh setup is not
touched), ``ssh -tt`` from a local tmux terminal at 80x24 to ``python -m tui PLAN``, two
edits by keys, then the link dropped by killing the ssh client (SIGKILL: no goodbye). The
remote app must journal and exit; reconnecting, the recover dialog brings the edits back.

The test stops its sshd by PID. It skips cleanly where sshd, ssh or tmux are missing or
sshd cannot run (no privilege-separation folder, no loopback). Waits poll with deadlines.
"""

from __future__ import annotations

import getpass
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_tmux import ROOT, TMUX, Tmux
from test_tmux_recover import _edit, _exited, _journal, _recover_and_save, _wait
from tui.core.plan_io import load_plan
from tui.core.plan_save import save_plan
from tui.resources import default_plan_path

SSHD = shutil.which("sshd") or next((p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(p, os.X_OK)), None)
SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")
pytestmark = pytest.mark.skipif(
    not (SSHD and SSH and KEYGEN and TMUX), reason="needs sshd, ssh, ssh-keygen and tmux (CI installs openssh-server)"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            conn.settimeout(0.5)
            return conn.recv(4).startswith(b"SSH-")
    except OSError:
        return False


class Sshd:
    """A private sshd: its own config, keys and pid; nothing outside ``folder`` is used."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)
        self.port = _free_port()
        self.host_key = folder / "host_ed25519"
        self.user_key = folder / "user_ed25519"
        for key in (self.host_key, self.user_key):
            subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True, capture_output=True)
        authorized = folder / "authorized_keys"
        authorized.write_text((folder / "user_ed25519.pub").read_text())
        authorized.chmod(0o600)
        self.config = folder / "sshd_config"
        self.config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.host_key}",
                    f"PidFile {folder / 'sshd.pid'}",
                    f"AuthorizedKeysFile {authorized}",
                    "AuthenticationMethods publickey",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    "PermitRootLogin prohibit-password",
                    f"AllowUsers {getpass.getuser()}",
                    "PrintMotd no",
                    "PrintLastLog no",
                    "ClientAliveInterval 1",
                    "ClientAliveCountMax 3",
                    "LogLevel ERROR",
                ]
            )
            + "\n"
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        check = subprocess.run([SSHD, "-t", "-f", str(self.config)], capture_output=True, text=True)
        if check.returncode != 0:
            pytest.skip(f"sshd cannot run here: {check.stderr.strip() or check.stdout.strip()}")
        # -D: stay in the foreground, so the PID is the one started (and stopped) here.
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 10.0
        while not _port_open(self.port):
            if self.process.poll() is not None:
                pytest.skip(f"sshd cannot run here: {self.process.stderr.read().strip()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.skip("sshd did not start listening on the loopback port")
            time.sleep(0.05)

    def ssh_command(self, remote: str) -> str:
        """``ssh -tt`` to this sshd running ``remote`` (a shell command), as a command line."""
        args = [
            SSH, "-tt", "-F", os.devnull, "-p", str(self.port), "-i", str(self.user_key),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", f"UserKnownHostsFile={self.folder / 'known_hosts'}", "-o", "LogLevel=ERROR",
            f"{getpass.getuser()}@127.0.0.1", remote,
        ]  # fmt: skip
        return " ".join(shlex.quote(a) for a in args)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # by PID: only the sshd started here
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def sshd(tmp_path):
    server = Sshd(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("mouse", ["mouse", "no-mouse"])
def test_a_dropped_ssh_link_loses_nothing(sshd, tmp_path, mouse):
    plan = tmp_path / "hedge.toml"
    save_plan(load_plan(default_plan_path()), plan)
    before = plan.read_bytes()
    state = tmp_path / "state"
    pidfile = tmp_path / "app.pid"
    env = {
        "ALVH_TUI_CONFIG_DIR": str(tmp_path / "config"),
        "ALVH_TUI_STATE_DIR": str(state),
        "ALVH_TUI_PIDFILE": str(pidfile),
        "PYTHONPATH": str(ROOT),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
    }
    flags = " --no-mouse" if mouse == "no-mouse" else ""
    remote = (
        f"cd {shlex.quote(str(ROOT))} && exec env "
        + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        + f" {shlex.quote(sys.executable)} -m tui{flags} {shlex.quote(str(plan))}"
    )
    client_pid = tmp_path / "ssh.pid"
    # The local terminal: tmux at 80x24 running the ssh client (its shell execs ssh, so the
    # pane's pid is the client's).
    script = tmp_path / "connect.sh"
    script.write_text(f"echo $$ > {shlex.quote(str(client_pid))}\nexec {sshd.ssh_command(remote)}\n")
    local = f"sh {shlex.quote(str(script))}"
    sessions: list[Tmux] = []

    def connect(name: str) -> Tmux:
        pidfile.unlink(missing_ok=True)
        client_pid.unlink(missing_ok=True)
        session = Tmux(f"alvh-ssh-{os.getpid()}-{tmp_path.name}-{name}")
        sessions.append(session)
        session.start(local, {"TERM": "xterm-256color", "LANG": "C.UTF-8"})
        return session

    try:
        tmux = connect("first")
        left = _edit(tmux)
        _wait(pidfile.exists, "the remote app's pid file")
        app_pid = int(pidfile.read_text())
        _wait(client_pid.exists, "the ssh client's pid")
        client = int(client_pid.read_text())
        os.kill(client, signal.SIGKILL)  # the link drops: no goodbye from the client
        _wait(lambda: _exited(client), "the local ssh client to be gone")
        _wait(lambda: _exited(app_pid), "the remote app to end after the link dropped", timeout=20.0)
        # What the user's own terminal is left in: the app's mouse tracking was never turned
        # off (the link was gone before it could say so). `reset` fixes it; --no-mouse avoids it.
        left_in_mouse_mode = tmux.run("display-message", "-p", "-t", "app", "#{mouse_any_flag}").strip() == "1"
        assert left_in_mouse_mode == (mouse == "mouse")
        entry = _journal(state / "journal")
        assert entry.plan.layers[0].strike == 35.0 and entry.plan.layers[2].weight == pytest.approx(0.3)
        assert plan.read_bytes() == before  # the plan file was not written
        tmux.kill()

        _recover_and_save(connect("again"), plan, state / "journal", left)
    finally:
        for session in sessions:
            session.kill()
