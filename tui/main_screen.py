"""The working screen: setup, status, runs, curves, prompt and samples, showing what the core
reports.

The panes are reached through it; tui/reports.py hands each engine report to the panes that
show it. The screen keeps no run logic; which run the status line and the prompt follow is the
core's choice (Playground.selected).

Two layouts: from WIDE_FROM columns the setup form stays beside the rest; below, it is hidden
until F4 shows it, so the plot, the prompt and the samples get the width.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Footer, Static

from engine.playground import Decoding, RunSummary
from engine.playground.events import Completion, RunState
from tui.labels import label_now
from tui.missing_corpus import MissingCorpus
from tui.widgets.curves import CurvesPlot
from tui.widgets.inside import VIEWS, InsidePane
from tui.widgets.inside_lines import cell_of
from tui.widgets.prompt import PromptPane
from tui.widgets.runs_table import RunsTable
from tui.widgets.samples import SamplesLog
from tui.widgets.setup import SetupPane
from tui.widgets.status import StatusPane

# Below this the panes overlap; a note is clearer than a broken layout. 80 columns hold the
# runs table's narrow columns; 24 rows hold the least heights of DEFAULT_CSS's short layout.
MIN_WIDTH, MIN_HEIGHT = 80, 24
WIDE_FROM = 100  # columns from which the setup form stays on screen
# Rows below which the screen is short: the views inside the model (F10) take the samples'
# place and the runs table, the prompt and the views grow less, so the plot keeps its rows
# (80x24 is common).
SHORT_BELOW = 32


def size_classes(width: int, height: int) -> dict[str, bool]:
    """The screen's classes for its layout at `width` x `height`, each on or off."""
    return {
        "-too-small": width < MIN_WIDTH or height < MIN_HEIGHT,
        "-narrow": width < WIDE_FROM,
        "-short": height < SHORT_BELOW,
    }


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
    /* The column's fixed and least heights must fit in the rows it has, or the plot and the
       prompt are pushed off the screen. Tall (31 rows and more): status 2 + runs 6 + plot 8 +
       prompt 10 (6 with the views) + views 5 + samples 4. Short (23 rows and more): status 2
       + runs 4 (3 rows: the table scrolls) + plot 8 + prompt 6 (the prompt's line and three
       marked runs' lines) + samples 3 (4 while the prompt needs less), or prompt 4 +
       views 5. */
    MainScreen.-inside #prompt { max-height: 6; }
    MainScreen.-short #runs { max-height: 4; }
    MainScreen.-short #inside { height: 2fr; min-height: 5; max-height: 9; }
    MainScreen.-short #prompt { max-height: 6; }
    MainScreen.-short #samples { min-height: 3; }
    MainScreen.-short.-inside #prompt { max-height: 4; }
    MainScreen.-short.-inside #samples { display: none; }
    MainScreen.-narrow #setup { display: none; }
    MainScreen.-narrow.-setup-open #setup { display: block; width: 1fr; }
    MainScreen.-narrow.-setup-open #right { display: none; }
    MainScreen SetupPane Input:focus { background: $accent 35%; }
    MainScreen SetupPane Select:focus-within { background: $accent 35%; }
    MainScreen SamplesLog:focus { border: round $accent; }
    /* The focused pane, marked by more than a colour: a heavy border and a bold title. */
    MainScreen #curves:focus, MainScreen #prompt:focus, MainScreen #samples:focus,
    MainScreen #inside:focus, MainScreen #setup:focus-within {
        border: heavy $accent;
        border-title-style: bold;
    }
    /* The runs table has no border (its rows are few): a bar on its left edge, blank until it
       has the focus, so its columns do not move when it takes it. */
    MainScreen #runs { border-left: blank; }
    MainScreen #runs:focus { background-tint: $accent 20%; border-left: heavy $accent; }
    MainScreen #too-small { display: none; content-align: center middle; height: 1fr; }
    MainScreen.-too-small #main { display: none; }
    MainScreen.-too-small #too-small { display: block; }
    """

    def __init__(
        self,
        devices: list[tuple[str, str | None]],
        setup: dict[str, str],
        on_edit: Callable[[str, int, Decoding], None],
        size: Size,
    ) -> None:
        # Laid out for the terminal's size from the start: set at the first resize instead,
        # each class re-applied the stylesheet to the whole screen (~50 ms of an 80x24 start).
        super().__init__(classes=" ".join(name for name, on in size_classes(*size).items() if on))
        self.devices = devices
        self.setup_values = setup
        self.on_edit = on_edit
        self.last_completion: Completion | None = None  # what the prompt shows
        # The app sets it while a dialog is on top: the last key it handed that dialog was Esc.
        self.escaped = False

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
            f"terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT})",
            id="too-small",
        )
        # No palette hint: at 80 columns the keys need the room (ctrl+p still opens it).
        yield Footer(compact=True, show_command_palette=False)

    def on_key(self, event: events.Key) -> None:
        """A printable key typed where it means nothing (the plot, the samples, the runs table
        but for its own keys) goes to the prompt, which takes the focus: typing is what the
        screen is for. Setup fields and the prompt took their keys before this."""
        focused = self.focused
        if not (event.is_printable and event.character) or focused in (None, self.prompt):
            return
        if event.key in self.active_bindings:  # the focused pane's own key (s, m, [, ...)
            return
        event.stop()
        event.prevent_default()
        self.hide_setup()  # below 100 columns an open form hides the prompt
        self.prompt.focus()
        self.prompt.insert(event.character)

    def on_mount(self) -> None:
        # The first frame says the core is on its way (the app starts it behind that frame, and
        # says when it is up): its numbers would only be empty ("ppl - · 0 chars/s") till then.
        self.status.set_state(RunState.IDLE, "starting the engine...")

    def on_screen_resume(self) -> None:
        """A dialog (or help) closed: with Esc, back to the prompt, as Esc is from anywhere;
        answered otherwise, the focus stays where the dialog found it."""
        if self.escaped:
            self.escaped = False
            self.hide_setup()
            self.prompt.focus()

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        # Each class that changes on the screen re-applies the stylesheet to every widget
        # (~25 ms here): the changes are made together and the styles updated once.
        changed = False
        for name, wanted in size_classes(width, height).items():
            if self.has_class(name) != wanted:
                self.set_class(wanted, name, update=False)
                changed = True
        if changed:
            self.update_node_styles()
        self.setup.show_back_key(self.narrow)

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
        elif pane.next_view() == VIEWS[0].name:
            self.remove_class("-inside")
        return self.wants_views

    @property
    def wants_views(self) -> bool:
        return self.has_class("-inside") and self.inside.wants_inspection

    def show_runs(self, runs: list[RunSummary], selected: int | None) -> None:
        # The table's own display, not a class on the screen: that would re-apply the
        # stylesheet to every widget (~30 ms) when the first run comes and the last goes.
        self.runs.display = bool(runs)
        # The plot chooses which runs it draws (and their colours): the table and the prompt
        # say which, in those colours.
        self.plot.show_runs(runs, selected)
        self.runs.curve_colors.update(self.plot.colors())
        self.runs.not_drawn = self.plot.not_drawn()
        self.runs.show_runs(runs, selected)
        self.prompt.show_runs(runs, selected, self.runs.curve_colors)
        shown = next((run for run in runs if run.id == selected), None)
        if shown is not None:
            self.status.show_numbers(shown)
            self.inside.follow_state(shown.state)
        self.status.show_training(runs)  # the other runs' speeds, the table's

    def follow(self, run: RunSummary | None) -> None:
        """The status line and the prompt's title follow `run` (the selected one)."""
        if run is not None:
            self.status.show_run(run)
            self.samples.show_period(run.config.pred_period, run.config.pred_seconds)
            cell = cell_of(run.config.model, run.config.nonlinearity)
            self.inside.follow_run(run.last, run.flow, run.config.clip, cell)
            self.inside.follow_weights(run.weights)
        else:
            self.status.show_no_run()
        self.prompt.show_model(label_now(run.label, run.config.lr) if run else "")

    def on_prompt_pane_cursor_moved(self, message: PromptPane.CursorMoved) -> None:
        self.inside.show_cursor(message.cursor)

    def on_inside_pane_move_cursor(self, message: InsidePane.MoveCursor) -> None:
        self.prompt.action_cursor(message.step)

    def note(self, text: str, style: str = "dim") -> None:
        self.samples.add_note(text, style)

    def show_missing_corpus(self, missing: MissingCorpus) -> None:
        """The book's corpus is not downloaded: said at once, before F5 tries."""
        self.status.set_state("idle", missing.status)
        self.setup.show_error("\n".join(missing.lines))  # no field: the focus stays put
        for line in missing.lines:
            self.note(line, style="yellow")
