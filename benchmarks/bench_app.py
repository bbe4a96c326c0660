"""App benchmarks, each printed as a ratio against a minimal Textual app measured in the same run.

1. start-up: fresh processes (``alvh-tui`` on the sample plan vs a one-Label app),
   headless, from spawning the interpreter to the first frame handed to the terminal
   (App._display; Textual's Ready event comes a few ms later, after the queued start-up
   messages) and, for the app, to its first priced frame (numpy is deferred as
   ``alvh-tui`` does, so the first frame has the plan's text and placeholders, the figures
   follow); whether any widget's region differs between the two (the first frame must be
   the final layout); and ``alvh-tui price`` as a whole process (pandas must stay unloaded).
2. keystroke to all panes updated: in-process, ``run_test`` + Pilot at 80x24, 120x36 and
   200x60 (median in frames of 16.7 ms, p99, the worst key, keys over two frames; 1,000
   keys at 200x60, the size that matters most). One key (+/- on the near layer's strike)
   -> edit -> value_plan -> four panes -> the frame is written. The reference app updates
   four Statics on a key. Also: bytes written per keystroke (what crosses SSH; headless
   output is truecolour), and the garbage collections that ran during the keys (so a
   slow key can be told from a gc pause). Then GridTable against Textual's DataTable on
   the same refill-and-move keystroke.
3. chart widget: our braille PayoffChart vs textual-plot's PlotWidget (if installed),
   redrawing the same payoff curves at 100x30 and 200x60: ms and KiB per redraw.

Run:  python benchmarks/bench_app.py [--quick] [--keys-only]
(``--keys-only``: only section 2's keystrokes, for iterating on the key-to-frame cost.)
Children get PYTHONPYCACHEPREFIX (a temp dir) so that, as for an installed package,
bytecode is cached after a warm-up run (this machine sets PYTHONDONTWRITEBYTECODE=1).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STARTUP_SIZE = (120, 36)


# -- 1. start-up (child processes) ------------------------------------------------

def child_app(spawned: float) -> None:
    from tui.__main__ import _app_parser, fast_start

    _app_parser().parse_args([])  # the CLI parses argv before importing textual
    fast_start()  # as `alvh-tui` does: numpy after the first frame, no collections before it
    from tui import lazy_numpy
    from tui.app import AlvhApp
    from tui.core.plan_io import load_plan
    from tui.resources import default_plan_path

    def regions(app) -> list[tuple]:
        return [(type(w).__name__, w.id, tuple(w.region)) for w in app.screen.walk_children() if all(n.display for n in w.ancestors_with_self)]  # shown

    class Timed(AlvhApp):
        first_ms: float | None = None
        priced_ms: float | None = None
        first_regions: list[tuple] = []
        numpy_at_first = False

        def _display(self, screen, renderable) -> None:
            if renderable is not None and self.first_ms is None:  # the first frame, handed to the terminal
                self.first_ms = (time.time() - spawned) * 1000.0
                self.numpy_at_first = lazy_numpy.is_loaded()
                self.first_regions = regions(self)
            super()._display(screen, renderable)

        def on_ready(self) -> None:  # Textual's Ready: sent after the first frame
            super().on_ready()
            if self.valuation is not None:  # priced before the first frame
                self.priced_frame()

        def reprice(self):
            valuation = super().reprice()
            if self.priced_ms is None and self.first_ms is not None:
                self.call_after_refresh(self.priced_frame)
            return valuation

        def priced_frame(self) -> None:
            self.priced_ms = (time.time() - spawned) * 1000.0
            # then settled (what comes after the first frame has come)
            self.set_timer(0.3, lambda: self.call_after_refresh(self.report))

        def report(self) -> None:
            now = regions(self)
            moved = sum(a != b for a, b in zip(self.first_regions, now, strict=False)) + abs(len(self.first_regions) - len(now))
            print(f"READY {self.first_ms:.3f} PRICED {self.priced_ms:.3f} MOVED {moved} NUMPY {int(self.numpy_at_first)}", flush=True)
            self.exit()

    Timed(load_plan(default_plan_path()), None, config_folder=Path(tempfile.mkdtemp())).run(headless=True, size=STARTUP_SIZE)


def child_minimal(spawned: float) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Minimal(App):
        first_ms: float | None = None

        def compose(self) -> ComposeResult:
            yield Label("hello")

        def _display(self, screen, renderable) -> None:
            if renderable is not None and self.first_ms is None:
                self.first_ms = (time.time() - spawned) * 1000.0
            super()._display(screen, renderable)

        def on_ready(self) -> None:
            print(f"READY {self.first_ms:.3f}", flush=True)
            self.exit()

    Minimal().run(headless=True, size=STARTUP_SIZE)


def spawn(kind: str, env: dict) -> dict[str, float]:
    """One fresh process: READY (ms from spawning to the first frame) and, for the app,
    PRICED (to the first frame with figures), MOVED (widgets whose region differs between
    the first frame and the settled priced screen) and NUMPY (1: loaded by the first frame)."""
    spawned = time.time()
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--spawned", repr(spawned)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    for line in out.stdout.splitlines():
        if line.startswith("READY "):
            words = line.split()
            return {k: float(v) for k, v in zip(words[::2], words[1::2], strict=True)}
    raise RuntimeError(f"{kind} child failed:\n{out.stdout}\n{out.stderr}")


def bench_startup(runs: int) -> tuple[dict[str, float], float, list[float]]:
    """Medians over ``runs`` interleaved fresh processes: the app's READY/PRICED (and the
    worst MOVED, the NUMPY count) and the minimal app's READY; and each back-to-back pair's
    READY ratio (app / minimal), sorted. The machine's speed drifts by a third between
    seconds here; a pair run back to back shares it, so the median of the pairs' ratios
    is steadier than the ratio of the medians."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "alvh-bench-pycache")
    env.pop("TEXTUAL_COLOR_SYSTEM", None)
    spawn("app", env), spawn("minimal", env)  # warm-up: bytecode, OS file cache
    app_runs, minimal_ms = [], []
    for i in range(runs):  # interleaved, so drift in machine load hits both; who goes first alternates
        if i % 2:
            minimal_ms.append(spawn("minimal", env)["READY"])
            app_runs.append(spawn("app", env))
        else:
            app_runs.append(spawn("app", env))
            minimal_ms.append(spawn("minimal", env)["READY"])
    app = {k: statistics.median(r[k] for r in app_runs) for k in ("READY", "PRICED")}
    app["MOVED"] = max(r["MOVED"] for r in app_runs)
    app["NUMPY"] = sum(r["NUMPY"] for r in app_runs)
    pair_ratios = sorted(r["READY"] / m for r, m in zip(app_runs, minimal_ms, strict=True))
    return app, statistics.median(minimal_ms), pair_ratios


