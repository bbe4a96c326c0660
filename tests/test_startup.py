"""Start-up (issue 14): the first frame comes before numpy and is the final layout; the
figures come right after it; a key pressed before them is applied, not lost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from app_driver import SIZE, layer_cell
from screen_text import screen_text
from tui.core.black76 import load_scipy_ndtr
from tui.core.plan_io import load_plan
from tui.resources import default_plan_path
from tui.widgets.grid_table import GridTable
from tui.widgets.layer_editor import COLUMN_KEYS, PENDING

ROOT = Path(__file__).resolve().parent.parent

# A real start in a fresh interpreter, as `alvh-tui` does it (numpy deferred, then the app),
# reporting what the first frame showed and what was loaded then, and the same after pricing.
CHILD = r"""
import json, sys, tempfile
from pathlib import Path
from tui import lazy_numpy
lazy_numpy.defer()
from tui.app import AlvhApp
from tui.core.black76 import load_scipy_ndtr
from tui.core.plan_io import load_plan
from tui.resources import default_plan_path

def regions(app):
    return [(type(w).__name__, w.id, tuple(w.region)) for w in app.screen.walk_children() if all(n.display for n in w.ancestors_with_self)]  # shown

def state(app):
    table = app.query_one("#layer-table")
    return {
        "numpy": lazy_numpy.is_loaded(), "pandas": "pandas" in sys.modules, "scipy.stats": "scipy.stats" in sys.modules,
        "priced": app.valuation is not None, "rows": [list(r.cells) for r in table.rows],
        "curve_rows": len(app.query_one("#curve-table").rows), "regions": regions(app),
    }

class Probe(AlvhApp):
    def on_ready(self):
        super().on_ready()
        self.first = state(self)
        # (then settled: what comes after the first frame has come)
        self.set_timer(0.3, lambda: self.call_after_refresh(self.report))

    def report(self):
        print(json.dumps({"first": self.first, "priced": state(self)}))
        self.exit()

