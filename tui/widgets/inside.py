"""Inside the model: what it expects next, what its hidden units hold, what its prediction looks
at, and how the gradient flows back through time. F10 steps through the views.

It draws what the core computed (engine.inspect.inspection's records, EpochEnd's gradient norms) and
does no arithmetic of its own beyond choosing colours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from engine.playground import RANKING_MEANINGS, RANKINGS
from engine.playground.events import BatchLayout, EpochEnd
from tui.widgets.inside_lines import Lines, flow_lines, looks_at_lines, odds_lines, units_lines
from tui.widgets.layout_lines import layout_lines, strip_cells
from tui.widgets.model_lines import model_lines
from tui.widgets.weights_lines import weights_lines

# Types only: the app draws its first frame before torch (and the engine) has loaded.
if TYPE_CHECKING:
    from engine.playground import Inspection

# The layout view follows training at most this often (each batch trained would ask again).
LAYOUT_EVERY_S = 0.25


@dataclass(frozen=True)
class View:
    """One view of the pane, in F10's order (VIEWS, at the end of this module). A view is
    either computed by the core with every completion of the prompt (`per_prompt`: its name is
    one of engine.inspect.inspection's views, asked for through Views.shown) or drawn from what
    the followed run reports (its epochs). Adding a view: a draw method on InsidePane and a row
    in VIEWS."""

    name: str  # as the title and F10 name it
    draw: Callable[[InsidePane, Lines], None]
    keys: str = ""  # what keys do in it while the pane is focused, for the title
    per_prompt: bool = True


class InsidePane(Widget, can_focus=True):
    DEFAULT_CSS = """
    InsidePane {
        height: 1fr; min-height: 5; max-height: 14;
        border: round $primary-darken-2; padding: 0 1;
    }
    InsidePane:focus { border: round $accent; }
    """

    BINDINGS = [
        Binding("left", "unit(-1)", "Unit -", show=False),
        Binding("right", "unit(1)", "Unit +", show=False),
        Binding("up", "scroll_lines(-1)", show=False),
        Binding("down", "scroll_lines(1)", show=False),
        Binding("r", "ranking", "Ranking", show=False),
        Binding("p", "pin", "Pin unit", show=False),
        Binding("s", "state", "h/c", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = VIEWS[0].name
        self.inspection: Inspection | None = None  # what the views show
        self._next_inspection: Inspection | None = None  # shown once the screen is refreshed
        self._inspection_due = False
        self.last: EpochEnd | None = None  # the followed run's last epoch
        self.flow: EpochEnd | None = None  # its last epoch that measured the gradient flow
        self.clip: float | None = 0.0  # the followed run's clip threshold (None: off)
        self.cell = "tanh"  # what carries its state (inside_lines.cell_of): the flow's words
        self.unit_rank = 0  # which unit of the ranking the text is coloured by (0: the top)
        self.ranking = RANKINGS[0]
        # The unit pinned (p): the text stays coloured by it while new weights re-rank the units
        self.pinned: int | None = None
        self.state = "h"
        self._shown_unit = 0  # the unit the units view last drew
        self.prompt_cursor = 0  # the prompt's cursor: the model view shows the character before it
        self.scrolled = 0  # lines scrolled past, where a view has more than its room
        self.weights: tuple[EpochEnd, ...] = ()  # the followed run's epochs that measured them
        self.param = 0  # the parameter the weights view shows (its index in the model)
        self.minibatches: BatchLayout | None = None  # the minibatch layout the core last gave
        self.batch_pinned: int | None = None  # the batch it shows (None: the one training)
        self.warmup = 0  # characters of training text the prompt reads first (0: from zeros)
        self._layout_asked = 0.0  # when training last had the layout asked for again
        # (what it showed, its lines, the records they were built from), last built
        self._drawn: tuple[tuple, list[Strip], tuple] | None = None
        self._frame_lines: tuple[list[Strip], Strip] | None = None  # this frame's, and a blank

    # -- called by the screen ----------------------------------------------------------------
    def next_view(self) -> str:
        names = [view.name for view in VIEWS]
        self.view = names[(names.index(self.view) + 1) % len(names)]
        self.scrolled = 0
        self._retitle()
        self.refresh(layout=True)
        self._ask_layout()
        return self.view

    @property
    def shown(self) -> View:
        return next(view for view in VIEWS if view.name == self.view)

    @property
    def wants_inspection(self) -> bool:
        return self.shown.per_prompt

    def show_inspection(self, inspection: Inspection | None) -> None:
        """The views of the prompt's new text, drawn in the frame after the one that shows its
        completion: building a view (the model view's ~4 ms) in that frame held the
        completion back while training (issue 21, bar 3)."""
        self._next_inspection = inspection
        if not self._inspection_due:
            self._inspection_due = True
            self.call_after_refresh(self._take_inspection)

    def _take_inspection(self) -> None:
        self._inspection_due = False
        self.inspection = self._next_inspection
        self._repaint()

    def show_epoch(self, end: EpochEnd, clip: float | None) -> None:
        """The followed run finished an epoch (which may not have measured the flow)."""
        # A summary taken after the trainer recorded this epoch may have brought it already.
        if end.weights and not (self.weights and self.weights[-1].epoch >= end.epoch):
            self.weights += (end,)
        self.follow_run(end, end if end.grad_through_time else self.flow, clip, self.cell)

    def follow_weights(self, measured: tuple[EpochEnd, ...]) -> None:
        """The followed run's epochs that measured the weights (RunSummary.weights)."""
        self.weights = measured
        if self.view == "weights":
            self._repaint()

    def show_layout(self, layout: BatchLayout | None) -> None:
        self.minibatches = layout
        if self.view == "layout":
            self._repaint()

    def batch_trained(self) -> None:
        """The followed run took a step: the layout's place in the epoch moved. Asked again at
        most every LAYOUT_EVERY_S: over a big corpus the core's strip reads a large table."""
        now = time.monotonic()
        if now - self._layout_asked >= LAYOUT_EVERY_S:
            self._layout_asked = now
            self._ask_layout()

    def follow_state(self, state: str) -> None:
        """The followed run's state as the core has it: a layout taken in another state (a run
        stopped or paused since) is asked for again, so its place says what the run does."""
        if self.minibatches is not None and self.minibatches.run != state:
            self._ask_layout()

    def set_warmup(self, warmup: int) -> None:
        if warmup != self.warmup:
            self.warmup = warmup
            self._repaint()

    def _ask_layout(self) -> None:
        if self.view == "layout" and self.display:
            cells = strip_cells(self.content_region.width or self.app.size.width - 4)
            self.post_message(self.LayoutAsked(self.batch_pinned, cells))

    class LayoutAsked(Message):
        """The layout view wants the core's BatchLayout of `batch` (None: the one training)
        with a strip of `cells` cells."""

        def __init__(self, batch: int | None, cells: int) -> None:
            super().__init__()
            self.batch, self.cells = batch, cells

    def on_resize(self) -> None:
        self._ask_layout()

    def follow_run(
        self, last: EpochEnd | None, flow: EpochEnd | None, clip: float | None, cell: str
    ) -> None:
        self.last, self.flow, self.clip, self.cell = last, flow, clip, cell
        if not self.shown.per_prompt:
            self._repaint()
        self._ask_layout()

    def show_cursor(self, cursor: int) -> None:
        self.prompt_cursor = cursor
        # A cursor past the text shown is a character typed: its inspection follows, and one
        # build of the view per keystroke is enough.
        shown = self.inspection
        if self.view == "model" and shown is not None and cursor <= len(shown.prompt):
            self._repaint()

    # -- keys while focused ------------------------------------------------------------------
    def action_unit(self, step: int) -> None:
        if self.view == "model":  # ←/→ move through the prompt, whose cursor the view follows
            self.post_message(self.MoveCursor(step))
            return
        if self.view == "weights":
            self.param += step
            self._repaint()
            return
        if self.view == "layout":
            shown = self.minibatches.batch if self.minibatches is not None else 0
            self.batch_pinned = max(0, shown + step)
            self._ask_layout()
            return
        self.unit_rank = max(0, self.unit_rank + step)
        self.pinned = None  # stepping leaves the pinned unit, from its rank now
        self._repaint()

    def action_pin(self) -> None:
        """Pin the unit shown (or unpin it): the units view keeps it while training re-ranks."""
        if self.view != "units":
            return
        self.pinned = None if self.pinned is not None else self._shown_unit
        self._repaint()

    def action_scroll_lines(self, step: int) -> None:
        self.scrolled = max(0, self.scrolled + step)
        self._repaint()

    class MoveCursor(Message):
        """Move the prompt's cursor by `step` characters."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def action_ranking(self) -> None:
        self.ranking = RANKINGS[(RANKINGS.index(self.ranking) + 1) % len(RANKINGS)]
        self.unit_rank, self.pinned = 0, None
        self._retitle()
        self.post_message(self.ViewsChanged())

    def action_state(self) -> None:
        self.state = "c" if self.state == "h" else "h"
        self._retitle()
        self.post_message(self.ViewsChanged())

    class ViewsChanged(Message):
        """The views asked of the core changed (ranking, LSTM state)."""

    def on_mount(self) -> None:
        self._retitle()

    def _retitle(self) -> None:
        self.border_title = f"inside: {self.view} · F10 next view{self.shown.keys}"

    # -- drawing -----------------------------------------------------------------------------
    def _repaint(self) -> None:
        # No layout pass: the pane's height is its share of the screen, whatever it shows.
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._frame_lines = None  # looked up again in this frame, by its first line drawn
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        # The view's lines, the scroll and the blank are found once a frame, not once a line:
        # their key reads the pane's region and style, ~0.2 ms a line, ~2 ms of the frame that
        # shows a new inspection (issue 21, bar 3).
        if self._frame_lines is None:
            width = self.content_region.width
            lines = self._view_lines(width)
            # Scrolled (↑/↓) where the view has more lines than its room, never past its last.
            self.scrolled = min(self.scrolled, max(0, len(lines) - self._room()))
            self._frame_lines = (lines, Strip.blank(width, self.rich_style))
        lines, blank = self._frame_lines
        y += self.scrolled
        return lines[y] if y < len(lines) else blank

    def _view_lines(self, width: int) -> list[Strip]:
        # Built once per change and width. The records are compared by identity (a new one
        # arrives with every change; the cache holds the old ones, so their ids are not reused).
        shown = (self.inspection, self.flow, self.last, self.weights, self.minibatches)
        base = self.rich_style
        key = (
            self.view, *map(id, shown), self.clip, self.cell, self.unit_rank, self.ranking,
            self.state, self.pinned,
            self.prompt_cursor, width, self._room(), base, self.warmup, self.param,
        )  # fmt: skip
        if self._drawn is None or self._drawn[0] != key:
            lines = Lines(max(1, width), base, self.app.console)
            self._draw(lines)
            self._drawn = (key, lines.strips, shown)
        return self._drawn[1]

    def _draw(self, lines: Lines) -> None:
        if self.shown.per_prompt and self.inspection is None:
            lines.dim("type in the prompt: the views follow what you type")
        else:
            self.shown.draw(self, lines)

    # -- the views, each drawn from what the core reported -----------------------------------
    def _odds(self, lines: Lines) -> None:
        if self.inspection.odds is None:
            lines.dim("no known character yet: nothing to predict from")
        else:
            odds_lines(lines, self.inspection.odds, self._room())

    def _looks_at(self, lines: Lines) -> None:
        if self.inspection.saliency is None:
            lines.dim("no known character yet: nothing to predict from")
        else:
            looks_at_lines(lines, self.inspection.saliency)

    def _model(self, lines: Lines) -> None:
        if self.inspection.model is None:
            lines.dim("the model view follows the prompt: type in it")
        else:
            run = None if self.last is None else self.last.perplexity
            model_lines(lines, self.inspection.model, self.prompt_cursor, run, self._room())

    def _flow(self, lines: Lines) -> None:
        if self.flow is None or self.last is None:
            lines.dim("gradient flow appears after the first epoch of the followed run")
        else:
            flow_lines(lines, self.flow, self.clip, self.cell)

    def _weights_view(self, lines: Lines) -> None:
        if not self.weights:
            lines.dim("the weights appear after the followed run's first epoch")
        else:
            weights_lines(lines, self.weights, self.param, self._room())

    def _layout_view(self, lines: Lines) -> None:
        if self.minibatches is None:
            lines.dim("the minibatch layout shows the selected run's epoch: start a run (F5)")
        else:
            layout_lines(lines, self.minibatches, self.warmup)

    def _room(self) -> int:
        """Lines of content the views fit their rows to: the pane's, a share of the screen."""
        return max(2, self.content_region.height)

    def _units(self, lines: Lines) -> None:
        hidden = self.inspection.hidden
        if hidden is None or not hidden.text:
            lines.dim("no text yet")
            return
        ranking = hidden.ranking(self.ranking)
        if self.pinned is not None and self.pinned in ranking.units:
            self.unit_rank = ranking.units.index(self.pinned)
        self.unit_rank = min(self.unit_rank, len(ranking.units) - 1)
        unit, score = ranking.units[self.unit_rank], ranking.scores[self.unit_rank]
        self._shown_unit = unit
        state = "cell c" if hidden.state == "c" else "h"
        pinned = ", pinned (p: unpin)" if self.pinned is not None else ""
        header = (
            f"unit {unit} of {state}{pinned}: #{self.unit_rank + 1} of the units ranked by "
            f"{RANKING_MEANINGS[ranking.name]}, {score:+.2f} for this unit; then the top units"
        )
        units_lines(lines, hidden, unit, header, self._room())


VIEWS = (
    View("odds", InsidePane._odds),
    View("units", InsidePane._units, " · Tab: ←/→ unit, p pin, r rank, s h/c (LSTM)"),
    View("looks at", InsidePane._looks_at),
    View("gradient flow", InsidePane._flow, per_prompt=False),
    View("model", InsidePane._model, " · ←/→ character, Tab: ↑/↓ scroll"),
    View("weights", InsidePane._weights_view, " · Tab: ←/→ parameter, ↑/↓ scroll",
         per_prompt=False),
    View("layout", InsidePane._layout_view, " · Tab: ←/→ batch, ↑/↓ scroll", per_prompt=False),
)
