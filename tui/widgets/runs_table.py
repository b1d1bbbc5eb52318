"""The runs of this session, one row each: where a run is chosen, the plot's legend, and a
comparison of the runs' settings and numbers (tui/widgets/runs_columns.py lays the columns out).

Rows are redrawn from the core's summaries (engine.playground.RunSummary) by the screen, a few
times a second at most. Enter on a row asks the app to make it the selected run (the one the
status line, the prompt, save and stop act on); Delete asks to remove it; Space hides or shows
its curve; m marks it (its completion of the prompt gets a line); s sorts by the next column
shown, S reverses the order.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import DataTable

from engine.playground import RunSummary
from tui.labels import label_now
from tui.widgets.runs_columns import LABEL, Column, fitted, layout, sort_runs

HIDDEN = " (hidden)"
NOT_DRAWN = " (not drawn)"
# Cells drawn, kept by what they show: a table of a few runs and ~12 columns holds far fewer.
DRAWN_CELLS = 1_000


class RunsTable(DataTable[Text]):
    DEFAULT_CSS = """
    /* the screen lowers max-height on a short terminal; columns fit the width, never scroll.
       No scrollbar: its thumb stood beside the header row ("held-out  ▂▂"); the label
       column's header says how many rows are out of view instead. */
    RunsTable { height: auto; max-height: 6; overflow-x: hidden; scrollbar-size-vertical: 0; }
    RunsTable:focus { background-tint: $accent 10%; }
    """

    BINDINGS = [
        Binding("enter", "choose", "Follow", show=False),
        Binding("delete", "remove", "Remove", show=False),
        Binding("space", "toggle_shown", "Hide/show", show=False),
        Binding("m", "mark", "Mark", show=False),
        Binding("s", "sort", "Sort", show=False),
        Binding("S", "reverse", "Reverse", show=False),
        # The first and last run: a row cursor has no columns to go to (DataTable's Home/End
        # scroll sideways, and the columns never scroll), and with more runs than rows in view
        # End is the way to the newest.
        Binding("home", "scroll_top", "First run", show=False),
        Binding("end", "scroll_bottom", "Last run", show=False),
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

    class MarkAsked(Message):
        """The user marked or unmarked a run to complete the prompt beside the selected one (m)."""

        def __init__(self, run_id: int) -> None:
            super().__init__()
            self.run_id = run_id

    class ToggleShown(Message):
        def __init__(self, run_id: int) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, id: str | None = None) -> None:
        # Before DataTable's own set-up, which clears the caches (_clear_caches) already.
        self._drawn_cells: LRUCache[tuple, list[list[Segment]]] = LRUCache(DRAWN_CELLS)
        super().__init__(
            id=id, cursor_type="row", zebra_stripes=False, show_cursor=True, cell_padding=0
        )
        self.curve_colors: dict[int, str] = {}  # run id -> its curve's colour, set by the screen
        self.hidden: set[int] = set()  # runs whose curve is hidden
        self.not_drawn: set[int] = set()  # runs the plot leaves out (more than it can show)
        self.sort_by: str | None = None  # a column's name; None: the order the runs were made
        self.descending = False
        self._room = 1_000  # the table's width, once it has one
        self._shown: tuple[list[RunSummary], int | None] = ([], None)  # the last show_runs
        self._selected: int | None = None  # the selected run the last show_runs had
        self._layout: tuple[Column, ...] = ()
        self._recount = False  # a header redone for the rows in view is on its way

    def on_resize(self, event: events.Resize) -> None:
        # The table's own width decides, not the screen's: from 100 to ~114 columns the setup
        # form beside it leaves the table less room than the screen's width.
        self._room = event.size.width
        self.show_runs(*self._shown)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The header's count of runs out of view follows the rows in view, which change with a
        # horizontal scrollbar that comes or goes (no Resize event says so: "↕ 4 more" showed
        # over 3 rows of 6 until the next report) as with the height. Redone after this frame.
        if self._shown[0] and self._headers_stale() and not self._recount:
            self._recount = True
            self.call_later(self._recounted)
        return super().render_lines(crop)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        # DataTable keeps a cell's drawing only until any cell changes: an epoch's new numbers
        # drew the header and every cell again through rich, ~60% of the UI thread's frame at
        # an epoch's end (issue 21, bar 3). Kept here by what the cell shows, only changed
        # cells are drawn again.
        if column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cell = self._get_row_renderables(row_index).cells[column_index]
        if not isinstance(cell, Text):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (
            row_index, column_index, cell.plain, str(cell.style), tuple(cell.spans),
            cell.justify, cell.overflow, cell.no_wrap, base_style, width, cursor, hover,
            self._show_hover_cursor, self._pseudo_class_state, self.cursor_type,
        )  # fmt: skip
        lines = self._drawn_cells.get(key)
        if lines is None:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            self._drawn_cells[key] = lines
        return lines

    def _clear_caches(self) -> None:  # what DataTable drops with its own drawings, ours too
        super()._clear_caches()
        self._drawn_cells.clear()

    def notify_style_update(self) -> None:  # a new theme or focus: new styles
        super().notify_style_update()
        self._drawn_cells.clear()

    def _recounted(self) -> None:
        self._recount = False
        self.show_runs(*self._shown)

    # -- called by the screen ----------------------------------------------------------------
    def keep_in_view(self) -> None:
        """Ask for a layout pass if the table holds rows but was laid out 0 rows high. Its height
        (auto) follows its rows at a layout pass, and on a loaded machine the pass asked for when
        the rows came was sometimes lost: a finished run's table stayed invisible (its content
        height 2, its region 0) until something else laid the screen out."""
        if self.row_count and self.display and self.size.height == 0:
            self.refresh(layout=True)


    def show_runs(self, runs: list[RunSummary], selected: int | None) -> None:
        """Show the core's summaries. While the same runs are listed in the same order and the
        same columns, only their cells change (a repaint); otherwise the rows are rebuilt (a
        layout pass)."""
        self._shown = (runs, selected)
        before, self._selected = self._selected, selected
        # Taken before new columns clear the rows (and the cursor with them): a resize or a
        # column that comes or goes leaves the cursor on its run, not on the top row.
        at_cursor, cursor_row = self._run_at_cursor(), self.cursor_row
        columns = layout(runs, self._room)
        if columns != self._layout or self._headers_stale():
            self._set_columns(columns)
        ordered = sort_runs(runs, self._sort_column(), self.descending)
        keys = [str(run.id) for run in ordered]
        newly = selected is not None and selected != before
        if keys == [str(row.value) for row in self.rows]:
            for run in ordered:
                for column, cell in zip(self._layout, self._cells(run, run.id == selected),
                                        strict=True):
                    self.update_cell(str(run.id), column.name, cell)
            if newly:  # selected after its row came (a loaded run): the cursor goes to it
                self.move_cursor(row=keys.index(str(selected)), animate=False)
            return
        self.clear()
        for run, key in zip(ordered, keys, strict=True):
            self.add_row(*self._cells(run, run.id == selected), key=key)
        if ordered:
            # The table may show fewer rows than it holds (it scrolls): unless the user is
            # moving through it, the cursor goes to the selected run, which scrolls it into
            # view; while they are, it stays on the run it was on, wherever sorting moved it.
            # If that run went, the cursor stays where it was: on the row that took its place,
            # or the new last one (never the top, where a second Del would take another run).
            # A run the core newly selected (loaded, started) is followed even then: it is
            # where the user's attention goes, and it was left out of view below the rows.
            follow = at_cursor if self.has_focus and not newly or selected is None else selected
            row = keys.index(str(follow)) if str(follow) in keys else cursor_row
            self.move_cursor(row=min(row, len(keys) - 1), animate=False)

    def _set_columns(self, columns: tuple[Column, ...]) -> None:
        self._layout = columns
        self.clear(columns=True)
        for column in columns:
            self.add_column(self._header(column), width=column.width, key=column.name)

    def _header(self, column: Column) -> str:
        """The column's name; the one the rows are sorted by says which way (▲ rising); the
        label's says how many runs are out of view when they do not all fit."""
        name = column.name
        # The rows in view: under the header, above a horizontal scrollbar (`size` counts it).
        in_view = self.scrollable_content_region.height - 1
        out_of_view = len(self._shown[0]) - in_view
        if column is LABEL and in_view > 0 and out_of_view > 0:
            name = f"run · ↕ {out_of_view} more · s sorts"
        if column.name != (self.sort_by or LABEL.name) or not (self.sort_by or self.descending):
            return name
        arrow = "▼" if self.descending else "▲"
        if column is LABEL:  # "run▲ F3 clears · s sorts": the arrow in place of a " ·", so
            # two cells stay before the next column ("… s sorts model" read as one phrase)
            return name.replace(" ·", arrow, 1)
        return name + arrow

    def _headers_stale(self) -> bool:
        return [str(c.label) for c in self.columns.values()] != [
            self._header(c) for c in self._layout
        ]

    def _sort_column(self) -> Column | None:
        return next((c for c in self._layout if c.name == self.sort_by), None)

    def _cells(self, run: RunSummary, selected: bool) -> list[Text]:
        return [self._label(run, selected), *(self._cell(c, run) for c in self._layout[1:])]

    def _label(self, run: RunSummary, selected: bool) -> Text:
        # ▶ the selected run, ✓ a marked one (its completion has a line in the prompt). The
        # label in its curve's colour is the plot's legend; a hidden curve's is dimmed and
        # struck through, and says "(hidden)" where the column has room for it: the label is
        # the run's name, never cut for the mark ("#1 scratch·ran… (hidden)" was).
        label = Text(("▶" if selected else " ") + ("✓" if run.marked else " "), style="bold")
        name = label_now(run.label, run.config.lr)  # "#2 scratch·lr 30→20" after F8
        # Cut to the column less its spare cell, "…" saying so: a longer one ran into the next
        # column ("#4 scratch·sampling rando10", the 10 the lr column's).
        room = LABEL.width - 1 - label.cell_len
        if cell_len(name) > room:
            name = set_cell_size(name, room - 1) + "…"
        if run.id in self.hidden:
            label.append(name, style="dim italic strike")
            if label.cell_len + len(HIDDEN) <= LABEL.width - 1:
                label.append(HIDDEN, style="dim italic")
        elif run.id in self.not_drawn:  # the plot has more runs than colours (curve_choice)
            label.append(name, style="dim italic")
            if label.cell_len + len(NOT_DRAWN) <= LABEL.width - 1:
                label.append(NOT_DRAWN, style="dim italic")
        else:
            color = self.curve_colors.get(run.id, "")
            label.append(name, style=f"{color} bold" if selected else color)
        return label

    @staticmethod
    def _cell(column: Column, run: RunSummary) -> Text:
        failed = column.name == "status" and run.message
        return Text(fitted(column, run), style="red" if failed else "")

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

    def action_mark(self) -> None:
        run_id = self._run_at_cursor()
        if run_id is not None:
            self.post_message(self.MarkAsked(run_id))

    def action_toggle_shown(self) -> None:
        run_id = self._run_at_cursor()
        if run_id is not None:
            self.post_message(self.ToggleShown(run_id))

    def action_sort(self) -> None:
        """Sort by the next column shown; after the last, back to the order the runs were made."""
        names = [c.name for c in self._layout[1:]]
        at = names.index(self.sort_by) + 1 if self.sort_by in names else 0
        self.sort_by = names[at] if at < len(names) else None
        self.show_runs(*self._shown)

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.show_runs(*self._shown)
