"""rnnplay's main screen: setup, live curves, status, the prompt and the samples log.

Messages come up from the panes and the background threads; the app calls methods down on the
panes. Tensor work happens only in engine/ calls made on the trainer and completion threads.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tui.completion import CompletionService, ModelSource
from tui.engine_port import EnginePort, real_engine
from tui.messages import (
    CompletionReady,
    EpochPoint,
    Progress,
    RunEnded,
    RunInfo,
    RunRefused,
    RunStarted,
    SampleText,
    StatusChange,
    while_running,
)
from tui.screens.help import HelpScreen
from tui.screens.lr import LrScreen
from tui.session_actions import PARKED, SessionActions
from tui.sessions import SaveJob
from tui.trainer_driver import ActiveRun, RunRequest, TrainerDriver
from tui.widgets.curves import CurvesPlot
from tui.widgets.prompt import PromptPane
from tui.widgets.samples import SamplesLog
from tui.widgets.setup import SetupPane
from tui.widgets.status import StatusPane

# Below this the panes overlap; a note is clearer than a broken layout.
MIN_WIDTH, MIN_HEIGHT = 60, 18
PLOT_REFRESH_S = 0.25


@dataclass
class AppOptions:
    train: bool = False  # start training at launch (with `load`: train the session on)
    setup: dict[str, str] = field(default_factory=dict)
    prompt: str = ""
    handle_signals: bool = False
    load: str | None = None  # a session file to open at launch
    threads: int | None = None  # torch threads for a loaded session's trainer (None: saved)


class MainScreen(Screen[None]):
    """The one working screen; modal screens (help, lr) stack above it."""

    AUTO_FOCUS = "#prompt"

    DEFAULT_CSS = """
    MainScreen #main { height: 1fr; }
    MainScreen #right { width: 1fr; }
    MainScreen #curves { height: 3fr; border: round $primary-darken-2; }
    MainScreen #too-small { display: none; content-align: center middle; height: 1fr; }
    MainScreen.-too-small #main { display: none; }
    MainScreen.-too-small #too-small { display: block; }
    """

    def __init__(
        self,
        devices: list[tuple[str, str | None]],
        setup: dict[str, str],
        on_edit: Callable[[str, int], None],
    ) -> None:
        super().__init__()
        self.on_edit = on_edit
        self.devices = devices
        self.setup_values = setup

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield SetupPane(self.devices, self.setup_values, id="setup")
            with Vertical(id="right"):
                yield StatusPane(id="status")
                yield CurvesPlot(id="curves")
                prompt = PromptPane(id="prompt")
                # Wired before the first key can arrive (the prompt has focus at once).
                prompt.on_edit = self.on_edit
                yield prompt
                yield SamplesLog(id="samples")
        yield Static(
            f"terminal too small: rnnplay needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
            id="too-small",
        )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.call_after_refresh(self.app.start_up)  # type: ignore[attr-defined]

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")


class RnnplayApp(SessionActions, App[int]):
    TITLE = "rnnplay"

    BINDINGS = [
        Binding("f5", "start", "Start"),
        Binding("f6", "pause_resume", "Pause/Go"),
        Binding("f7", "stop", "Stop"),
        Binding("f8", "change_lr", "lr"),
        Binding("f2", "toggle_plot", "View"),
        Binding("f3", "clear_runs", "Clear runs", show=False),
        Binding("f1", "help", "Help"),
        Binding("escape", "focus_prompt", "Prompt", show=False),
        # Not in the Footer (it is full at 80 columns); Help and the command palette list them.
        # Priority: the setup pane's inputs must not swallow them.
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("f9", "save_as", "Save as", show=False),
        Binding("ctrl+o", "load", "Load", priority=True),
    ]

    def __init__(self, engine: EnginePort | None = None, options: AppOptions | None = None):
        super().__init__()
        self.engine = engine or real_engine()
        self.options = options or AppOptions()
        self.driver = TrainerDriver(
            self, self.engine, on_ready=self._attach_prompt_model, threads=self.options.threads
        )
        self.completion = CompletionService(self, self.engine)
        self.runs: dict[int, RunInfo] = {}
        self.current_run: RunInfo | None = None
        self.state = "idle"
        self.last_lr: float | None = None
        self._save_job: SaveJob | None = None
        self._quitting = False
        self.terminal_gone = False  # set by SIGHUP: quit without writing to the terminal
        self._continue_after_load = False
        self._launch_epochs: str | None = None
        # Printed by the launcher once the terminal is back (where the autosave went).
        self.exit_notes: list[str] = []

    def get_default_screen(self) -> Screen:
        self.main = MainScreen(
            self.engine.available_devices(), self.options.setup, self.completion.request
        )
        return self.main

    def start_up(self) -> None:
        """Once the main screen is mounted: threads, timers, focus, `--train`."""
        plot = self.main.query_one(CurvesPlot)
        plot.border_title = plot.title_text()
        self.driver.start_thread()
        self.completion.start_thread()
        self.set_interval(PLOT_REFRESH_S, plot.flush, name="plot-refresh")
        prompt = self.main.query_one(PromptPane)
        prompt.focus()
        if self.options.prompt:
            prompt.insert(self.options.prompt)
        if self.options.handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self._on_signal, sig)
        self.main.check_size(*self.size)
        if self.options.load:
            self._continue_after_load = self.options.train
            self._launch_epochs = self.options.setup.get("epochs")
            self.open_session(self.options.load)
        elif self.options.train:
            self.action_start()

    # -- quitting ----------------------------------------------------------------------------
    def _on_signal(self, sig: signal.Signals) -> None:
        # SIGHUP means the terminal is gone: after the autosave there is nothing to restore.
        self.terminal_gone = self.terminal_gone or sig == signal.SIGHUP
        self.call_later(self.action_quit)

    def on_unmount(self) -> None:
        # Every way out (ctrl+q, a signal, a test ending) passes here; the threads must end
        # because the interpreter waits for them.
        self.driver.shutdown()
        self.completion.shutdown()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.notify(
                f"{event.worker.name} thread failed: {event.worker.error}",
                severity="error",
                timeout=10,
            )
            self._set_state("error")

    # -- actions -----------------------------------------------------------------------------
    def action_start(self) -> None:
        values, error = self.main.query_one(SetupPane).read()
        if values is None:
            self.notify(error, severity="error")
            return
        if self.continue_loaded_if_unchanged(values):
            return
        corpus = str(values.pop("corpus"))
        max_chars = int(str(values.pop("max_chars")))
        values["prefixes"] = ("分开", "不分开") if corpus == "jaychou" else ("def ", "import ")
        self.driver.submit(RunRequest(corpus, max_chars, values))
        self._set_state("loading")

    def action_pause_resume(self) -> None:
        if self.state in PARKED:
            self.continue_training()
        elif self.state == "paused":
            if self.driver.resume():
                self._set_state("running")
        elif self.state == "running" and self.driver.pause():
            self._set_state("pausing")

    def action_pause(self) -> None:
        if self.state == "running":
            self.action_pause_resume()

    def action_resume(self) -> None:
        if self.state == "paused":
            self.action_pause_resume()

    def action_stop(self) -> None:
        if not self.driver.stop():
            self.notify("no run in progress")

    def action_change_lr(self) -> None:
        active = self.driver.active
        if active is None:
            self.notify("no run in progress: set lr in the setup pane")
            return
        current = self.last_lr if self.last_lr is not None else active.info.lr

        def apply(lr: float | None) -> None:
            if lr is not None and self.driver.set_lr(lr):
                self.last_lr = lr
                self.main.query_one(SamplesLog).add_note(f"lr -> {lr:g} (marked on the plot)")

        self.push_screen(LrScreen(current), apply)

    def action_toggle_plot(self) -> None:
        self.main.query_one(CurvesPlot).toggle_view()

    def action_clear_runs(self) -> None:
        plot = self.main.query_one(CurvesPlot)
        keep = self.current_run if self.driver.active else None
        runs = [r for r in plot.runs if keep is not None and r.run_id == keep.run_id]
        plot.runs[:] = runs
        plot.clear_runs()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_focus_prompt(self) -> None:
        self.main.query_one(PromptPane).focus()

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
            "Clear old runs", "Remove finished runs from the plot (F3)", self.action_clear_runs
        )
        yield SystemCommand(
            "Save session",
            "Save the run to its file, or a new one in saves/ (ctrl+s)",
            self.action_save,
        )
        yield SystemCommand(
            "Save session as", "Save the run to a path you choose (F9)", self.action_save_as
        )
        yield SystemCommand(
            "Load session",
            "Open a saved run: curves, samples, prompt; F5/F6 trains on (ctrl+o)",
            self.action_load,
        )
        yield SystemCommand("Help", "Panes and the book's terms (F1)", self.action_help)

    # -- state ---------------------------------------------------------------------------------
    def _set_state(self, state: str) -> None:
        self.state = state
        self.main.query_one(StatusPane).set_state(state)

    def _attach_prompt_model(self, active: ActiveRun) -> None:
        # Called on the trainer thread once the Trainer exists.
        cfg, corpus = active.config, active.corpus
        self.completion.attach(
            ModelSource(
                snapshots=active.trainer.snapshots,
                kind=cfg.model,
                vocab=corpus.vocab,
                vocab_size=len(corpus.vocab),
                hidden=cfg.hidden,
                layers=cfg.layers,
            )
        )

    # -- messages from the threads and panes -----------------------------------------------------
    @while_running
    def on_run_refused(self, message: RunRefused) -> None:
        self.main.query_one(SetupPane).show_error(message.message, message.field_hint)
        self.notify(message.message, title="run refused", severity="error", timeout=8)
        if self.driver.active is None:
            # Back to the previous trainer's state: a parked one can still be saved or trained on.
            current = self.driver.current
            self._set_state(current.state if current is not None else "idle")

    def adopt_run(self, info: RunInfo) -> None:
        """Make `info` the current run: its own curve on the plot, its target on the status."""
        self.runs[info.run_id] = info
        self.current_run = info
        self.last_lr = info.lr
        self.main.query_one(CurvesPlot).add_run(info.run_id, info.label, info.vocab_size, info.clip)
        self.main.query_one(StatusPane).start_run(info.label, info.epochs, info.device)

    @while_running
    def on_run_started(self, message: RunStarted) -> None:
        info = message.info
        self.adopt_run(info)
        self.main.query_one(SamplesLog).add_note(
            f"{info.label}: {info.corpus}, vocab {info.vocab_size}, lr {info.lr:g}, "
            f"clip {info.clip:g}, {info.device}"
        )
        self.main.query_one(PromptPane).set_note("")
        self._set_state("running")

    @while_running
    def on_run_ended(self, message: RunEnded) -> None:
        if self.current_run is not None and message.run_id == self.current_run.run_id:
            self._set_state(message.status)
        if message.error:
            self.notify(message.error, title="training failed", severity="error", timeout=10)
            self.main.query_one(SamplesLog).add_note(f"error: {message.error}", style="red")

    @while_running
    def on_progress(self, message: Progress) -> None:
        if self.current_run and message.run_id == self.current_run.run_id:
            self.main.query_one(StatusPane).progress(
                message.epoch, message.batch, message.batches, message.chars_per_sec
            )

    @while_running
    def on_epoch_point(self, message: EpochPoint) -> None:
        self.main.query_one(CurvesPlot).add_point(
            message.run_id, message.epoch, message.perplexity, message.grad_norm, message.lr
        )
        if self.current_run and message.run_id == self.current_run.run_id:
            self.main.query_one(StatusPane).epoch_end(
                message.epoch,
                message.epochs,
                message.perplexity,
                message.seconds,
                message.chars_per_sec,
            )

    @while_running
    def on_sample_text(self, message: SampleText) -> None:
        info = self.runs.get(message.run_id)
        label = info.label if info else f"#{message.run_id}"
        self.main.query_one(SamplesLog).add_sample(
            label, message.epoch, message.prefix, message.text
        )

    @while_running
    def on_status_change(self, message: StatusChange) -> None:
        if self.current_run and message.run_id == self.current_run.run_id:
            self._set_state(message.status)
            if message.status == "diverged":
                self.notify(message.message or "training diverged", severity="error")

    @while_running
    def on_completion_ready(self, message: CompletionReady) -> None:
        if message.error:
            self.main.query_one(PromptPane).set_note(f"completion failed: {message.error}")
            return
        self.main.query_one(PromptPane).show_completion(
            message.text, message.completion, message.unknown
        )