def bench_price_cli(runs: int) -> tuple[float, bool]:
    """`alvh-tui price` on the sample plan: median wall time of fresh processes, and whether
    pandas was imported (it must not be: ~0.3 s)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "alvh-bench-pycache")
    probe = (
        "import sys, io, contextlib\nfrom tui.__main__ import main\nfrom tui.resources import default_plan_path\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(['price', str(default_plan_path())])\n"
        "print('PANDAS', int('pandas' in sys.modules))"
    )
    times, pandas = [], False
    for i in range(runs + 1):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        if i:  # (the first run writes the bytecode)
            times.append((time.perf_counter() - start) * 1000.0)
        pandas = pandas or "PANDAS 1" in out.stdout
    return statistics.median(times), pandas


def import_breakdown() -> list[tuple[str, float]]:
    """Cumulative -X importtime of the heavy modules on the app's start-up path."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "alvh-bench-pycache")
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from tui import lazy_numpy; lazy_numpy.defer(); import tui.app"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )
    wanted = {"textual.app", "numpy", "scipy.special", "scipy.interpolate", "scipy.optimize", "scipy.stats", "pandas",
              "tui.core.valuation", "tui.app", "textual.widgets._data_table"}
    found = {}
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() in wanted:
            found[parts[2].strip()] = int(parts[1]) / 1000.0
    return sorted(found.items(), key=lambda kv: -kv[1])


