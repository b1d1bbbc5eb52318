"""rnnplay's app: forwards what the user asks to the playground core and shows what it reports.

Reports come up from the core's threads as EngineReport messages and go to tui/reports.py, which
hands each to what shows it; keys and palette entries come from one table (tui/commands.py) and
become calls on the core (engine.playground). The app holds no run logic of its own: what runs
exist, which one is selected, what state each is in and what it allows, all come from the core.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.screen import Screen

from engine.playground import Decoding, RunSummary
from engine.playground.events import (
    BatchEnd,
    Completion,
    Event,
    RunAdded,
    RunRemoved,
    RunState,
    Saved,
    StatusChanged,
    TargetChanged,
)
from tui import commands
from tui.commands import When
from tui.key_order import KeyOrder
from tui.main_screen import MainScreen
from tui.messages import EngineReport, while_running
from tui.missing_corpus import missing_corpus
from tui.quitting import Quitting
from tui.removing import Removing
from tui.reports import Reports
from tui.screens.help import HelpScreen
from tui.sessions import Sessions
from tui.training import Training
from tui.widgets.curves import CurvesPlot
from tui.widgets.inside import InsidePane
from tui.widgets.runs_table import RunsTable

if TYPE_CHECKING:
    from engine.playground import Playground

# How often the plot and the runs table catch up with the reports. Each plot redraw is ~12 ms of
# Python holding the GIL that the trainer thread also needs: twice a second keeps the curve
# moving visibly and costs training half as much as at four (bench/RESULTS.md).
PLOT_REFRESH_S = 0.5
VIEWS_AFTER_KEY_S = 0.02  # a refresh that met a keystroke's completions on their way tries again
# Objects allocated, less those freed, between two collections of the young generation (Python's
# default: 700). At the default the frames' caches made a young collection 5 times a second and a
# full one every ~25 s, 20-45 ms of the UI thread each and growing with the samples kept; at this
# a young one every ~15 s (5-11 ms) and no full one in minutes (bench/RESULTS.md). A frame's
# short-lived objects die by reference count alone; only cycles wait the longer for a collection.
GC_YOUNG_OBJECTS = 20_000
# The first frame gets this long to be drawn before torch loads: the app's after-refresh
# callbacks do not wait for the widgets' own repaints.
STARTING_SHOWN_S = 0.05
# Reports that are rare and worth seeing in the runs table at once; epochs wait for the refresh.
_AT_ONCE = (StatusChanged, RunAdded, RunRemoved, TargetChanged, Saved)


@dataclass
class AppOptions:
    train: bool = False  # start training at launch (with `load`: train the session on)
    setup: dict[str, str] = field(default_factory=dict)  # setup-form text by field name
    prompt: str = ""
    handle_signals: bool = False  # the real launcher: SIGTERM/SIGHUP save and quit
    load: str | None = None  # a session file to open at launch
    threads: int | None = None  # torch threads for a loaded session's trainer (None: saved)
    # What the launcher does once torch has loaded, behind the first frame (its lazy imports)
    warm_up: Callable[[], None] | None = None


class RnnplayApp(App[int]):
    TITLE = "rnnplay"
    BINDINGS = commands.bindings()

    def __init__(self, options: AppOptions | None = None) -> None:
        super().__init__()
        self.options = options or AppOptions()
        # The core (and torch, ~1 s to import) comes up once the first frame is drawn: see
        # _start_engine. Keys and pastes that come sooner wait for it here, in order; later ones
        # go on one at a time (tui/key_order.py).
        self.playground: Playground
        self.keys = KeyOrder(self, self._hand_on)
        self.quitting = Quitting(self, self.action_save_as, real=self.options.handle_signals)
        self.removing = Removing(self)
        self._runs_dirty = False  # the runs table is behind the reports

    @property
    def exit_notes(self) -> list[str]:
        """What the launcher prints once the terminal is back (where the autosave went)."""
        return self.quitting.notes

    def get_default_screen(self) -> Screen:
        # Textual may ask more than once (the snapshot harness does): one screen, one view.
        if not hasattr(self, "main"):
            # The devices are torch's to say: the form offers the CPU until the core is up.
            self.main = MainScreen([], self.options.setup, self._complete, self.size)
        return self.main

    def on_mount(self) -> None:
        if self.is_headless:
            # No one watches a headless app's first frame (App.run_test, Pilot): the core is up
            # before the test's first line, as the tests expect. A real terminal's start-up is
            # tested in tmux (tests/tui/test_tui_tmux.py).
            self._start_engine()
            self.call_after_refresh(self._start_up)
        else:  # the first frame says the engine is starting (MainScreen.on_mount)
            self.call_after_refresh(self._first_frame_out)

    def _first_frame_out(self) -> None:
        """Start the core once the first frame is drawn (the screen holds still while torch
        loads)."""
        self.set_timer(STARTING_SHOWN_S, self._start_up)

    async def on_event(self, event: events.Event) -> None:
        # F5 needs the core and typing completes on it: before it is up they are held, not
        # lost, and handed on once it is (_engine_up). A key coming back up from the focused
        # widget is forwarded: that one is Textual's to finish (its bindings).
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            await self.keys.take(event)
            return
        await super().on_event(event)

    async def _hand_on(self, event: events.Key | events.Paste) -> None:
        """A key or paste on to Textual's handling, in the order typed (tui/key_order.py)."""
        if self.screen is not self.main and isinstance(event, events.Key):
            self.main.escaped = event.key == "escape"  # back to the prompt once it closes
        await super().on_event(event)

    def _start_engine(self) -> None:
        """The core, on the app's thread once the first frame is out (the screen holds still
        meanwhile, ~1 s: torch loads)."""
        from engine.playground import Playground, available_devices

        if self.options.warm_up is not None:
            self.options.warm_up()
        self.playground = Playground(self._report, threads=self.options.threads)
        self.training = Training(self)
        self.sessions = Sessions(self)
        self.reports = Reports(self.main, self.playground)
        self._devices = available_devices()

    def _engine_up(self) -> None:
        """On the mounted screen: the machine's devices, the status line, the held keys."""
        self.main.setup.set_devices(self._devices)
        self.main.status.set_state(RunState.IDLE)
        self.keys.open()  # after _start_up has focused the prompt: text goes there

    def _start_up(self) -> None:
        """Once the main screen is drawn: the core, threads, timers, focus, `--load`, `--train`."""
        if not hasattr(self, "playground"):
            self._start_engine()
        self._engine_up()
        # torch, Textual and the mounted screen are hundreds of thousands of objects that live as
        # long as the app: a full garbage collection walked them all, 150-230 ms with the
        # screen frozen (bench/RESULTS.md). Frozen, they are left out of every collection.
        gc.freeze()
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(GC_YOUNG_OBJECTS)
        self.playground.start()
        self.set_interval(PLOT_REFRESH_S, self._refresh_views, name="views-refresh")
        prompt = self.main.prompt
        # A run starts on its own thread at once, even before this: a refusal that already
        # focused the setup field at fault keeps it (seen when F5 came before start-up ended).
        if not self.main.setup.has_focus_within:
            prompt.focus()
        if self.options.prompt:
            prompt.insert(self.options.prompt)
        if self.options.handle_signals:
            self.quitting.handle_signals()
        self.main.check_size(*self.size)
        if self.options.load:
            epochs = self.options.setup.get("epochs")
            train_to = int(epochs) if self.options.train and epochs else None
            self.playground.load(self.options.load, train=self.options.train, epochs=train_to)
        elif self.options.train:
            self.action_new_run()
        else:
            missing = missing_corpus(self.main.setup.value("corpus"))
            if missing is not None:
                self.main.show_missing_corpus(missing)

    # -- what the core says -------------------------------------------------------------------
    def _summary(self, run_id: int | None) -> RunSummary | None:
        return self.playground.summary(run_id) if run_id is not None else None

    @property
    def state(self) -> str:
        """The selected run's state as the core has it ("idle" before any run)."""
        selected = self._summary(self.playground.selected)
        return selected.state if selected is not None else RunState.IDLE

    def _applies(self) -> set[When]:
        core = self.playground
        selected = self._summary(core.selected)
        # The training commands act on the selected run: it is "the training run" when active.
        training = selected if selected is not None and selected.state.active else None
        return commands.applies(training, selected, bool(core.summaries()))

    def _report(self, run_id: int | None, event: Event) -> None:
        self.post_message(EngineReport(run_id, event))

    def _refresh_views(self) -> None:
        """A few times a second: the plot and the runs table catch up with the reports."""
        if not self.main.query(CurvesPlot):
            return  # the app is closing: its panes are gone already
        if self.main.prompt.awaiting_completion:
            # A keystroke's completions are on their way: the plot's picture (~20 ms of Python
            # on its worker, beside the prompt thread's hundreds of torch calls, each a hand-over
            # of the GIL) and the table wait until they are drawn.
            self.set_timer(VIEWS_AFTER_KEY_S, self._refresh_views, name="views-after-key")
            return
        self.main.plot.flush()
        if self._runs_dirty:
            self._show_runs()
        self.main.runs.keep_in_view()

    def _show_runs(self) -> None:
        self._runs_dirty = False
        self.main.show_runs(self.playground.summaries(), self.playground.selected)

    @while_running
    def on_engine_report(self, message: EngineReport) -> None:
        run_id, event = message.run_id, message.event
        self.reports.show(run_id, event)
        self._runs_dirty = self._runs_dirty or not isinstance(event, BatchEnd | Completion)
        if isinstance(event, _AT_ONCE):
            self._show_runs()
        self.training.show_pausing(run_id)

    # -- training (F5-F8) ----------------------------------------------------------------------
    def action_new_run(self) -> None:
        self.training.new_run()

    def action_pause_resume(self) -> None:
        self.training.pause_resume()

    def action_pause(self) -> None:
        if When.RUNNING in self._applies():
            self.training.pause_resume()

    def action_resume(self) -> None:
        if When.PAUSED in self._applies():
            self.training.pause_resume()

    def action_train_on(self) -> None:
        self.training.train_on()

    def action_stop(self) -> None:
        self.training.stop()

    def action_change_lr(self) -> None:
        self.training.change_lr()

    # -- the prompt and the views -------------------------------------------------------------
    def _complete(self, text: str, length: int, decoding: Decoding) -> None:
        """What the prompt shows: the completion, and the views inside the model when open."""
        inside = self.main.inside
        inside.set_warmup(decoding.warmup)  # the layout view says which start the prompt uses
        from engine.playground import Views  # loaded with the core (see _start_engine)

        views = Views(inside.state, inside.ranking, (inside.view,)) if (
            self.main.wants_views) else None  # fmt: skip
        self.playground.complete(text, length, decoding, views)

    def _complete_again(self) -> None:
        prompt = self.main.prompt
        self._complete(prompt.text, prompt.length, prompt.decoding)

    def action_inside(self) -> None:
        self.main.toggle_inside()
        self._complete_again()

    def on_inside_pane_views_changed(self, message: InsidePane.ViewsChanged) -> None:
        self._complete_again()

    def on_inside_pane_layout_asked(self, message: InsidePane.LayoutAsked) -> None:
        if not self.main.query(InsidePane):
            return  # asked by the pane's timer as the app closes: the pane is gone already
        self.main.inside.show_layout(self.playground.batch_layout(message.batch, message.cells))

    def action_toggle_plot(self) -> None:
        self.main.plot.toggle_view()

    # The plot's controls act wherever focus is (tui/commands.py binds them on the app).
    def action_plot_zoom(self) -> None:
        self.main.plot.action_zoom()

    def action_plot_smoothing(self) -> None:
        self.main.plot.next_smoothing()

    def action_plot_scale(self) -> None:
        self.main.plot.toggle_scale()

    def action_plot_x_axis(self) -> None:
        self.main.plot.next_x_axis()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_focus_prompt(self) -> None:
        self.main.hide_setup()
        self.main.prompt.focus()

    def action_toggle_setup(self) -> None:
        self.main.toggle_setup()

    # -- runs ---------------------------------------------------------------------------------
    def action_clear_runs(self) -> None:
        self.removing.clear()

    def on_runs_table_remove_asked(self, message: RunsTable.RemoveAsked) -> None:
        self.removing.remove(message.run_id)

    def on_runs_table_chosen(self, message: RunsTable.Chosen) -> None:
        if self.playground.select(message.run_id):
            self.main.follow(self._summary(message.run_id))
            self._show_runs()
            label = self.reports.label(message.run_id)
            self.notify(f"the status line, the prompt and save now follow {label}", markup=False)

    def on_runs_table_mark_asked(self, message: RunsTable.MarkAsked) -> None:
        summary = self._summary(message.run_id)
        if summary is not None and self.playground.mark(message.run_id, not summary.marked):
            self._show_runs()

    def on_runs_table_toggle_shown(self, message: RunsTable.ToggleShown) -> None:
        if self.main.plot.toggle_hidden(message.run_id):
            self.main.runs.hidden.add(message.run_id)
        else:
            self.main.runs.hidden.discard(message.run_id)
        self._show_runs()

    # -- sessions -----------------------------------------------------------------------------
    def action_save(self) -> None:
        self.sessions.save()

    def action_save_as(self) -> None:
        self.sessions.save_as()

    def action_load(self) -> None:
        self.sessions.load()

    def action_export(self) -> None:
        self.sessions.export()

    def action_time_devices(self) -> None:
        why_not = self.playground.time_devices()
        if why_not:
            self.notify(why_not, markup=False)
        else:
            self.main.note("timing a few batches of the selected run on each device...")

    # -- the palette and leaving --------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for command in commands.palette_entries(self._applies()):
            key = f" ({command.keys_text})" if command.key else ""
            yield SystemCommand(command.title, command.help + key,
                                getattr(self, f"action_{command.action}"))  # fmt: skip

    async def action_quit(self) -> None:
        await self.quitting.quit()

    def on_unmount(self) -> None:
        # Every way out (ctrl+q, a signal, a test ending) passes here.
        if hasattr(self, "playground"):  # not when it ended before the core came up
            self.playground.close()
        gc.unfreeze()  # what the app held can be collected again once it is gone
        if hasattr(self, "_gc_threshold"):
            gc.set_threshold(*self._gc_threshold)
