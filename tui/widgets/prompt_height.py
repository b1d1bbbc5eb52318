"""How tall the prompt pane is laid out: it grows at once with what it shows and shrinks only
once typing pauses, so that clearing the prompt or deleting back over a line break does not
make the pane, and the plot above it, jump (each layout pass is 20-40 ms of the whole screen
while training: the plot redraws at its new size).

Plain state for PromptPane (tui/widgets/prompt.py), which measures the lines and lays out.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer

# How long the pane keeps a height its text no longer needs: until typing pauses.
SHRINK_AFTER_S = 1.0


class PromptHeight:
    """The height laid out, in lines of content, and the shrink that waits for a pause."""

    def __init__(
        self,
        set_timer: Callable[[float, Callable[[], None]], Timer],
        needed: Callable[[], int],
        relayout: Callable[[], None],
    ) -> None:
        self._set_timer, self._needed, self._relayout = set_timer, needed, relayout
        self.lines = 1
        self._shrink: Timer | None = None

    def fit(self, needed: int) -> bool:
        """The text now needs `needed` lines: whether the pane must be laid out again (it
        grew); a smaller need waits for typing to pause."""
        if needed < self.lines:
            if self._shrink is None:
                self._shrink = self._set_timer(SHRINK_AFTER_S, self._shrink_now)
            return False
        if self._shrink is not None:  # the text needs the height again: nothing to shrink
            self._shrink.stop()
            self._shrink = None
        grew, self.lines = needed != self.lines, needed
        return grew

    def typing(self) -> None:
        """A keystroke: a waiting shrink waits for the pause after it."""
        if self._shrink is not None:
            self._shrink.reset()

    def kept(self) -> int:
        """The lines held while a shrink waits (0 when none does)."""
        return self.lines if self._shrink is not None else 0

    def settled(self, needed: int) -> bool:
        """Whether the height laid out is what the text needs, no shrink waiting."""
        return self._shrink is None and self.lines == needed

    def _shrink_now(self) -> None:
        self._shrink = None
        self.lines = self._needed()
        self._relayout()