# -- 2. keystroke to repaint (in-process) -------------------------------------------

class FrameRecorder:
    """Renders each compositor update to the terminal byte stream, as a real driver would
    (headless Textual skips this step), and time-stamps it: the keystroke's end point and
    what would cross SSH."""

    def __init__(self, app) -> None:
        self.events: list[tuple[float, int]] = []
        console = app.console

        def display(screen, renderable) -> None:
            if renderable is None or app._batch_count:
                return
            render = getattr(renderable, "render_segments", None)
            data = render(console) if render else ""
            self.events.append((time.perf_counter(), len(data.encode("utf-8"))))

        app._display = display

    def since(self, mark: int) -> tuple[float | None, int]:
        new = self.events[mark:]
        return (new[-1][0] if new else None), sum(n for _, n in new)


async def settle(app) -> None:
    """Run the event loop until every message pump of the app and its screen is idle
    (the messages the key caused are real work; the loop is only the waiting)."""
    pumps = [app, *app.screen.walk_children(with_self=True)]
    for _ in range(10_000):
        await asyncio.sleep(0)
        if all(p._message_queue.empty() for p in pumps if hasattr(p, "_message_queue")):
            await asyncio.sleep(0)
            if all(p._message_queue.empty() for p in pumps if hasattr(p, "_message_queue")):
                return


async def keystrokes(app, pilot, keys: list[str], changed=None) -> tuple[list[float], list[int]]:
    """Per key: post it as the driver would, let the app handle it (and the messages it
    causes), then run the screen update that Textual's 60 Hz timer would run next, and
    stop the clock when that frame has been rendered to bytes."""
    from textual import events

    recorder = FrameRecorder(app)
    times, sizes = [], []
    for key in keys:
        before = changed() if changed else None
        mark = len(recorder.events)
        start = time.perf_counter()
        event = events.Key(key, {"plus": "+", "minus": "-", "space": " "}.get(key))
        event.set_sender(app)
        app._driver.send_message(event)
        if changed is not None:
            waited = time.monotonic()
            while changed() == before:
                await asyncio.sleep(0)
                if time.monotonic() - waited > 10.0:
                    raise RuntimeError(f"the key {key!r} changed nothing in 10 s (a dialog open?)")
        await settle(app)
        app.screen._on_timer_update()
        last, size = recorder.since(mark)
        times.append(((last or time.perf_counter()) - start) * 1000.0)
        sizes.append(size)
    return times, sizes


FRAME_MS = 1000.0 / 60.0
KEY_SIZES = ((80, 24), (120, 36), (200, 60))