Probe(load_plan(default_plan_path()), None, config_folder=Path(tempfile.mkdtemp())).run(headless=True, size=(%d, %d))
"""


def _real_start(size: tuple[int, int]) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD % size], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_first_frame_comes_before_numpy_and_is_the_final_layout():
    sample = load_plan(default_plan_path())
    for size in ((120, 36), (80, 24), (160, 48)):
        seen = _real_start(size)
        first, priced = seen["first"], seen["priced"]
        assert not first["numpy"] and not first["priced"], size  # painted before numpy loaded
        assert not first["pandas"] and not first["scipy.stats"]
        assert priced["numpy"] and priced["priced"]
        # the plan's own text in the first frame, a quiet mark where figures come
        names = [layer.name for layer in sample.layers]
        assert [row[0] for row in first["rows"][:-1]] == names and first["rows"][-1][0] == "total"
        price, premium = COLUMN_KEYS.index("price"), COLUMN_KEYS.index("premium")
        assert all(row[price] == PENDING for row in first["rows"][:-1]) and all(row[premium] == PENDING for row in first["rows"])
        assert [row[0] for row in priced["rows"][:-1]] == names
        assert PENDING not in {row[premium] for row in priced["rows"]} | {row[price] for row in priced["rows"][:-1]}
        assert first["curve_rows"] == priced["curve_rows"] == len(sample.market.live_futures) + 1
        assert first["regions"] == priced["regions"], size  # nothing moved when the figures came


def test_importing_the_start_up_path_loads_no_numpy_and_no_valuation():
    probe = (
        "import sys\nfrom tui import lazy_numpy\nlazy_numpy.defer()\nimport tui.app, tui.plan_files\n"
        "from tui.core.plan_io import load_plan, plan_problems\nfrom tui.resources import default_plan_path\n"
        "plan = load_plan(default_plan_path()); plan_problems(plan, 'plan')\n"
        "from tui.widgets.layer_editor import preview_cells\npreview_cells(plan); plan.market.regime()\n"
        "print(lazy_numpy.is_loaded(), any(m.startswith(('numpy.', 'scipy', 'pandas')) for m in sys.modules))\n"
        "print('tui.core.valuation' in sys.modules, 'tui.screens.views' in sys.modules, 'tui.commands' in sys.modules)\n"
        "import numpy as np\nprint(np.arange(4).sum(), lazy_numpy.is_loaded())"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    # numpy is not loaded, nor the valuation (it comes with the first reprice), the views, the commands
    assert out.stdout.split() == ["False", "False", "False", "False", "False", "6", "True"]


def _hold_pricing(app) -> None:
    """Take the app down the start-up path (numpy 'not loaded yet') and keep the figures
    back until something asks for them, as if numpy were still loading."""
    app.price_after_first_frame = True
    app._price_pending = lambda: None


async def test_before_pricing_the_panes_show_the_plan_and_placeholders(make_app):
    sample = load_plan(default_plan_path())
    app = make_app()
    _hold_pricing(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.valuation is None
        assert [layer_cell(app, i, "name") for i in range(len(sample.layers))] == [layer.name for layer in sample.layers]
        assert layer_cell(app, 0, "expiry").startswith(str(sample.layers[0].expiry))
        assert {layer_cell(app, i, k) for i in range(len(sample.layers)) for k in ("price", "premium", "delta")} == {PENDING}
        assert {layer_cell(app, len(sample.layers), k) for k in ("premium", "delta")} == {PENDING}  # the totals
        assert len(app.query_one("#curve-table", GridTable).rows) == len(sample.market.live_futures) + 1
        assert "pricing…" in screen_text(app)


async def test_a_key_before_pricing_is_applied_after_it(make_app):
    # (both apps on scipy's normal CDF, which the warm-up thread loads after the first
    # frame: the libm one differs in the last bits, enough to swap the BE and VIX labels)
    load_scipy_ndtr()
    held, synchronous = make_app(), make_app()
    _hold_pricing(held)
    keys = ["right", "right", "right", "right", "plus", "plus"]  # two strike nudges on the near layer
    screens = []
    for app in (held, synchronous):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
            assert app.valuation is not None and len(app.undo_stack) == 2  # no key lost
            screens.append((app.plan, screen_text(app)))
    assert screens[0] == screens[1]


async def test_priced_after_the_first_frame_the_screen_is_the_synchronous_one(make_app):
    load_scipy_ndtr()
    deferred, synchronous = make_app(), make_app()
    deferred.price_after_first_frame = True
    texts = []
    for app in (deferred, synchronous):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert app.valuation is not None
            texts.append(screen_text(app))
    assert texts[0] == texts[1]


def test_fast_start_changes_nothing_where_numpy_is_loaded():
    """Tests (numpy imported) call main() too: the collector stays on, numpy stays real."""
    import gc

    import numpy

    from tui import lazy_numpy
    from tui.__main__ import fast_start

    fast_start()
    assert gc.isenabled() and lazy_numpy.is_loaded() and sys.modules["numpy"] is numpy


async def test_each_widget_outside_the_focused_pane_is_styled_once_before_the_first_frame(make_app):
    """Textual styles the whole first screen again at its first ScreenResume, right after
    styling each widget at mount (MainScreen skips that): once is enough. (The focused pane
    is restyled for :focus-within, rightly.)"""
    import collections

    app = make_app()
    styled: collections.Counter = collections.Counter()
    apply = app.stylesheet.apply

    def counting_apply(node, *args, **kwargs):
        if not app._dom_ready:  # (Textual's flag: set with the first frame)
            styled[node] += 1
        return apply(node, *args, **kwargs)

    app.stylesheet.apply = counting_apply
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        focused_pane = {app.editor, *app.editor.walk_children()}
        widgets = [w for w in app.screen.walk_children(with_self=True) if w not in focused_pane]
        assert len(widgets) > 15
        assert {f"{type(w).__name__}#{w.id}": styled[w] for w in widgets if styled[w] != 1} == {}


async def test_an_edit_begun_before_the_after_start_opens_the_editor(make_app, monkeypatch):
    """The cell editor's row is mounted after the first frame; an Enter pressed sooner (the
    pricing moment right after the first frame) mounts it itself, and the edit works."""
    from app_driver import type_into_cell
    from tui.app import AlvhApp

    monkeypatch.setattr(AlvhApp, "_after_start", lambda self: None)  # the moment before it runs
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.query("#edit-row")
        await type_into_cell(pilot, app, 0, "name", "far")
        assert layer_cell(app, 0, "name") == "far" and app.is_running


async def test_input_during_the_pricing_moment_still_runs_the_after_start(make_app, monkeypatch):
    """A mouse move or key between the first frame and the queued pricing prices at once
    (see AlvhApp.on_event); the after-start (the edit row, the collector back on, the
    warm-up) must still follow."""
    from textual import events

    from tui.app import AlvhApp

    on_ready = AlvhApp.on_ready

    def ready_with_a_mouse_move(self) -> None:
        self.post_message(events.MouseMove(None, 5, 5, 0, 0, 0, False, False, False))
        on_ready(self)

    monkeypatch.setattr(AlvhApp, "on_ready", ready_with_a_mouse_move)
    app = make_app()
    app.price_after_first_frame = True
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        assert app.valuation is not None
        assert app._started and app.query("#edit-row")
        await pilot.press("enter")
        await pilot.pause()
        assert app.editor.editing == (0, "name")
