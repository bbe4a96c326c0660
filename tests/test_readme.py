"""The README stays true: every key the app's help lists, and the test command CI runs."""

from __future__ import annotations

from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


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