class GcWatch:
    """The garbage collections that run while installed: (generation, ms) each."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, float]] = []
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.runs.append((info["generation"], (time.perf_counter() - self._start) * 1000.0))

    def __enter__(self) -> "GcWatch":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


@dataclass
class KeyRun:
    """One size's keystrokes: every key's ms, bytes and reprice ms, the gc runs during each key."""

    times: list[float]
    kib: float
    reprice_ms: float
    gcs: list[list[tuple[int, float]]]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.times, n=100, method="inclusive")[98]

    @property
    def over_two_frames(self) -> int:
        return sum(t > 2 * FRAME_MS for t in self.times)


async def bench_keys_app(n: int, size: tuple[int, int] = (120, 36)) -> KeyRun:
    """Every key's ms at ``size`` (and its bytes, the reprice, the gc runs)."""
    from tui.app import make_app
    from tui.core.journal import STATE_ENV
    from tui.widgets.curve_pane import CurvePane
    from tui.widgets.payoff_chart import PayoffChart
    from tui.widgets.scenario_panel import ScenarioPanel

    # A state folder of its own: an untitled journal left by an ended session would open
    # the recovery dialog, and the keys would go there.
    os.environ[STATE_ENV] = tempfile.mkdtemp()
    app = make_app(None, config_folder=Path(tempfile.mkdtemp()))
    reprice = []
    async with app.run_test(size=size) as pilot:
        await asyncio.sleep(1.0)  # run_test's Ready has run the app's after-start (gc.freeze, scipy's ndtr)
        table = app.query_one("#layer-table")
        table.focus()
        await pilot.press("right", "right", "right", "right")  # the strike column
        await pilot.pause()
        panes = (app.editor, app.query_one(CurvePane), app.query_one(ScenarioPanel))

        chart = app.query_one(PayoffChart)

        def changed():
            return id(app.valuation)

        keys = ["plus", "minus"] * (n // 2)
        await keystrokes(app, pilot, keys[:6], changed)  # warm-up
        times, sizes, gcs = [], [], []
        with GcWatch() as watch:
            for key in keys:
                mark = len(watch.runs)
                t, b = await keystrokes(app, pilot, [key], changed)
                gcs.append(watch.runs[mark:])
                v = app.valuation  # every pane shows this one valuation
                assert all(p.valuation is v for p in panes) and chart.curves["hedge"] is not None
                assert list(chart.curves["hedge"]) == list(v.payoff.hedge_usd)
                times += t
                sizes += b
                reprice.append(app.last_reprice_ms)
    return KeyRun(times, statistics.median(sizes) / 1024, statistics.median(reprice), gcs)


async def bench_keys_minimal(n: int, size: tuple[int, int] = (120, 36)) -> tuple[float, float]:
    from textual.app import App, ComposeResult
    from textual.containers import Grid
    from textual.widgets import Static

    class Minimal(App):
        CSS = "Grid { grid-size: 2 2; } Static { border: round white; }"
        BINDINGS = [("plus", "bump(1)"), ("minus", "bump(-1)")]
        count = 0

        def compose(self) -> ComposeResult:
            with Grid():
                for i in range(4):
                    yield Static(f"pane {i}: 0", id=f"p{i}")

        def action_bump(self, d: int) -> None:
            self.count += d
            for i in range(4):
                self.query_one(f"#p{i}", Static).update(f"pane {i}: {self.count}")

    app = Minimal()
    async with app.run_test(size=size) as pilot:
        keys = ["plus", "minus"] * (n // 2)
        await keystrokes(app, pilot, keys[:6], lambda: app.count)
        times, sizes = await keystrokes(app, pilot, keys, lambda: app.count)
    return statistics.median(times), statistics.median(sizes) / 1024


def bench_keystrokes(keys: int, big_keys: int) -> None:
    """Section 2's report: every size against the minimal app; ``big_keys`` keys at the largest."""
    print(f"keystroke to all panes updated (run_test; frame rendered to bytes; one frame = {FRAME_MS:.1f} ms)")
    for size in KEY_SIZES:
        n = big_keys if size == KEY_SIZES[-1] else keys
        run = asyncio.run(bench_keys_app(n, size))
        k_min, kib_min = asyncio.run(bench_keys_minimal(keys, size))
        print(
            f"  {size[0]}x{size[1]:<3} alvh-tui {run.median:6.2f} ms = {run.median / FRAME_MS:4.2f} frames median ({n} keys; {run.kib:.1f} KiB;"
            f" reprice + panes {run.reprice_ms:.2f} ms) · p99 {run.p99:5.1f} ms · worst {max(run.times):5.1f} ms ·"
            f" {run.over_two_frames}/{n} keys over two frames"
        )
        collected = [g for per_key in run.gcs for g in per_key]
        slow = [i for i, t in enumerate(run.times) if t > 2 * FRAME_MS]
        # (most keys have a quick young collection in them: what matters is whether a slow
        # key would have been within two frames without its collections)
        by_gc = sum(1 for i in slow if run.times[i] - sum(ms for _, ms in run.gcs[i]) <= 2 * FRAME_MS)
        print(
            f"           gc during the keys: {len(collected)} runs, {sum(1 for g, _ in collected if g == 2)} full,"
            f" longest {max((ms for _, ms in collected), default=0.0):.1f} ms; keys over two frames only because of a gc: {by_gc}/{len(slow)}"
        )
        print(f"           minimal  {k_min:6.2f} ms ({kib_min:.1f} KiB) · ratio {run.median / k_min:5.2f}x   (target: median within one frame, none over two)")
    print()


# -- 2b. GridTable vs DataTable: why the panes use their own table ----------------------

async def bench_table(kind: str, n: int, size: tuple[int, int] = (120, 36)) -> float:
    """One key = a cursor move + every row's cells replaced (what a reprice does to the
    scenario table: 20 rows x 6 columns), then the frame rendered. Median ms per key."""
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from tui.widgets.grid_table import GridColumn, GridRow, GridTable

    columns = [("name", 16), ("hedge", 8), ("exposure", 9), ("net", 9), ("cover", 6), ("VIX", 6)]
    rows = 20

    def cells(k: int, i: int) -> tuple[str, ...]:
        return (f"scenario {i}", f"${k + i:,}k", f"-${k * 3 + i:,}k", f"${k - i:,}k", f"{(k + i) % 100}%", f"{20 + i}.{k % 10}")

    class TableApp(App):
        BINDINGS = [("space", "bump")]
        k = 0

        def compose(self) -> ComposeResult:
            yield GridTable(id="t", cursor_type="row") if kind == "grid" else DataTable(id="t", cursor_type="row")

        def on_mount(self) -> None:
            t = self.query_one("#t")
            if kind == "grid":
                t.set_columns([GridColumn(key, key, w) for key, w in columns])
                t.set_rows([GridRow(f"r{i}", cells(0, i)) for i in range(rows)])
            else:
                for key, w in columns:
                    t.add_column(key, key=key, width=w)
                for i in range(rows):
                    t.add_row(*cells(0, i), key=f"r{i}")
            self.shown = [cells(0, i) for i in range(rows)]  # (what DataTable shows: compared, not re-made)
            t.focus()

        def action_bump(self) -> None:
            self.k += 1
            t = self.query_one("#t")
            if kind == "grid":
                t.set_rows([GridRow(f"r{i}", cells(self.k, i)) for i in range(rows)])
                t.move_cursor(self.k % rows)
            else:  # DataTable's own way: update the cells whose text changed
                for i in range(rows):
                    new = cells(self.k, i)
                    for (key, _), old, value in zip(columns, self.shown[i], new, strict=True):
                        if value != old:
                            t.update_cell(f"r{i}", key, value)
                    self.shown[i] = new
                t.move_cursor(row=self.k % rows)

    app = TableApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await keystrokes(app, pilot, ["space"] * 4, lambda: app.k)
        times, _ = await keystrokes(app, pilot, ["space"] * n, lambda: app.k)
    return statistics.median(times)


# -- 3. chart widgets ----------------------------------------------------------------

async def bench_chart(kind: str, size: tuple[int, int], n: int) -> tuple[float, float]:

    from textual.app import App, ComposeResult

    from tui.core.plan_io import load_plan
    from tui.core.valuation import value_plan
    from tui.resources import default_plan_path

    plan = load_plan(default_plan_path())
    payoffs = [value_plan(plan).payoff, value_plan(plan.with_layer(0, strike=36.0)).payoff]
    spot = plan.market.vix_spot

    if kind == "braille":
        from tui.widgets.payoff_chart import PayoffChart

        def make():
            return PayoffChart()

        def draw(w, p):
            w.set_curves(p.levels, {"hedge": p.hedge_usd, "net": p.net_usd, "exposure": p.exposure_usd}, spot=spot, breakevens=p.breakevens)
    else:
        from textual_plot import HiResMode, PlotWidget

        def make():
            return PlotWidget()

        def draw(w, p):
            w.clear()
            w.plot(p.levels, p.hedge_usd, hires_mode=HiResMode.BRAILLE, line_style="green")
            w.plot(p.levels, p.net_usd, hires_mode=HiResMode.BRAILLE, line_style="yellow")
            w.plot(p.levels, p.exposure_usd, hires_mode=HiResMode.BRAILLE, line_style="red")
            w.add_v_line(spot, "blue")
            for b in p.breakevens:
                w.add_v_line(b, "magenta")

    class ChartApp(App):
        CSS = "Screen { layout: vertical; } #chart { height: 1fr; width: 1fr; }"
        BINDINGS = [("space", "swap")]
        i = 0

        def compose(self) -> ComposeResult:
            w = make()
            w.id = "chart"
            yield w

        def on_mount(self) -> None:
            draw(self.query_one("#chart"), payoffs[0])

        def action_swap(self) -> None:
            self.i += 1
            draw(self.query_one("#chart"), payoffs[self.i % 2])

    app = ChartApp()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await keystrokes(app, pilot, ["space"] * 4, lambda: app.i)
        times, sizes = await keystrokes(app, pilot, ["space"] * n, lambda: app.i)
    return statistics.median(times), statistics.median(sizes) / 1024


# -- main ----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=("app", "minimal"))
    parser.add_argument("--spawned", type=float)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke test)")
    parser.add_argument("--keys-only", action="store_true", help="only the keystroke-to-frame benchmark")
    args = parser.parse_args()
    if args.child:
        (child_minimal if args.child == "minimal" else child_app)(args.spawned)
        return

    runs = 3 if args.quick else 15
    keys = 20 if args.quick else 60
    print(f"alvh-tui app benchmarks (python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n")
    if args.keys_only:
        bench_keystrokes(keys, big_keys=200 if args.quick else 1000)
        return

    app, minimal_ms, pairs = bench_startup(runs)
    print(f"start-up (median of {runs} fresh processes, {STARTUP_SIZE[0]}x{STARTUP_SIZE[1]}; the minimal app: one Label)")
    print(f"  minimal app, first frame            {minimal_ms:7.1f} ms")
    print(f"  alvh-tui, first frame (final layout) {app['READY']:6.1f} ms   ratio {app['READY'] / minimal_ms:5.2f}x")
    print(
        f"    ratio of each back-to-back pair: median {statistics.median(pairs):.2f}x (target <= 1.5x), "
        f"{pairs[0]:.2f}-{pairs[-1]:.2f}x over the {runs} pairs"
    )
    print(f"  alvh-tui, first priced frame        {app['PRICED']:7.1f} ms   ratio {app['PRICED'] / minimal_ms:5.2f}x")
    moved = "no" if app["MOVED"] == 0 else f"YES ({app['MOVED']:.0f} widgets in the worst run)"
    print(f"  layout moved between them: {moved}; numpy loaded by the first frame in {app['NUMPY']:.0f}/{runs} runs")
    price_ms, pandas = bench_price_cli(max(3, runs // 3))
    print(f"  alvh-tui price (sample plan, whole process) {price_ms:6.1f} ms; pandas imported: {'YES' if pandas else 'no'}")
    print("  heaviest imports under tui.app, numpy deferred as at start-up (cumulative -X importtime, one run):")
    for name, ms in import_breakdown():
        print(f"    {name:<30} {ms:7.1f} ms")
    print()

    bench_keystrokes(keys, big_keys=200 if args.quick else 1000)

    grid_ms = asyncio.run(bench_table("grid", keys))
    data_ms = asyncio.run(bench_table("data", keys))
    print("table keystroke (20 rows x 6 columns refilled + cursor move, 120x36, median)")
    print(f"  GridTable     {grid_ms:7.2f} ms")
    print(f"  DataTable     {data_ms:7.2f} ms")
    print(f"  ratio         {grid_ms / data_ms:7.2f}x   (GridTable / DataTable: why the panes use GridTable)")
    print()

    print("payoff chart redraw: ms and KiB per redraw (median)")
    have_plot = True
    try:
        import textual_plot  # noqa: F401
    except ImportError:
        have_plot = False
    for size in ((100, 30), (200, 60)):
        b_ms, b_kib = asyncio.run(bench_chart("braille", size, keys // 2))
        line = f"  {size[0]}x{size[1]}  braille PayoffChart {b_ms:6.2f} ms {b_kib:5.1f} KiB"
        if have_plot:
            p_ms, p_kib = asyncio.run(bench_chart("plot", size, keys // 2))
            line += f"   textual-plot {p_ms:6.2f} ms {p_kib:5.1f} KiB   ({p_ms / b_ms:.1f}x / {p_kib / b_kib:.1f}x)"
        print(line)


if __name__ == "__main__":
    main()
