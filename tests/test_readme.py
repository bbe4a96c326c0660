"""The README stays true: every key the app's help lists, and the test command CI runs."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_lists_every_key_of_the_help_screen():
    from tui.screens.help import KEY_HELP

    missing = [key for _section, keys in KEY_HELP for key, _what in keys if f"`{key.replace('|', chr(92) + '|')}`" not in README]
    assert not missing, f"keys missing from README.md: {missing}"


def test_readme_has_the_test_command_ci_reads():
    lines = README.splitlines()
    marker = lines.index("<!-- test-command -->")
    assert lines[marker + 1].startswith("```") and "pytest" in lines[marker + 2]
    command = lines[marker + 2]
    # the linters run before the tests, so CI fails on a layer broken or a type wrong
    assert all(0 <= command.find(tool) < command.find("pytest") for tool in ("ruff check", "lint-imports", "mypy")), command


def test_readme_screen_capture_is_what_the_app_shows_today():
    """README's text capture of the main screen is rendered from the app: a change to any
    figure or pane that a reader would see makes this fail until
    ``python scripts/readme_screen.py --write`` is run again (it showed a stress VIX of
    84.12 long after the core said 45.68)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_screen", ROOT / "scripts" / "readme_screen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shown = module.readme_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert shown is not None, "README.md lost its screen markers"
    assert shown == module.block(module.render()), "README's screen is stale: python scripts/readme_screen.py --write"


def test_readme_layout_names_every_module_of_the_package():
    """The Layout section names each module under tui/ (as a word: ``sizing``, not inside
    ``resizing``), so a module added without a line there fails here."""
    import re

    layout = README[README.index("## Layout"):]
    layout = layout[: layout.index("```", layout.index("```") + 3)]  # its code block
    modules = sorted(p for p in (ROOT / "tui").rglob("*.py") if p.stem != "__init__")
    assert len(modules) > 60
    missing = [str(p.relative_to(ROOT)) for p in modules if not re.search(rf"(?<![\w.]){re.escape(p.stem)}(?!\w)", layout)]
    assert not missing, f"README's Layout section does not name: {', '.join(missing)}"
