"""Run ``alvh-tui`` for a test: in-process (fast) or as a real process (as a user runs it).

``run_cli`` calls ``tui.__main__.main(argv)``, the function the console script calls, with
stdout and stderr captured, and returns what ``subprocess.run`` returns. It takes the same
parser and code path as ``python -m tui`` without starting an interpreter and importing
numpy and scipy again (about a second of CPU a call). An uncaught exception propagates and
fails the test, which is what a traceback on stderr would have done. Figures may differ from
a new process's in the last bits: an app run earlier in the test process switches the normal
CDF to scipy's, and cached results keep it (compare with rel=1e-12). ``run_process`` starts
the real thing; a few tests keep it (tests/test_cli.py: ``python -m tui`` and the
console script, a broken pipe) so the process boundary stays tested.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    from tui.__main__ import main

    # Streams that encode as a process's pipes do (UTF-8; stdout strict, stderr
    # backslashreplace), so text a real process could not print fails here too.
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="\n", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", newline="\n", write_through=True)
    saved_env = dict(os.environ)  # `calibrate` sets BLAS thread counts for its own process
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exit_:  # argparse refusing an argument
                code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["alvh-tui", *args], code, _text(out), _text(err))


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    return raw.getvalue().decode("utf-8", errors="replace")


def run_process(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, errors="replace")
