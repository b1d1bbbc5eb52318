"""The book's periodic predictions: every pred_period epochs, each configured prefix."""

from __future__ import annotations

from collections import deque

from rich.console import RenderableType
from rich.text import Text
from textual.events import Resize, Show
from textual.widgets import RichLog

from tui.widgets.completion_lines import shown_chars
from tui.widgets.line_fold import Folded


class SamplesLog(RichLog):
    DEFAULT_CSS = """
    SamplesLog {
        height: 1fr;
        max-height: 10;
        min-height: 4;
        border: round $primary-darken-2;
        padding: 0 1;
        scrollbar-size-vertical: 1;
        /* Lines are wrapped to the width the pane has when they are written: a scrollbar
           appearing later must not take a column from them, nor a narrower terminal make
           them scroll sideways (at 80x24 that row was half the pane). */
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    """

    MAX_LINES = 500

    def __init__(self, *, id: str | None = None) -> None:
        # min_width 1: RichLog renders every line at least 78 cells wide by default, wider than
        # the pane at 80 columns.
        super().__init__(id=id, wrap=True, markup=False, max_lines=self.MAX_LINES, min_width=1)
        self.border_title = "samples"
        # What was written, to wrap again at a new width: RichLog renders a line once, at the
        # width the pane has then (one cell a row behind the full-screen setup form at 80x24,
        # cut characters after the terminal shrank).
        self._written: deque[Text] = deque(maxlen=self.MAX_LINES)
        # The (width, one row high) the lines held were shaped for; None: some await a width.
        self._shaped_for: tuple[int, bool] | None = (0, False)

    def show_period(self, epochs: int, seconds: float = 0.0) -> None:
        """Say how often the followed run predicts: its pred_period and pred_seconds."""
        every = [f"{epochs} epochs" if epochs != 1 else "epoch"] if epochs else []
        every += [f"{seconds:g} s of training"] if seconds else []
        self.border_title = f"samples every {' and every '.join(every)}" if every else (
            "samples (off)")  # fmt: skip

    def add_sample(self, label: str, epoch: int, prefix: str, text: str,
                   into: float = 0.0) -> None:
        """A sample predicted after `epoch` epochs, or `into` (a share) through the next one:
        "e2 · 53%" (labelled by the epoch done, a mid-epoch one looked older than it was)."""
        line = Text()
        at = f"e{epoch + 1} · {into:.0%}" if into else f"e{epoch}"
        line.append(f"{label} {at} ", style="dim")
        line.append(prefix, style="bold")
        # Line breaks as ↵, as the prompt shows them: a sample is one paragraph, so the newest
        # fits the pane's rows at 80x24. One of nothing but spaces (what an early model often
        # predicts) looked like no sample at all: its spaces are ·, as in the prompt.
        line.append(shown_chars(text[len(prefix) :] if text.startswith(prefix) else text))
        self._write(line)

    def add_note(self, note: str, style: str = "dim") -> None:
        self._write(Text(note, style=style))

    def _write(self, line: Text) -> None:
        self._written.append(line)
        if self._size_known and self.scrollable_content_region.width < 1:
            # Hidden (behind the full-screen setup form at 80 columns): RichLog would render it
            # a character a row; it is shaped when the pane shows again (on_show).
            self._shaped_for = None
            return
        self.write(self._shaped(line))

    def _one_row(self) -> bool:
        return self.scrollable_content_region.height == 1

    def _shaped(self, line: Text) -> RenderableType:
        if self._one_row():
            # One row (at 80x24 beside a prompt of six rows): a wrapped line's last row was a
            # meaningless fragment ("u"); each line shows from its start, cut with an ellipsis.
            cut = line.copy()
            cut.no_wrap, cut.overflow = True, "ellipsis"
            return cut
        # Broken beside Chinese characters too (tui/widgets/line_fold.py): at 80x24 the newest
        # sample then fits the pane's two rows.
        return Folded(line)

    def on_resize(self, event: Resize) -> None:
        self._reshape()

    def on_show(self, event: Show) -> None:
        self._reshape()

    def _reshape(self) -> None:
        """Shape what was written again when the width or the one-row look changed."""
        shape = (self.scrollable_content_region.width, self._one_row())
        if shape[0] < 1 or shape == self._shaped_for:
            return
        self._shaped_for = shape
        if not self._size_known:  # RichLog renders what waited for its first size itself
            return
        at_end = self.is_vertical_scroll_end
        self.clear()
        for line in self._written:
            self.write(self._shaped(line), scroll_end=False)
        if at_end:
            self.scroll_end(animate=False, immediate=True)
