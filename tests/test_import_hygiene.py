"""The core stays UI-free and start-up stays light: checked in fresh interpreters."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (tests using it are `slow`)."""
    probe = code + "\nimport sys; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.slow
@pytest.mark.parametrize(
    "module",
    ["tui.core.valuation", "tui.core.plan_io", "tui.core.calendar", "tui.core.market_csv", "tui.core.episodes", "tui.cli"],
)
def test_core_never_imports_textual(module):
    loaded = _modules_after(f"import {module}")
    assert not any(m == "textual" or m.startswith("textual.") for m in loaded)
    assert "scipy.stats" not in loaded


def test_every_core_module_is_textual_free_by_source():
    for path in (ROOT / "tui" / "core").glob("*.py"):
        text = path.read_text()
        assert "import textual" not in text and "from textual" not in text, path.name
        # the core finds its bundled data itself (core/paths.py), never through the UI side
        assert "tui.resources" not in text and "from .. import" not in text, path.name


@pytest.mark.slow
def test_help_and_version_import_nothing_heavy():
    loaded = _modules_after("import tui.__main__ as m\ntry:\n    m._app_parser().parse_args(['--version'])\nexcept SystemExit:\n    pass")
    for heavy in ("textual", "numpy", "scipy", "pandas"):
        assert heavy not in loaded, heavy


@pytest.mark.slow
def test_pricing_a_plan_does_not_load_pandas_or_scipy_stats():
    loaded = _modules_after(
        "from tui.core.plan_io import load_plan\nfrom tui.core.valuation import value_plan\n"
        "from tui.resources import default_plan_path\nvalue_plan(load_plan(default_plan_path()))"
    )
    assert "pandas" not in loaded
    # the default plan reprices on numpy alone: scipy costs 0.2-0.4 s at start-up
    assert not any(m == "scipy" or m.startswith("scipy.") for m in loaded)


def test_widgets_import_only_downward():
    """Widgets never reach up to screens, the app or the command line (not even lazily),
    and the number formats do not come from the CLI: no import cycles between layers."""
    import ast

    def imported(path: Path) -> set[str]:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names.add("." * node.level + (node.module or ""))
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        return names

    for path in sorted((ROOT / "tui" / "widgets").glob("*.py")):
        up = {m for m in imported(path) if m.lstrip(".").split(".")[0] in ("screens", "app", "cli", "commands", "journaling")}
        assert not up, f"{path.name} imports {up}"
    assert not {m for m in imported(ROOT / "tui" / "format.py") if "cli" in m}
    assert "scenario_info" not in (ROOT / "tui" / "widgets" / "scenario_panel.py").read_text()


@functools.cache
def _tui_imports() -> dict[str, set[str]]:
    """Every ``tui`` module's imports of other ``tui`` modules, TYPE_CHECKING ones included
    (import-linter counts them too). Parsed once for the three modules checked below."""
    import ast

    graph: dict[str, set[str]] = {}
    for path in (ROOT / "tui").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = ".".join(parts[:-1])
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[module] = {m for m in found if m.startswith("tui")}
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        here = todo.pop()
        for nxt in graph[here]:
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


@pytest.mark.parametrize("module", ["tui.app", "tui.commands", "tui.journaling"])
def test_the_app_the_commands_and_the_journal_import_only_downward(module):
    """Issue 9 item 4: journaling read app.dirty, app.editor, app.reprice; commands typed the app."""
    graph = _tui_imports()
    assert not _reaches(graph, module, module), f"{module} is in an import cycle"
    if module != "tui.app":
        assert not _reaches(graph, module, "tui.app")
