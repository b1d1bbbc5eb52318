"""The book's periodic predictions: every pred_period epochs, each configured prefix."""

from __future__ import annotations

from collections import deque

from rich.text import Text
from textual.events import Resize
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
        self._wrapped_at = 0

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
        # fits the pane's rows at 80x24.
        line.append(shown_chars(text[len(prefix) :] if text.startswith(prefix) else text, False))
        self._write(line)

    def add_note(self, note: str, style: str = "dim") -> None:
        self._write(Text(note, style=style))

    def _write(self, line: Text) -> None:
        # Broken beside Chinese characters too (tui/widgets/line_fold.py): at 80x24 the newest
        # sample then fits the pane's two rows.
        self._written.append(line)
        self.write(Folded(line))

    def on_resize(self, event: Resize) -> None:
        width = self.scrollable_content_region.width
        if width < 1 or width == self._wrapped_at:
            return
        self._wrapped_at = width
        if not self._size_known:  # RichLog renders what waited for its first size itself
            return
        at_end = self.is_vertical_scroll_end
        self.clear()
        for line in self._written:
            self.write(Folded(line), scroll_end=False)
        if at_end:
            self.scroll_end(animate=False, immediate=True)
