"""rnnplay's app: forwards what the user asks to the playground core and shows what it reports.

Reports come up from the core's threads as EngineReport messages and go down to the main screen
(`MainScreen.show`); keys and commands become calls on the core (engine.playground). The app holds
no run logic of its own: what runs exist, which one is selected, what state each is in, all
come from the core.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from engine.playground import (
    Decoding,
    Playground,
    SaveJob,
    Views,
    available_devices,
    default_save_dir,
    list_sessions,
)
from engine.playground.events import (
    BatchEnd,
    Completion,
    Event,
    RunAdded,
    RunRefused,
    RunRemoved,
    RunState,
    Saved,
    StatusChanged,
    TargetChanged,
)
from tui import exit_guard
from tui.form_text import config_form, lr_text, settings_differ
from tui.main_screen import MainScreen
from tui.messages import EngineReport, while_running
from tui.paths import shown_path
from tui.screens.autosave_failed import AutosaveFailedScreen
from tui.screens.help import HelpScreen
from tui.screens.load import LoadScreen
from tui.screens.lr import LrScreen
from tui.screens.save_as import SaveAsScreen
from tui.widgets.curves import CurvesPlot
from tui.widgets.inside import InsidePane
from tui.widgets.runs_table import RunsTable
from tui.widgets.status import StatusPane

# How often the plot and the runs table catch up with the reports. Each plot redraw is ~12 ms of
# Python holding the GIL that the trainer thread also needs: twice a second keeps the curve
# moving visibly and costs training half as much as at four (bench/RESULTS.md).
PLOT_REFRESH_S = 0.5
# Quit must end within 2 s even while training: the autosave gets this long, then the app
# leaves anyway (save threads are daemons; an unfinished write leaves any old file intact).
QUIT_SAVE_BUDGET_S = 1.2


@dataclass
class AppOptions:
    train: bool = False  # start training at launch (with `load`: train the session on)
    setup: dict[str, str] = field(default_factory=dict)  # setup-form text by field name
    prompt: str = ""
    handle_signals: bool = False  # the real launcher: SIGTERM/SIGHUP save and quit
    load: str | None = None  # a session file to open at launch
    threads: int | None = None  # torch threads for a loaded session's trainer (None: saved)


class RnnplayApp(App[int]):
    TITLE = "rnnplay"

    # The footer shows what fits at 80 columns; F2 and F3 are named on the plot's and the
    # runs table's borders, and Help lists every key first.
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("f4", "toggle_setup", "Setup"),
        Binding("f5", "start", "Start"),
        Binding("f6", "pause_resume", "Pause"),
        Binding("f7", "stop", "Stop"),
        Binding("f8", "change_lr", "lr", show=False),  # named on the status line
        Binding("f2", "toggle_plot", "View", show=False),
        Binding("f10", "inside", "Inside the model", show=False),
        Binding("f3", "clear_runs", "Clear finished", show=False),
        Binding("escape", "focus_prompt", "Prompt", show=False),
        # Priority: the setup pane's inputs must not swallow them.
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("f9", "save_as", "Save as"),
        Binding("ctrl+o", "load", "Load", priority=True),
        Binding("ctrl+e", "export", "Export curves", show=False, priority=True),
        Binding("ctrl+d", "time_devices", "Time devices", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, options: AppOptions | None = None) -> None:
        super().__init__()
        self.options = options or AppOptions()
        self.playground = Playground(self._report, threads=self.options.threads)
        self._asked = False  # a start or load was asked for and not yet reported on
        self._pausing = False
        self._runs_dirty = False  # the runs table is behind the reports
        self._loaded_form: dict[str, str] | None = None  # a just-loaded run's settings
        self._launch_epochs: str | None = None  # `--load F --epochs N`: the form shows N
        self._quitting = False
        self._quit_by_signal = False  # no one is there to answer a question
        self.terminal_gone = False  # set by SIGHUP: quit without writing to the terminal
        self.exit_notes: list[str] = []  # printed by the launcher once the terminal is back

    def get_default_screen(self) -> Screen:
        # Textual may ask more than once (the snapshot harness does): one screen, one view.
        if not hasattr(self, "main"):
            self.main = MainScreen(available_devices(), self.options.setup, self._complete)
        return self.main

    def on_mount(self) -> None:
        self.call_after_refresh(self._start_up)

    def _start_up(self) -> None:
        """Once the main screen is mounted: threads, timers, focus, `--load`, `--train`."""
        # torch, Textual and the mounted screen are hundreds of thousands of objects that live as
        # long as the app: a full garbage collection walked them all, 150-230 ms with the
        # screen frozen (bench/RESULTS.md). Frozen, they are left out of every collection.
        gc.freeze()
        self.playground.start()
        self.set_interval(PLOT_REFRESH_S, self._refresh_views, name="views-refresh")
        prompt = self.main.prompt
        prompt.focus()
        if self.options.prompt:
            prompt.insert(self.options.prompt)
        if self.options.handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self._on_signal, sig)
        self.main.check_size(*self.size)
        if self.options.load:
            epochs = self.options.setup.get("epochs")
            self._launch_epochs = epochs
            train_to = int(epochs) if self.options.train and epochs else None
            self._open(self.options.load, train=self.options.train, epochs=train_to)
        elif self.options.train:
            self.action_start()

    @property
    def state(self) -> str:
        """What the status line says: the selected run's state, or what the app waits for."""
        if self._asked:
            return "loading"
        shown = self.main.query(StatusPane)  # none until the screen is composed
        return shown.first().state if shown else "idle"

    # -- reports from the core (any thread) --------------------------------------------------
    def _report(self, run_id: int | None, event: Event) -> None:
        self.post_message(EngineReport(run_id, event))

    def _refresh_views(self) -> None:
        """A few times a second: the plot and the runs table catch up with the reports."""
        if not self.main.query(CurvesPlot):
            return  # the app is closing: its panes are gone already
        self.main.plot.flush()
        if self._runs_dirty:
            self._show_runs()

    def _show_runs(self) -> None:
        self._runs_dirty = False
        self.main.show_runs(self.playground.summaries(), self.playground.selected)

    @while_running
    def on_engine_report(self, message: EngineReport) -> None:
        run_id, event = message.run_id, message.event
        self._runs_dirty = self._runs_dirty or not isinstance(event, BatchEnd | Completion)
        if isinstance(event, RunAdded | RunRefused):
            self._asked = False
        if isinstance(event, StatusChanged) and event.status == RunState.PAUSED:
            self._pausing = False
        self.main.show(run_id, event, self.playground.selected)
        if isinstance(event, StatusChanged | RunAdded | RunRemoved | TargetChanged | Saved):
            # Rare and worth seeing at once; epochs and batches wait for the timer.
            self._show_runs()
        if self._pausing and run_id == self.playground.selected:
            self.main.status.set_state("pausing")
        self._tell(event)

    def _tell(self, event: Event) -> None:
        """What deserves a toast besides the panes, and what follows a report."""
        if isinstance(event, RunRefused):
            self.notify(event.message, title="refused", severity="error", timeout=8, markup=False)
            if not self.main.status.epochs:
                self.main.status.set_state("idle")
        elif isinstance(event, RunAdded):
            self._run_added(event)
        elif isinstance(event, StatusChanged) and event.status in (
            RunState.DIVERGED,
            RunState.FAILED,
        ):
            self.notify(event.message, title=str(event.status), severity="error", markup=False)
        elif isinstance(event, TargetChanged):
            # The setup form shows the lr now in force, so the next run starts from it too.
            self.main.setup.set_values({"lr": lr_text(event.lr)})
        elif isinstance(event, Saved) and not event.quiet:
            if event.error:
                self.notify(
                    event.error, title="not saved", severity="error", timeout=10, markup=False
                )
            else:
                self.notify(f"saved to {shown_path(event.path)}", title="saved", markup=False)

    def _run_added(self, run: RunAdded) -> None:
        self.main.follow(self.playground.summary(self.playground.selected or -1))
        self.main.hide_setup()
        if run.path is None:
            self._loaded_form = None
            return
        form = config_form(run.corpus, run.max_chars, run.config)
        self.main.setup.set_values(form)
        self._loaded_form = form
        done = run.epoch >= run.config.epochs
        self.notify(
            f"epoch {run.epoch}/{run.config.epochs}: "
            + ("raise epochs in setup (F4), then F6 trains on" if done else "F5 or F6 trains on"),
            title=f"loaded {Path(run.path).name}",
            markup=False,
        )
        for note in run.notes:
            self.notify(note, severity="warning", timeout=8, markup=False)
        if self._launch_epochs:
            self.main.setup.set_values({"epochs": self._launch_epochs})
            self._launch_epochs = None

    # -- training -----------------------------------------------------------------------------
    def action_start(self) -> None:
        values, error = self.main.setup.read()
        if values is None:
            self.notify(error, severity="error", markup=False)
            return
        if self._train_loaded_on(values):
            return
        current = self.playground.summary(self.playground.selected or -1)
        if current is not None and current.unsaved and not current.state.active:
            self.notify(
                f"{current.label} is kept, unsaved: quitting saves it (or ctrl+s now)",
                markup=False,
            )
        corpus = str(values.pop("corpus"))
        max_chars = int(str(values.pop("max_chars")))
        self.playground.new_run(corpus, max_chars, values)
        self._asked = True
        self.main.status.set_state("loading")

    def _train_loaded_on(self, form: dict[str, object]) -> bool:
        """F5 on a just-loaded session trains it on, unless the setup was changed (then F5
        means what it always means: a new run with those settings)."""
        if self._loaded_form is None or self.state != RunState.LOADED:
            return False
        changed = settings_differ(form, self._loaded_form)
        if changed:
            self.notify(
                f"settings changed ({', '.join(changed)}): starting a new run instead of "
                "training the loaded one on",
                markup=False,
            )
            return False
        epochs = form.get("epochs")
        self._train_on(epochs if isinstance(epochs, int) else None)
        return True

    def _train_on(self, epochs: int | None) -> None:
        why_not = self.playground.train_on(epochs)
        if why_not:
            self.notify(why_not, markup=False)
        else:
            self._loaded_form = None

    def _form_epochs(self) -> int | None:
        raw = self.main.setup.value("epochs")
        return int(raw) if raw.isdigit() and int(raw) > 0 else None

    def _training_state(self) -> RunState | None:
        training = self.playground.training
        summary = self.playground.summary(training) if training is not None else None
        return summary.state if summary is not None else None

    def action_pause_resume(self) -> None:
        """F6 acts on the run that is training, whichever is selected; with none training it
        trains the selected run on."""
        state = self._training_state()
        if state == RunState.PAUSED:
            self.playground.resume()
        elif state == RunState.RUNNING and self.playground.pause():
            self._pausing = self.playground.training == self.playground.selected
            if self._pausing:
                self.main.status.set_state("pausing")
        elif state is None:
            self._train_on(self._form_epochs())

    def action_pause(self) -> None:
        if self._training_state() == RunState.RUNNING:
            self.action_pause_resume()

    def action_resume(self) -> None:
        if self._training_state() == RunState.PAUSED:
            self.action_pause_resume()

    def action_stop(self) -> None:
        if not self.playground.stop():
            self.notify("no run in progress")

    def action_change_lr(self) -> None:
        selected = self.playground.summary(self.playground.selected or -1)
        if selected is None or not selected.state.active:
            self.notify("no run in progress: set lr in the setup pane")
            return

        def apply(lr: float | None) -> None:
            if lr is not None and self.playground.set_lr(lr):
                self.main.note(f"lr -> {lr:g} (marked on the plot)")

        self.push_screen(LrScreen(selected.config.learning_rate), apply)

    def _complete(self, text: str, length: int, decoding: Decoding) -> None:
        """What the prompt shows: the completion, and the views inside the model when open."""
        inside = self.main.inside
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

    def action_toggle_plot(self) -> None:
        self.main.plot.toggle_view()

    def action_clear_runs(self) -> None:
        gone = self.playground.clear_finished()
        self.notify(f"cleared {len(gone)} finished run{'s' * (len(gone) != 1)}" if gone
                    else "no finished runs to clear (the selected run stays)")  # fmt: skip

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_focus_prompt(self) -> None:
        self.main.hide_setup()
        self.main.prompt.focus()

    def action_toggle_setup(self) -> None:
        self.main.toggle_setup()

    # -- the runs table -----------------------------------------------------------------------
    def on_runs_table_chosen(self, message: RunsTable.Chosen) -> None:
        if self.playground.select(message.run_id):
            self._show_selected()
            label = self.main.labels.get(message.run_id, "")
            self.notify(f"the status line, the prompt and save now follow {label}", markup=False)

    def on_runs_table_remove_asked(self, message: RunsTable.RemoveAsked) -> None:
        why_not = self.playground.remove(message.run_id)
        if why_not:
            self.notify(why_not, markup=False)
        else:
            self._show_selected()

    def on_runs_table_toggle_shown(self, message: RunsTable.ToggleShown) -> None:
        if self.main.plot.toggle_hidden(message.run_id):
            self.main.runs.hidden.add(message.run_id)
        else:
            self.main.runs.hidden.discard(message.run_id)
        self._runs_dirty = True

    def _show_selected(self) -> None:
        self.main.follow(self.playground.summary(self.playground.selected or -1))
        self._runs_dirty = True

    # -- sessions -----------------------------------------------------------------------------
    def _selected_for_saving(self) -> int | None:
        selected = self.playground.selected
        if selected is None:
            self.notify("nothing to save yet: start a run (F5) or load one (ctrl+o)")
        elif self.playground.saving():
            self.notify("a save is already in progress")
            return None
        return selected

    def action_save(self) -> None:
        run_id = self._selected_for_saving()
        if run_id is not None:
            self.playground.save(run_id, prompt=self.main.prompt.text)

    def action_save_as(self) -> None:
        run_id = self._selected_for_saving()
        if run_id is None:
            return
        summary = self.playground.summary(run_id)
        initial = Path(summary.path) if summary and summary.path else None

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.playground.save(run_id, path, prompt=self.main.prompt.text)

        suggested = initial or self.playground.suggested_path(run_id)
        self.push_screen(SaveAsScreen(suggested, Path(default_save_dir())), chosen)

    def action_load(self) -> None:
        unsaved = [s.label for s in self.playground.summaries() if s.unsaved]
        warning = (
            f"{', '.join(unsaved)} unsaved: loading keeps them, quitting saves them"
            if unsaved
            else ""
        )

        def chosen(path: str | None) -> None:
            if path:
                self._open(path)

        self.push_screen(LoadScreen(Path(default_save_dir()), list_sessions, warning), chosen)

    def action_time_devices(self) -> None:
        why_not = self.playground.time_devices()
        if why_not:
            self.notify(why_not, markup=False)
        else:
            self.main.note("timing a few batches of the selected run on each device...")

    def action_export(self) -> None:
        if not self.playground.summaries():
            self.notify("no runs to export yet: start one (F5)")
            return
        try:
            paths = self.playground.export()
        except OSError as exc:
            self.notify(f"cannot export: {exc.strerror or exc}", severity="error", markup=False)
            return
        where = " and ".join(shown_path(p) for p in paths)
        self.main.note(f"curves exported to {where}")
        self.notify(f"curves of all runs: {where}", title="exported", markup=False)

    def _open(self, path: str, *, train: bool = False, epochs: int | None = None) -> None:
        self.playground.load(path, train=train, epochs=epochs)
        self._asked = True
        self.main.status.set_state("loading")

    # -- commands -----------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Start training", "New run with the setup pane's values (F5)", self.action_start
        )
        yield SystemCommand("Pause training", "Pause between batches (F6)", self.action_pause)
        yield SystemCommand("Resume training", "Continue a paused run (F6)", self.action_resume)
        yield SystemCommand("Stop training", "End the run; its curve stays (F7)", self.action_stop)
        yield SystemCommand("Change learning rate", "While running (F8)", self.action_change_lr)
        yield SystemCommand(
            "Toggle plot view", "Perplexity / gradient norm (F2)", self.action_toggle_plot
        )
        yield SystemCommand(
            "Clear finished runs", "Remove ended runs from the plot (F3)", self.action_clear_runs
        )
        yield SystemCommand(
            "Save session", "Save the run to its file, or a new one in saves/ (ctrl+s)",
            self.action_save,
        )  # fmt: skip
        yield SystemCommand(
            "Save session as", "Save the run to a path you choose (F9)", self.action_save_as
        )
        yield SystemCommand(
            "Load session", "Open a saved run: curves, samples, prompt; F5/F6 trains on (ctrl+o)",
            self.action_load,
        )  # fmt: skip
        yield SystemCommand(
            "Export curves", "All runs as CSV and JSON lines into saves/ (ctrl+e)",
            self.action_export,
        )  # fmt: skip
        yield SystemCommand(
            "Time devices", "The selected run's epoch on each CPU/GPU setting here (ctrl+d)",
            self.action_time_devices,
        )  # fmt: skip
        yield SystemCommand("Help", "Keys, panes and the book's terms (F1)", self.action_help)

    # -- quitting -----------------------------------------------------------------------------
    def _on_signal(self, sig: signal.Signals) -> None:
        # SIGHUP means the terminal is gone: after the autosave there is nothing to ask.
        self.terminal_gone = self.terminal_gone or sig == signal.SIGHUP
        self._quit_by_signal = True
        self.call_later(self.action_quit)

    def on_unmount(self) -> None:
        # Every way out (ctrl+q, a signal, a test ending) passes here.
        self.playground.close()
        gc.unfreeze()  # what the app held can be collected again once it is gone

    async def action_quit(self) -> None:
        if self._quitting:
            return  # a second ctrl+q or signal while the autosave runs: it ends soon anyway
        self._quitting = True
        if self.options.handle_signals:  # the real launcher; tests must never hit os._exit
            exit_guard.arm(QUIT_SAVE_BUDGET_S + exit_guard.STUCK_AFTER_S)
        failed = await self._autosave()
        if failed and not self._quit_by_signal:
            exit_guard.disarm()
            self._quitting = False
            self.push_screen(AutosaveFailedScreen(failed), self._after_failed_autosave)
            return
        self._leave()

    def _leave(self) -> None:
        self.playground.close()
        if self.options.handle_signals and self.terminal_gone:
            exit_guard.leave_now(self.exit_notes)
        self.exit(0)

    def _after_failed_autosave(self, choice: str | None) -> None:
        if choice == "quit":
            self._leave()
        elif choice == "retry":
            self.call_later(self.action_quit)
        elif choice == "save_as":
            self.action_save_as()

    async def _autosave(self) -> list[str]:
        """Save every run with unsaved progress, within the quit budget; returns the errors."""
        deadline = time.monotonic() + QUIT_SAVE_BUDGET_S
        while self.playground.saving() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # ctrl+s then ctrl+q: let that save end rather than race it
        jobs = self.playground.autosave(self.main.prompt.text)
        if jobs:
            self.notify("saving unsaved runs...", title="quitting")
        await _wait(jobs, deadline)
        errors = []
        for job in jobs:
            if job.outcome is None:
                errors.append(f"autosave to {job.path} did not finish in time")
            elif job.outcome.error is not None:
                errors.append(f"autosave failed: {job.outcome.error}")
            else:
                self.exit_notes.append(f"rnnplay: session saved to {job.outcome.path}")
        self.exit_notes.extend(f"rnnplay: {e}" for e in errors)
        return errors


async def _wait(jobs: list[SaveJob], deadline: float) -> None:
    # Polls instead of blocking on the jobs' events, so the UI keeps drawing meanwhile.
    while any(not job.done.is_set() for job in jobs) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
