"""The minibatch layout view's lines (the book's section 6.3): the training text as a strip
marked by what the epoch does with it around the batch shown, where that batch's hidden state
comes from, its rows' text, and why the prompt may warm up first. Drawn from the core's
BatchLayout (engine/data/layout.py); nothing is computed here.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from engine.playground.events import EARLIER, LATER, SHOWN, UNREAD, BatchLayout, RunState
from tui.widgets.inside_lines import DIM, Lines, breaks, shown_char

STRIP_LABEL = "text "
# How the strip draws each mark (engine.data.layout's), and the legend's words for it.
MARKS = {
    SHOWN: ("█", Style(color="bright_yellow"), "this batch"),
    EARLIER: ("▓", Style(color="blue"), "earlier"),
    LATER: ("░", Style(color="cyan"), "later"),
    UNREAD: ("·", Style(dim=True), "unread"),
}


def strip_cells(width: int) -> int:
    """How many cells of the strip a content width holds (what to ask the core for)."""
    return max(1, width - len(STRIP_LABEL))


def layout_lines(lines: Lines, layout: BatchLayout, warmup: int) -> None:
    """Where the batch is and how its hidden state begins first (at 80x24 the pane shows four
    rows), then the strip, the prompt's start and the batch's rows."""
    lines.dim(
        f"{layout.sampling} · epoch {layout.epoch} · batch {layout.batch + 1}/{layout.batches} "
        f"({_place(layout)})"
    )
    lines.text(Text(f"state: {layout.state}", style="bold"))
    lines.cells(None, [(STRIP_LABEL, DIM)] + [
        (MARKS[mark][0], MARKS[mark][1]) for mark in layout.strip
    ])  # fmt: skip
    lines.dim(_zero_state_note(layout, warmup))
    legend = " · ".join(f"{glyph} {words}" for glyph, _, words in MARKS.values())
    lines.dim(
        f"the strip: {layout.train_chars:,} training characters, {legend}; a batch is "
        f"{layout.batch_size} rows × {layout.num_steps} steps"
    )
    for row, (start, segment) in enumerate(zip(layout.starts, layout.segments, strict=True)):
        label = f"row {row:>2} @{start:>6,} "
        shown = breaks(segment, max(1, lines.width - len(label)))
        cut = segment[: shown[0].stop] if shown else ""
        lines.cells(None, [(label, DIM), ("".join(map(shown_char, cut)), Style())])


def _place(layout: BatchLayout) -> str:
    """The run's place in the epoch, in the state the core reports (a stopped run's cursor
    stays where it stopped: it is not training there)."""
    if layout.run != RunState.RUNNING:
        if not layout.trained:
            return f"{layout.run}: the next epoch"
        if layout.trained >= layout.batches:
            return f"{layout.run} at the epoch's end"
        return f"{layout.run} at batch {layout.trained + 1}"
    if not layout.trained:
        return "the next epoch"
    if layout.trained >= layout.batches:
        return "all trained: the epoch is ending"
    return f"training at {layout.trained + 1}"


def _zero_state_note(layout: BatchLayout, warmup: int) -> str:
    used = (
        f"the prompt reads {warmup} characters of training text first (ctrl+y: warm-up)"
        if warmup
        else "the prompt starts from zeros, as the book's predict (ctrl+y: warm-up)"
    )
    if layout.sampling == "random":
        return f"{used}; random sampling starts every batch from zeros, so it knows that start"
    return (
        f"{used}; trained consecutively, the model starts from zeros in 1 batch of "
        f"{layout.batches}, so greedy text from a cold start can be junk"
    )
