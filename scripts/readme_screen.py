"""The README's text capture of the main screen, rendered from the app itself.

    python scripts/readme_screen.py           # print the screen (100x30, the sample plan)
    python scripts/readme_screen.py --write   # put it into README.md between its markers

tests/test_readme.py renders it again and fails when README's copy is stale, so the figures
a reader sees in the README are the ones the app shows today.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SIZE = (100, 30)
BEGIN = "<!-- screen: scripts/readme_screen.py --write -->"
END = "<!-- /screen -->"


def render() -> str:
    """The main screen as text, on the bundled sample plan, after the entry signals are read."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tui.core.journal import STATE_ENV

    with tempfile.TemporaryDirectory() as folder:
        # none of the reader's own journals (a recovery dialog would be captured), settings or caches
        isolated = {STATE_ENV: folder, "XDG_STATE_HOME": folder, "ALVH_TUI_CACHE_DIR": folder}
        with mock.patch.dict(os.environ, isolated):
            return _render(Path(folder))


def _render(folder: Path) -> str:
    from tui.app import make_app

    app = make_app(None, config_folder=folder)

    async def run() -> str:
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()  # the entry signals are read in a worker
            await pilot.pause()
            strips = app.screen._compositor.render_strips()
            return "\n".join("".join(s.text for s in strip).rstrip() for strip in strips)

    return asyncio.run(run())


def block(screen: str) -> str:
    return f"{BEGIN}\n```\n{screen}\n```\n{END}"


def readme_block(text: str) -> str | None:
    start, stop = text.find(BEGIN), text.find(END)
    return None if start < 0 or stop < 0 else text[start : stop + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the block in README.md")
    args = parser.parse_args(argv)
    screen = render()
    if not args.write:
        print(screen)
        return 0
    text = README.read_text(encoding="utf-8")
    old = readme_block(text)
    if old is None:
        print(f"README.md has no {BEGIN} ... {END} block", file=sys.stderr)
        return 1
    README.write_text(text.replace(old, block(screen)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
