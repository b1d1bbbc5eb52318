"""When the prompt draws an edit: while a run completes the prompt, an edit waits to be drawn
with its completion, in one frame, if that comes within ECHO_WAIT_S (else on its own then).
Drawn at once, the edit's frame (~3 ms of the UI thread, holding the GIL) slowed the prompt
thread computing the completion, which then waited for the next frame (issue 21, bar 3).

Plain state for PromptPane (tui/widgets/prompt.py), which draws.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer

ECHO_WAIT_S = 0.03


class EchoWait:
    """The deadline of the first edit not drawn yet, if one waits."""

    def __init__(
        self, set_timer: Callable[[float, Callable[[], None]], Timer], draw: Callable[[], None]
    ) -> None:
        self._set_timer, self._draw = set_timer, draw
        self._timer: Timer | None = None

    def edited(self) -> None:
        """An edit to draw with its completion: typed ahead, the first one sets the deadline."""
        if self._timer is None:
            self._timer = self._set_timer(ECHO_WAIT_S, self._draw)

    @property
    def waiting(self) -> bool:
        return self._timer is not None

    def drawn(self) -> None:
        """The pane is drawn now, whatever brought it: nothing waits any more."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
