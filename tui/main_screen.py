"""The working screen: setup, status, runs, curves, prompt and samples, showing what the core
reports.

`show(run_id, event)` is the one way engine reports reach the panes: each kind of record is
handed to the panes that show it. The screen keeps no run logic; which run the status line and
the prompt follow is the core's choice (Playground.selected), passed in with each report.

Two layouts: from WIDE_FROM columns the setup form stays beside the rest; below, it is hidden
until F4 shows it, so the plot, the prompt and the samples get the width.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from engine.playground import Decoding, RunSummary
from engine.playground.events import (
    BatchEnd,
    Completion,
    DevicesTimed,
    EpochEnd,
    Event,
    RunAdded,
    RunRefused,
    RunRemoved,
    RunState,
    Sample,
    Saved,
    StatusChanged,
    TargetChanged,
)
from tui.paths import shown_path
from tui.widgets.curves import CurvesPlot
from tui.widgets.inside import VIEWS, InsidePane
from tui.widgets.prompt import PromptPane
from tui.widgets.runs_table import RunsTable
from tui.widgets.samples import SamplesLog
from tui.widgets.setup import SetupPane
from tui.widgets.status import StatusPane

# Below this the panes overlap; a note is clearer than a broken layout.
MIN_WIDTH, MIN_HEIGHT = 60, 18
WIDE_FROM = 100  # columns from which the setup form stays on screen
# Rows below which the screen is short: the views inside the model (F10) take the samples'
# place and the prompt and the views grow less, so the plot keeps its rows (80x24 is common).
SHORT_BELOW = 32


class MainScreen(Screen[None]):
    """The one working screen; modal screens (help, lr, load, save as) stack above it."""

    AUTO_FOCUS = "#prompt"

    DEFAULT_CSS = """
    MainScreen #main { height: 1fr; }
    MainScreen #right { width: 1fr; }
    MainScreen #curves { height: 3fr; min-height: 8; border: round $primary-darken-2; }
    MainScreen #runs { display: none; }
    MainScreen #inside { display: none; }
    MainScreen.-inside #inside { display: block; height: 3fr; min-height: 5; max-height: 14; }
    MainScreen.-short #inside { height: 2fr; min-height: 5; max-height: 9; }
    MainScreen.-short #prompt { max-height: 6; }
    MainScreen.-short.-inside #samples { display: none; }
    MainScreen.-has-runs #runs { display: block; }
    MainScreen.-narrow #setup { display: none; }
    MainScreen.-narrow.-setup-open #setup { display: block; width: 1fr; }
    MainScreen.-narrow.-setup-open #right { display: none; }
    MainScreen SetupPane Input:focus { background: $accent 35%; }
    MainScreen SetupPane Select:focus-within { background: $accent 35%; }
    MainScreen SamplesLog:focus { border: round $accent; }
    MainScreen #too-small { display: none; content-align: center middle; height: 1fr; }
    MainScreen.-too-small #main { display: none; }
    MainScreen.-too-small #too-small { display: block; }
    """

    def __init__(
        self,
        devices: list[tuple[str, str | None]],
        setup: dict[str, str],
        on_edit: Callable[[str, int, Decoding], None],
    ) -> None:
        super().__init__()
        self.devices = devices
        self.setup_values = setup
        self.on_edit = on_edit
        self.labels: dict[int, str] = {}  # run id -> label, for samples and notes
        self.clips: dict[int, float] = {}  # run id -> its clip threshold θ
        self.last_completion: Completion | None = None  # what the prompt shows

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield SetupPane(self.devices, self.setup_values, id="setup")
            with Vertical(id="right"):
                yield StatusPane(id="status")
                yield RunsTable(id="runs")
                yield CurvesPlot(id="curves")
                prompt = PromptPane(id="prompt")
                # Wired before the first key can arrive (the prompt has focus at once).
                prompt.on_edit = self.on_edit
                yield prompt
                yield InsidePane(id="inside")
                yield SamplesLog(id="samples")
        yield Static(
            f"terminal too small: rnnplay needs at least {MIN_WIDTH}x{MIN_HEIGHT}",
            id="too-small",
        )
        # No palette hint: at 80 columns the keys need the room (ctrl+p still opens it).
        yield Footer(compact=True, show_command_palette=False)

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")
        self.set_class(width < WIDE_FROM, "-narrow")
        self.setup.border_title = "setup · F5 start" + (" · F4 back" if width < WIDE_FROM else "")
        self.set_class(height < SHORT_BELOW, "-short")

    @property
    def narrow(self) -> bool:
        return self.has_class("-narrow")

    def toggle_setup(self) -> None:
        """F4: show the setup form (focused) or, in the narrow layout, hide it again."""
        if self.narrow and self.has_class("-setup-open") and self.setup.has_focus_within:
            self.hide_setup()
            return
        self.add_class("-setup-open")
        self.setup.query("Select, Input").first().focus()

    def hide_setup(self) -> None:
        """Close the narrow layout's setup form (it takes the whole width while open, so the
        runs table and the plot are never squeezed beside it); the prompt gets the focus."""
        had_focus = self.setup.has_focus_within
        self.remove_class("-setup-open")
        if self.narrow and had_focus:
            self.prompt.focus()

    # -- panes --------------------------------------------------------------------------------
    @property
    def status(self) -> StatusPane:
        return self.query_one(StatusPane)

    @property
    def plot(self) -> CurvesPlot:
        return self.query_one(CurvesPlot)

    @property
    def prompt(self) -> PromptPane:
        return self.query_one(PromptPane)

    @property
    def samples(self) -> SamplesLog:
        return self.query_one(SamplesLog)

    @property
    def setup(self) -> SetupPane:
        return self.query_one(SetupPane)

    @property
    def runs(self) -> RunsTable:
        return self.query_one(RunsTable)

    @property
    def inside(self) -> InsidePane:
        return self.query_one(InsidePane)

    def toggle_inside(self) -> bool:
        """F10: show the views inside the model, step to the next one, and after the last hide
        them again; returns whether the core should compute the prompt's views."""
        pane = self.inside
        if not self.has_class("-inside"):
            self.add_class("-inside")
        elif pane.next_view() == VIEWS[0]:
            self.remove_class("-inside")
        return self.wants_views

    @property
    def wants_views(self) -> bool:
        return self.has_class("-inside") and self.inside.wants_inspection

    def show_runs(self, runs: list[RunSummary], selected: int | None) -> None:
        self.set_class(bool(runs), "-has-runs")
        self.runs.show_runs(runs, selected)
        shown = next((run for run in runs if run.id == selected), None)
        if shown is not None:
            self.status.show_numbers(shown)

    def follow(self, run: RunSummary | None) -> None:
        """The status line and the prompt's title follow `run` (the selected one)."""
        if run is not None:
            self.status.show_run(run)
            self.samples.show_period(run.config.pred_period)
            self.inside.follow_run(run.last, run.flow, run.config.clip)
        self.prompt.show_model(run.label if run else "")

    def note(self, text: str, style: str = "dim") -> None:
        self.samples.add_note(text, style)

    # -- reports ------------------------------------------------------------------------------
    def show(self, run_id: int | None, event: Event, selected: int | None) -> None:
        """Show one engine report; `selected` is the run the status line follows."""
        mine = run_id is not None and run_id == selected
        if isinstance(event, BatchEnd):
            self.plot.add_batch(run_id, event.step, event.loss)
            if mine:
                self.status.progress(event.epoch, event.batch, event.batches, event.chars_per_sec)
        elif isinstance(event, EpochEnd):
            # The status line's numbers follow with the runs table's, from one summary
            # (App._refresh_views), so the two never disagree.
            self.plot.add_point(run_id, event)
            if mine:
                self.inside.show_epoch(event, self.clips.get(run_id, 0.0))
        elif isinstance(event, Sample):
            self.samples.add_sample(self._label(run_id), event.epoch, event.prefix, event.text)
        elif isinstance(event, StatusChanged):
            self._status_changed(run_id, event, mine)
        elif isinstance(event, TargetChanged):
            if mine:
                self.status.set_target(event.epochs, event.lr)
        elif isinstance(event, RunAdded):
            self._run_added(run_id, event)
        elif isinstance(event, RunRemoved):
            self.plot.remove_run(run_id)
            self.labels.pop(run_id, None)
        elif isinstance(event, RunRefused):
            self.setup.show_error(event.message, event.field)
        elif isinstance(event, Saved):
            self._saved(event)
        elif isinstance(event, Completion):
            self._completion(event)
        elif isinstance(event, DevicesTimed):
            self._devices_timed(run_id, event)

    def _label(self, run_id: int | None) -> str:
        return self.labels.get(run_id, f"#{run_id}") if run_id is not None else ""

    def _run_added(self, run_id: int | None, run: RunAdded) -> None:
        assert run_id is not None
        self.labels[run_id] = run.label
        cfg = run.config
        self.clips[run_id] = cfg.clip
        color = self.plot.add_run(run_id, run.label, run.vocab_size, cfg.clip, run.history)
        self.runs.curve_colors[run_id] = color
        where = f"loaded {shown_path(run.path)} at epoch {run.epoch}" if run.path else "new run"
        self.note(
            f"{run.label}: {where} · {run.corpus}, vocab {run.vocab_size}, "
            f"lr {cfg.learning_rate:g}, clip {cfg.clip:g}, {run.device}"
        )
        for sample in run.samples:
            self.samples.add_sample(run.label, sample.epoch, sample.prefix, sample.text)
        for note in run.notes:
            self.note(f"note: {note}", style="yellow")
        self.prompt.set_note("")
        if run.path is not None:
            self.prompt.set_text(run.prompt)

    def _status_changed(self, run_id: int | None, event: StatusChanged, mine: bool) -> None:
        trouble = event.status in (RunState.DIVERGED, RunState.FAILED)
        if mine:
            self.status.set_state(event.status, event.message if trouble else "")
        if trouble:
            # The reason stays in the log; the status line has room for its start only.
            self.note(f"{self._label(run_id)} {event.status}: {event.message}", style="red")
            if event.status == RunState.DIVERGED:
                # Training it on would meet the same batch with the same weights: a new run.
                self.note(
                    "a lower lr in the setup (F4), then F5 starts a new run; this one stays",
                    style="yellow",
                )
            self.plot.mark_ended(run_id, f"{event.status} in epoch {event.epoch + 1}")

    def _saved(self, event: Saved) -> None:
        if event.error is not None:
            self.note(f"not saved: {event.error}", style="red")
        elif not event.quiet:
            self.note(f"saved to {shown_path(event.path)}")

    def _devices_timed(self, run_id: int | None, event: DevicesTimed) -> None:
        self.note(f"{self._label(run_id)}, seconds per epoch by device:", style="bold")
        for name, seconds, error in event.rows:
            self.note(f"  {name}: " + (f"{seconds:.3g} s" if seconds is not None else error or "-"))
        self.note(event.verdict, style="bold")

    def _completion(self, event: Completion) -> None:
        self.last_completion = event
        if event.error:
            self.prompt.set_note(f"completion failed: {event.error}")
        else:
            self.prompt.show_completion(event.text, event.completion, event.unknown, event.probs)
            if event.inspection is not None:
                self.inside.show_inspection(event.inspection)
