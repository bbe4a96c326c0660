"""The alvh-tui app: one immutable Plan, one Valuation, four panes that render from it.

State lives here: ``plan`` (immutable; an edit replaces it and pushes the old one on
the undo stack), the active ``scenario`` and payoff horizon, and the file the plan came
from. Every change calls :meth:`AlvhApp.reprice`, which runs ``value_plan`` once
(about a millisecond, so synchronously on the event loop) and hands the one
Valuation to every pane; the panes never compute figures of their own.

Start-up paints first and prices right after: ``alvh-tui`` defers numpy (tui.lazy_numpy),
the first frame shows the plan's own text in the final layout, and the first reprice
(which loads numpy and the valuation) runs once that frame is out.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import sys
import threading
import time
from collections import deque
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from . import lazy_numpy
from .core.black76 import load_scipy_ndtr
from .core.plan import Plan, resolve_expiry
from .core.plan_io import PlanError, load_plan, load_plan_stamped, plan_problems
from .core.safe_files import MISSING, FileStamp, cause_of, path_kind
from .core.safe_text import printable
from .core.scenario_inputs import CUSTOM, ScenarioInputError, stepped_scenario
from .core.scenarios import NO_SCENARIO, Scenario
from .journaling import PlanJournal, install_signal_handlers, lookup, offer_at_open, write_pidfile
from .plan_files import PlanFiles
from .resources import default_plan_path
from .themes import DEFAULT_THEME, config_dir, load_themes, read_settings, write_settings
from .widgets.curve_pane import CurvePane
from .widgets.keys_footer import KeysFooter
from .widgets.layer_editor import LayerEditor
from .widgets.payoff_chart import PayoffChart
from .widgets.scenario_panel import ScenarioPanel
from .widgets.util import printable_lines, set_border_title

if TYPE_CHECKING:
    from textual.timer import Timer

    from .core.valuation import Valuation
    from .screens.views import ValuationView


def _view_class() -> type[ValuationView]:
    """The detail views' base class (imported on first use: the views are off the start-up path)."""
    from .screens.views import ValuationView as view

    return view


MIN_WIDTH = 60
MIN_HEIGHT = 18
HORIZONS = ("scenario", "near")


def breakpoint_classes(width: int, height: int) -> dict[str, bool]:
    """The screen classes of AlvhApp's breakpoints at this size (as Textual sets them)."""
    classes = {name: False for _, name in AlvhApp.HORIZONTAL_BREAKPOINTS + AlvhApp.VERTICAL_BREAKPOINTS}
    for size, breakpoints in ((width, AlvhApp.HORIZONTAL_BREAKPOINTS), (height, AlvhApp.VERTICAL_BREAKPOINTS)):
        classes[max((b for b in breakpoints if b[0] <= size), default=breakpoints[0])[1]] = True
    return classes


class MainScreen(Screen):
    """The app's first screen. Its widgets are styled as they mount, before the first frame;
    Textual styles every one of them again at the screen's first ScreenResume, which changes
    nothing (the breakpoint and theme classes are set before compose) and cost about 15 ms
    of start-up. Later resumes (a modal closed) restyle as usual."""

    _resumed = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:  # (runs before Screen's own handler)
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False


