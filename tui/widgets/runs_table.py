"""The runs of this session, one row each: where a run is chosen, and the plot's legend.

Rows are redrawn from the core's summaries (engine.playground.RunSummary) by the screen, a few
times a second at most. Enter on a row asks the app to make it the selected run (the one the
status line, the prompt, save and stop act on); Delete asks to remove it; Space hides or shows
its curve.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from engine.playground import RunSummary
from tui.numbers import perplexity_text, rate_text

# Fixed widths (each with a space to spare), so the table looks the same whatever values passed
# through it. The first header names the key that clears the table (Tab reaches it; Help lists
# the others). Where the table has less room than they take, GIVE_WAY leave, in that order, until
# the rest fit (the status line shows the device and the optimizer).
COLUMNS = (
    ("run · F3 clears", 26),
    ("status", 9),
    ("epoch", 9),
    ("ppl", 7),
    ("val", 7),
    ("best", 7),
    ("lr", 6),
    ("opt", 5),  # the optimizer: the book's SGD for scratch, Adam for the nn models
    ("device", 7),
    ("saved", 7),
)
GIVE_WAY = ("device", "best", "opt")


def fitting_columns(room: int) -> tuple[str, ...]:
    """The columns shown in `room` cells: all, less those that give way until the rest fit."""
    shown = [label for label, _ in COLUMNS]
    widths = dict(COLUMNS)
    for label in GIVE_WAY:
        if sum(widths[name] for name in shown) <= room:
            break
        shown.remove(label)
    return tuple(shown)


def _ppl(value: float | None) -> str:
    return "-" if value is None else perplexity_text(value)


class RunsTable(DataTable[Text]):
    DEFAULT_CSS = """
    RunsTable { height: auto; max-height: 6; }  /* the screen lowers it on a short terminal */
    RunsTable:focus { background-tint: $accent 10%; }
    """

    BINDINGS = [
        Binding("enter", "choose", "Follow", show=False),
        Binding("delete", "remove", "Remove", show=False),
        Binding("space", "toggle_shown", "Hide/show", show=False),
    ]

    class Chosen(Message):
        """The user picked a run to follow (Enter)."""

        def __init__(self, run_id: int) -> None:
            super().__init__()
            self.run_id = run_id

    class RemoveAsked(Message):
        def __init__(self, run_id: int) -> None:
            super().__init__()
            self.run_id = run_id

    class ToggleShown(Message):
        def __init__(self, run_id: int) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id, cursor_type="row", zebra_stripes=False, show_cursor=True, cell_padding=0
        )
        self.curve_colors: dict[int, str] = {}  # run id -> its curve's colour, set by the screen
        self.hidden: set[int] = set()  # runs whose curve is hidden
        self._shown: tuple[list[RunSummary], int | None] = ([], None)  # the last show_runs

    def on_mount(self) -> None:
        self._set_columns(fitting_columns(sum(width for _, width in COLUMNS)))

    def on_resize(self, event: events.Resize) -> None:
        # The table's own width decides, not the screen's: from 100 to ~114 columns the setup
        # form beside it left the table too little room for every column, and the last ones
        # were cut off.
        self._set_columns(fitting_columns(event.size.width))

    def _set_columns(self, labels: tuple[str, ...]) -> None:
        """The columns that fit, and the rows again in them."""
        if tuple(str(key.value) for key in self.columns) == labels:
            return
        self.clear(columns=True)
        widths = dict(COLUMNS)
        for label in labels:
            self.add_column(label, width=widths[label], key=label)
        self.show_runs(*self._shown)

    # -- called by the screen ----------------------------------------------------------------
    def show_runs(self, runs: list[RunSummary], selected: int | None) -> None:
        """Show the core's summaries. While the same runs are listed only their cells change
        (a repaint); a run added or removed rebuilds the rows (a layout pass)."""
        self._shown = (runs, selected)
        keys = [str(run.id) for run in runs]
        if keys == [str(row.value) for row in self.rows]:
            columns = list(self.columns)
            for run in runs:
                for column, cell in zip(columns, self._cells(run, run.id == selected), strict=True):
                    self.update_cell(str(run.id), column, cell)
            return
        keep = self.cursor_row
        self.clear()
        for run, key in zip(runs, keys, strict=True):
            self.add_row(*self._cells(run, run.id == selected), key=key)
        if runs:
            # The table may show fewer rows than it holds (it scrolls): unless the user is
            # moving through it, the cursor goes to the selected run, which scrolls it into view.
            if selected is not None and selected in (run.id for run in runs) and not self.has_focus:
                keep = [run.id for run in runs].index(selected)
            self.move_cursor(row=min(keep, len(runs) - 1), animate=False)

    def _cells(self, run: RunSummary, selected: bool) -> list[Text]:
        # The label in its curve's colour is the plot's legend; a hidden curve's is dimmed.
        color = "dim" if run.id in self.hidden else self.curve_colors.get(run.id, "")
        label = Text("▶ " if selected else "  ", style="bold")
        label.append(run.label, style=f"{color} bold" if selected else color)
        cfg = run.config
        # "changed": saved once, trained since.
        saved = "no" if run.path is None else ("changed" if run.unsaved else "yes")
        last = run.last
        cells = {
            "status": Text(str(run.state), style="red" if run.message else ""),
            "epoch": Text(f"{run.epoch}/{cfg.epochs}"),
            "ppl": Text(_ppl(run.perplexity)),
            "val": Text(_ppl(last.val_perplexity if last else None)),
            "best": Text(_ppl(run.best_perplexity)),
            "lr": Text(rate_text(cfg.lr)),
            "opt": Text(cfg.optimizer_name),
            "device": Text(run.device),
            "saved": Text(saved),
        }
        return [label, *(cells[str(key.value)] for key in list(self.columns)[1:])]

    def _run_at_cursor(self) -> int | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    # -- keys --------------------------------------------------------------------------------
    def action_choose(self) -> None:
        run_id = self._run_at_cursor()
        if run_id is not None:
            self.post_message(self.Chosen(run_id))

    def action_remove(self) -> None:
        run_id = self._run_at_cursor()
        if run_id is not None:
            self.post_message(self.RemoveAsked(run_id))

    def action_toggle_shown(self) -> None:
        run_id = self._run_at_cursor()
        if run_id is not None:
            self.post_message(self.ToggleShown(run_id))
