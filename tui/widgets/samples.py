"""The book's periodic predictions: every pred_period epochs, each configured prefix."""

from __future__ import annotations

from rich.text import Text
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

    def __init__(self, *, id: str | None = None) -> None:
        # min_width 1: RichLog renders every line at least 78 cells wide by default, wider than
        # the pane at 80 columns.
        super().__init__(id=id, wrap=True, markup=False, max_lines=500, min_width=1)
        self.border_title = "samples"

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
        self.write(Folded(line))