class AlvhApp(PlanFiles):
    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "alvh-tui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (150, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("S", "save_as", "Save as", show=False),
        Binding("ctrl+o,o", "open", "Open", show=False),
        Binding("ctrl+z,u", "undo", "Undo", key_display="u"),
        Binding("ctrl+y,U", "redo", "Redo", show=False),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("h", "horizon", "Horizon", show=False),
        Binding("e", "toggle_exposure", "Lines", show=False),
        Binding("left_square_bracket", "vix_step(-5)", "VIX -5", show=False),
        Binding("right_square_bracket", "vix_step(5)", "VIX +5", show=False),
        Binding("0", "reset_scenario", "No shock", show=False),
        Binding("less_than_sign,comma", "scenario_step(-1)", "Prev scenario", show=False),
        Binding("greater_than_sign,full_stop", "scenario_step(1)", "Next scenario", show=False),
        Binding("i", "scenario_info", "Scenario notes", show=False),
        Binding("v", "risk_view", "VaR"),
        Binding("r", "roll_view", "Rolls"),
        Binding("s", "smile_view", "Smile", show=False),
        Binding("b", "backtest_view", "History", show=False),
        Binding("t", "next_theme", "Theme", show=False),
        Binding("1", "focus_pane('layers')", show=False),
        Binding("2", "focus_pane('scenarios')", show=False),
        Binding("3", "focus_pane('payoff')", show=False),
        Binding("4", "focus_pane('inputs')", show=False),
    ]

    def __init__(
        self,
        plan: Plan,
        path: Path | None = None,
        *,
        is_new: bool = False,
        startup_problems: tuple[str, list[str]] | None = None,
        config_folder: Path | None = None,
        theme_folders: list[Path] | None = None,
        stamp: FileStamp | None = None,
        recovery=None,
        needs_fix: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.saved_plan = plan
        self.path = path
        self.is_new = is_new
        # what the file was when opened (save_plan refuses to overwrite a changed one)
        self.stamp: FileStamp | None = stamp if stamp is not None else (MISSING if is_new else None)
        self.read_only = False  # opened read-only: the plan is open in another session
        self.undo_stack: list[tuple[Plan, str]] = []
        # this session's lock on the plan and its unsaved edits, in the state folder (tui.journaling)
        self.journal = PlanJournal(
            self._unsaved,
            path,
            schedule=lambda delay, callback: self.set_timer(delay, callback, name="journal"),
            warn=lambda message: self.notify(message, title="Journal", severity="warning", timeout=10, markup=False),
            plan=lambda: self.plan,  # (touch, on every reprice, needs only the plan)
        )
        self._recovery = recovery
        self.signals_received = 0
        self._signal_watchdog: threading.Timer | None = None
        self._uninstall_signals = lambda: None
        self.scenario: Scenario = NO_SCENARIO
        self.horizon = "scenario"
        self.redo_stack: list[tuple[Plan, str]] = []
        self.valuation: Valuation | None = None
        self.calibration = None  # the last chain fit (tui.core.calibrate.Calibration), for the s view
        self.calibration_busy = ""
        self.chain_path: Path | None = None
        self.last_reprice_ms = 0.0
        self.config_folder = config_folder or config_dir()
        self._startup_problems = startup_problems
        # Started before numpy loaded (a real start, see tui.lazy_numpy): the first frame
        # shows the plan's own text and the figures come right after it. In a process that
        # has numpy already (tests), pricing happens on mount, before the first frame.
        self.price_after_first_frame = not lazy_numpy.is_loaded()
        self._pricing_pending = False  # composed, not priced yet
        self._key_in_flight: events.Key | events.Paste | None = None  # handed to the widgets, not done (see on_event)
        self._key_target: Widget | None = None
        self._key_timer: Timer | None = None
        self._keys_held: deque[events.Key | events.Paste] = deque()  # (a paste keeps its place among the keys)
        self._key_settling = False
        self._key_release: asyncio.Task | None = None
        self._focus_before_small: Widget | None = None  # the focused widget when the terminal became too small
        # A plan opened although `check` rejects it for a reason the app can fix (weights
        # summing to 1.1): its problems, until an edit fixes them; saving is refused meanwhile.
        self.needs_fix: list[str] = list(needs_fix or [])
        self._file_problems = list(self.needs_fix)  # as the file was read (with its line numbers)
        loaded = load_themes(theme_folders)
        self.theme_problems = loaded.problems
        self.file_theme_names = [t.name for t in loaded.themes]
        for theme in loaded.themes:
            self.register_theme(theme)
        wanted = read_settings(self.config_folder).get("theme")
        if wanted in self.available_themes:
            self._start_theme(wanted)
        elif DEFAULT_THEME in self.available_themes:
            self._start_theme(DEFAULT_THEME)

    def _start_theme(self, name: str) -> None:
        """The theme to start with, set as App._watch_theme sets it (classes, colour filter,
        CSS variables) but without its re-parse of every style sheet (25-45 ms of start-up):
        nothing is parsed yet, and the first parse reads these variables."""
        self.set_reactive(App.theme, name)
        dark = self.current_theme.dark
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        self.update_classes(classes | {f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark}, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())

    # -- layout ---------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # The screen's breakpoint classes (-wide, -tall...) before the panes are styled,
        # not at its first Resize (after the first frame): the first frame is laid out as
        # it stays, and styled once.
        self.screen.update_classes(breakpoint_classes(self.size.width, self.size.height), update=False)
        with Container(id="main"):
            yield LayerEditor(id="layers")
            with Container(id="lower"):
                yield CurvePane(id="curve")
                yield PayoffChart(id="payoff")
                yield ScenarioPanel(id="scenarios")
        yield Static(id="too-small")
        yield KeysFooter()

    def get_default_screen(self) -> Screen:
        return MainScreen(id="_default")

    @property
    def editor(self) -> LayerEditor:
        return self.query_one(LayerEditor)

    @property
    def main_screen(self) -> Screen:
        return self.screen_stack[0]

    def on_mount(self) -> None:
        if self.price_after_first_frame:
            self._pricing_pending = True
            self.editor.preview(self.plan)
            self.query_one(CurvePane).preview(self.plan.market)
            self._update_chrome()  # (priced once the first frame is out: see on_ready)
        else:
            self.reprice()
        self.main_screen.set_focus(self.editor.table)
        self._check_size(self.size.width, self.size.height)
        if self.theme_problems:
            self.notify(
                "Some theme files were skipped:\n" + "\n".join(self.theme_problems),
                title="Themes",
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self._startup_problems is not None:
            title, messages = self._startup_problems
            self.show_problems(title, messages, "Showing the sample plan; your file is untouched.")
        if self.needs_fix:
            self._show_needs_fix(self._file_problems)
        self._uninstall_signals = install_signal_handlers(self)
        if self.journal.lock_error:
            self.notify(self.journal.lock_error, title="Journal", severity="warning", timeout=10, markup=False)
        if self._recovery:
            offer_at_open(self, self._recovery, self.path)

    def on_ready(self) -> None:
        """After the first frame: what start-up does not need."""
        if self._pricing_pending:
            self.call_later(self._price_pending)
        else:
            self._after_start()

    _started = False

    def _after_start(self) -> None:
        if self._started:
            return
        self._started = True
        self.editor.add_edit_row()
        # Everything built so far lives as long as the app: keep it out of the full
        # collections that otherwise land on a keystroke now and then (50-80 ms each).
        gc.freeze()
        gc.enable()  # (off since start-up: tui.__main__.fast_start)
        threading.Thread(target=_warm_up, name="alvh-warm-up", daemon=True).start()

    def _price_pending(self) -> None:
        """Price right after the first frame (numpy loads now: see tui.lazy_numpy), unless a
        key or the mouse priced first (see on_event); the after-start follows either way."""
        if self._pricing_pending:
            self.reprice()
        self.call_after_refresh(self._after_start)

    async def on_event(self, event: events.Event) -> None:
        # A key (or click) that comes before the first figures: price first, then the
        # key applies to the priced plan, as it would have a moment later (none is lost).
        if self._pricing_pending and isinstance(event, events.InputEvent):
            self.reprice()
        if not isinstance(event, (events.Key, events.Paste)):
            await super().on_event(event)
        elif event.is_forwarded:  # back from the widgets: its bindings run now
            await super().on_event(event)
            self._key_done(event)
        elif self._key_in_flight is not None and event is not self._key_in_flight:
            self._keys_held.append(event)  # after the key in flight (see _key_done)
            if self._key_timer is None and not self._key_settling:
                # whatever becomes of the key in flight, the held ones go on within half a second
                self._key_timer = self.set_timer(0.5, partial(self._key_done, self._key_in_flight), name="key in flight")
        elif isinstance(event, events.Key) and self._too_small_for(event):
            self._key_done(event)  # (a held key: the next one goes on)
        else:
            self._dispatch_key(event)
            await super().on_event(event)
            self._key_sent(event)

    def _too_small_for(self, event: events.Key) -> bool:
        """While the terminal is too small the panes are hidden: a key there would change the
        plan or the shock unseen (] applied a shock). They do nothing; quitting (as the screen
        says) and saving still work."""
        screen = self.main_screen
        return self.screen is screen and screen.has_class("-too-small") and event.key not in ("q", "ctrl+q", "ctrl+s")

    # -- keys one at a time ---------------------------------------------------
    # Textual hands a key to the focused widget's queue and goes straight on to the next;
    # the key's bindings (a pane's, an Input's enter) run when it bubbles back to the App,
    # behind the keys that came with it. Keys that arrive together (typed fast, pasted as
    # keys, or delivered in one packet by an SSH link) were each handed to the focus of
    # before the one ahead had moved it: "enter 40 enter" opened the editor and typed 40
    # into the table. Here a key is handed on only once the one before it is done: taken
    # by a priority binding, typed into the widget, or back here with its bindings run.

    def _dispatch_key(self, event: events.Key | events.Paste) -> None:
        self._key_in_flight = event
        self._key_target = self.focused or self.screen

    def _key_sent(self, event: events.Key | events.Paste) -> None:
        if not event.is_forwarded:  # a priority binding took it
            self._key_done(event)
            return
        target = self._key_target
        if target is not None and not isinstance(target, Screen):
            target.call_later(self._key_reached, event)  # (runs once the target has handled it)

    def _key_reached(self, event: events.Key | events.Paste) -> None:
        # stopped by the widget it was given to (a character typed into an Input): done; not
        # stopped, it bubbles back to the App (on_event) and is done there (textual 8.2.8:
        # Message._stop_propagation)
        if event._stop_propagation:
            self._key_done(event)

    def _key_done(self, event: events.Key | events.Paste) -> None:
        if event is not self._key_in_flight or self._key_settling:
            return
        if self._key_timer is not None:
            self._key_timer.stop()
            self._key_timer = None
        if not self._keys_held:
            self._key_in_flight = None
            return
        self._key_settling = True  # (the key stays in flight: keys arriving now are held)
        # (kept: the event loop holds only a weak reference to a task)
        self._key_release = asyncio.get_running_loop().create_task(self._release_held_key())

    async def _release_held_key(self) -> None:
        """Hand on the next held key once what the last one set off has run: its binding may
        have posted a message (a table's Selected, an Input's Submitted) that a pane acts on,
        moving the focus. Each pass through the widgets from the key's target up to the
        screen lets such a message move one widget further up; bounded, in case a handler
        waits on the App."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 0.25
        try:
            start = self._key_target
            if start is None or not start.is_attached or start.screen is not self.screen:
                # the key opened or closed a screen: wait on the one shown now (its mount,
                # its focus), not on a closed one's widgets (they never run the callbacks)
                start = self.focused or self.screen
            chain: list[Widget] = []
            for node in (start, *start.ancestors):
                if not isinstance(node, Widget) or not node.is_running:
                    break
                chain.append(node)
                if isinstance(node, Screen):
                    break
            for _ in range(3):
                for node in chain:
                    done = loop.create_future()
                    node.call_later(lambda done=done: done.done() or done.set_result(None))
                    await asyncio.wait_for(done, max(0.0, deadline - loop.time()))
        except asyncio.CancelledError:  # (the app is closing)
            self._key_settling = False
            self._key_in_flight = None
            raise
        except Exception:  # (a timeout, a widget gone meanwhile: the wait is best effort, keys must go on)
            pass
        self._key_settling = False
        following = self._keys_held.popleft() if self._keys_held else None
        self._key_in_flight = following  # (reserved: keys arriving meanwhile queue behind it)
        if following is not None:
            self.post_message(following)
            if self._keys_held:  # (more behind it: they too go on within half a second)
                self._key_timer = self.set_timer(0.5, partial(self._key_done, following), name="key in flight")

    def on_unmount(self) -> None:
        gc.unfreeze()  # (an app made again in the same process, as tests do, starts clean)
        self.journal.flush()  # whatever ends the app, unsaved edits are journaled
        self.journal.release()
        if self.is_headless:  # under test: hand the process its signal handlers back now
            self._uninstall_signals()
        # (a real run keeps them, and the exit watchdog, until run() returns: see run_app)

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        screen = self.main_screen
        was_small = screen.has_class("-too-small")
        if small and not was_small:
            # Hiding the panes blurs the focused one: remember it, to give focus back after.
            self._focus_before_small = screen.focused
        screen.set_class(small, "-too-small")
        if was_small and not small:
            target = self._focus_before_small
            if target is None or not target.is_attached:
                target = self.editor.table
            # (after the refresh: a widget that is still hidden cannot take focus)
            self.call_after_refresh(target.focus)
        if small:
            self.query_one("#too-small", Static).update(
                f"terminal too small: need at least {MIN_WIDTH}x{MIN_HEIGHT}, have {width}x{height}\n\n"
                "enlarge the window (q quits)"
            )

    # -- pricing --------------------------------------------------------------
    def horizon_days(self) -> tuple[int | None, str]:
        """(horizon for value_plan, label) for the payoff chart."""
        if self.horizon == "near" and self.plan.layers:
            market = self.plan.market
            days = min(market.dte(resolve_expiry(layer.expiry, market)) for layer in self.plan.layers)
            return days, f"near expiry (+{days}d)"
        d = self.scenario.days_forward
        return None, "today" if d == 0 else f"+{d}d"

    def reprice(self) -> Valuation:
        """Value the plan once and hand the valuation to every pane."""
        from .core.valuation import default_scenarios, value_plan  # (the first call imports it: after the first frame)

        start = time.perf_counter()
        horizon, label = self.horizon_days()
        # The whole set: the VaR stress, the episode library and the presets (+ a typed shock).
        scenarios = None if self.scenario.name != CUSTOM else (self.scenario,) + default_scenarios(mode=self.plan.scenarios.replay)
        valuation = value_plan(self.plan, self.scenario, horizon_days=horizon, scenarios=scenarios)
        self.valuation = valuation
        self._pricing_pending = False
        self.editor.show(valuation)
        self.query_one(CurvePane).show(valuation)
        self.query_one(PayoffChart).show(valuation, label)
        self.query_one(ScenarioPanel).show(valuation)
        for screen in self.screen_stack[1:]:  # an open VaR/sizing or roll view follows too
            if isinstance(screen, _view_class()):
                screen.show(valuation)
        if self.needs_fix:  # a draft: is it fixed now?
            self.needs_fix = plan_problems(self.plan, self.path.name if self.path else "plan")
        self._update_chrome()
        self.journal.touch()
        self.last_reprice_ms = (time.perf_counter() - start) * 1000.0
        return valuation

    def say(self, message: str, error: bool = False) -> None:
        self.editor.say(message, error=error)

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None, markup: bool = True) -> None:
        """A literal notification (``markup=False``, how the app sends them) never carries a raw
        control character: file names can hold ESC, BEL or OSC 52 (write the clipboard)."""
        if not markup:
            message, title = printable_lines(message, 2000), printable(title, 200)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _update_chrome(self) -> None:
        file = self.path.name if self.path else "untitled"
        dirty = self.dirty  # (a whole-plan comparison)
        state = " (new)" if self.is_new and not dirty else ""
        mark = " ● modified" if dirty else ""
        if self.needs_fix:
            mark += " ● needs a fix"
        mode = " · read-only" if self.read_only else ""
        title = f"Layers · {file}{state}{mark}{mode} · {self.plan.name}"
        set_border_title(self.editor, title)
        # (No App.sub_title: it is an App reactive, and setting it repaints the whole screen.)

    def apply_plan(self, plan: Plan, label: str, cursor: tuple[int, int] | None = None) -> bool:
        """Make ``plan`` current (undoable) and reprice; on failure nothing changes."""
        old = self.plan
        self.plan = plan
        try:
            self.reprice()
        except Exception as error:  # a plan the core cannot price: refuse it, keep the old one
            self.plan = old
            self.reprice()
            self.editor.say(f"refused: {error}", error=True)
            return False
        self.undo_stack.append((old, label))
        self.redo_stack.clear()
        if cursor is not None:
            self.editor.move_to(*cursor)
        return True

    @on(LayerEditor.PlanEdited)
    def _plan_edited(self, message: LayerEditor.PlanEdited) -> None:
        message.stop()
        if message.base != self.plan:
            self.editor.say("that edit was made on an older plan and was dropped", error=True)
            return
        self.apply_plan(message.plan, message.label, message.cursor)

    @on(ScenarioPanel.Chosen)
    def _scenario_chosen(self, message: ScenarioPanel.Chosen) -> None:
        message.stop()
        self.set_scenario(message.scenario)

    @on(ScenarioPanel.InfoRequested)
    def _scenario_info(self, message: ScenarioPanel.InfoRequested) -> None:
        message.stop()
        from .screens.scenario_info import ScenarioInfoScreen

        self.push_screen(ScenarioInfoScreen(message.valuation, message.index))

    def set_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.reprice()

    # -- undo -------------------------------------------------------------------
    def action_undo(self) -> None:
        if not self.undo_stack:
            self.editor.say("nothing to undo")
            return
        plan, label = self.undo_stack.pop()
        self.redo_stack.append((self.plan, label))
        self.plan = plan
        self.reprice()
        self.editor.say(f"undone: {label}")

    def action_redo(self) -> None:
        if not self.redo_stack:
            self.editor.say("nothing to redo")
            return
        plan, label = self.redo_stack.pop()
        self.undo_stack.append((self.plan, label))
        self.plan = plan
        self.reprice()
        self.editor.say(f"redone: {label}")

    # -- view ---------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_horizon(self) -> None:
        self.horizon = HORIZONS[(HORIZONS.index(self.horizon) + 1) % len(HORIZONS)]
        self.reprice()

    def action_toggle_exposure(self) -> None:
        self.query_one(PayoffChart).toggle_hedge_only()

    def action_vix_step(self, points: float) -> None:
        try:
            scenario = stepped_scenario(self.scenario, self.plan.market.vix_spot, points)
        except ScenarioInputError as error:
            self.editor.say(error.reason, error=True)
            return
        self.set_scenario(scenario)

    def action_reset_scenario(self) -> None:
        self.set_scenario(NO_SCENARIO)

    def action_scenario_step(self, direction: int) -> None:
        scenario = self.query_one(ScenarioPanel).step(direction)
        if scenario is not None:
            self.set_scenario(scenario)

    def action_scenario_info(self) -> None:
        self.query_one(ScenarioPanel).action_info()

    def action_risk_view(self) -> None:
        from .screens.views import RiskScreen

        self._open_view(RiskScreen)

    def action_roll_view(self) -> None:
        from .screens.views import RollScreen

        self._open_view(RollScreen)

    def action_smile_view(self) -> None:
        from .screens.smile import SmileScreen

        self._open_view(SmileScreen)

    def action_backtest_view(self) -> None:
        from .screens.history_view import BacktestScreen  # the backtest loads pandas: on first use

        self._open_view(BacktestScreen)

    def _open_view(self, kind: type) -> None:
        """Open (or switch to) one of the detail views; the main screen stays underneath."""
        if isinstance(self.screen, kind) or self.valuation is None:
            return
        if isinstance(self.screen, _view_class()):
            self.pop_screen()
        if self.screen is self.main_screen:
            self.push_screen(kind(self.valuation))

    def action_focus_pane(self, which: str) -> None:
        target = {
            "layers": "#layer-table",
            "scenarios": "#scenario-table",
            "payoff": "#payoff",
            "inputs": "#scenario-shift",
        }[which]
        self.query_one(target).focus()

    def action_next_theme(self) -> None:
        names = self.file_theme_names or sorted(self.available_themes)
        i = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(i + 1) % len(names)]

    def _theme_changed(self, theme) -> None:
        try:
            settings = read_settings(self.config_folder)
            settings["theme"] = theme.name
            write_settings(settings, self.config_folder)
        except OSError as error:
            self.notify(f"Could not remember the theme: {error}", severity="warning", markup=False)
        self.notify(f"Theme: {theme.name}", timeout=2, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if screen is self.main_screen:
            from .commands import app_commands  # (the palette's entries: only when it opens)

            yield from app_commands(self)


def _warm_up() -> None:
    """Load scipy's normal CDF off the event loop (see black76.load_scipy_ndtr)."""
    try:
        load_scipy_ndtr()
    except Exception:  # (the libm path stays in use: slower, never wrong)
        return
    gc.freeze()  # scipy's modules, too, live as long as the process


def make_app(plan_path: Path | None = None, *, config_folder: Path | None = None, theme_folders: list[Path] | None = None) -> AlvhApp:
    """The app for ``alvh-tui [PLAN.toml]`` (shared by the CLI, tests and benchmarks).

    No path: the bundled sample, untitled (saving asks where). A path that does not
    exist: the sample as a new plan that will be saved there. A path that cannot be
    used: the sample, untitled, with the file's problems on screen (the file is never
    overwritten by accident).
    """
    sample = load_plan(default_plan_path())
    app = partial(AlvhApp, config_folder=config_folder, theme_folders=theme_folders)
    if plan_path is None:
        return app(sample, None, recovery=lookup(None))
    path = Path(plan_path)
    try:
        path = path.expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        kind = path_kind(path)
        if kind == "loop":
            raise OSError(errno.ELOOP, "the path is a loop of symbolic links")
        if kind in ("missing", "dangling"):
            return app(sample, path, is_new=True, recovery=lookup(path))
    except (OSError, ValueError, RuntimeError) as error:  # a name too long, a folder one may not enter, a NUL, ~nobody
        cause = cause_of(error) if isinstance(error, OSError) else str(error)
        return app(sample, None, startup_problems=(f"Cannot open {path}", [f"{path}: {cause}"]))
    try:
        plan, stamp = load_plan_stamped(path)
    except PlanError as error:
        if error.draft is not None:  # fixable in the app: open it, marked, problems listed
            return app(error.draft, path, stamp=error.stamp, recovery=lookup(path), needs_fix=error.messages)
        return app(sample, None, startup_problems=(f"Cannot open {path}", error.messages))
    return app(plan, path, stamp=stamp, recovery=lookup(path))


def run_app(plan_path: Path | None = None, mouse: bool = True) -> int:
    app = make_app(plan_path)
    write_pidfile()
    try:
        result = app.run(mouse=mouse)
    finally:
        app._uninstall_signals()  # the exit completed: no watchdog needed
        app.journal.flush()  # a crash or a signal: whatever is unsaved is in the journal
        app.journal.release()
    if app.return_code:  # an uncaught exception (Textual printed it): never exit 0
        if app.dirty:
            journal = printable(str(app.journal.file))
            print(f"alvh-tui: your unsaved edits are in the recovery journal {journal}; open the plan again to recover them", file=sys.stderr)
        return app.return_code
    return 0 if result is None else int(result)
