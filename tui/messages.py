"""The one message the app gets from the engine: a playground report, posted from its threads.

App.post_message is thread-safe and never blocks the trainer. Reports whose newest value is all
that matters (in-epoch progress of one run, a run's completion) replace queued ones of their
kind for the same run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from textual.message import Message

from engine.playground.events import BatchEnd, Completion, Event

M = TypeVar("M", bound=Message)


def while_running(handler: Callable[[Any, M], None]) -> Callable[[Any, M], None]:
    """Drop a thread's message once the app is shutting down.

    Messages queued by the engine's threads can still be dispatched after Textual has removed
    the screens (it drains the queue while closing); the panes they update are gone by then,
    and querying them would end the app with a traceback.
    """

    @functools.wraps(handler)
    def guarded(self: Any, message: M) -> None:
        if self.is_running:
            handler(self, message)

    return guarded


class EngineReport(Message):
    """`event` (an engine.training.events record) about run `run_id` (None: about no run)."""

    def __init__(self, run_id: int | None, event: Event) -> None:
        super().__init__()
        self.run_id = run_id
        self.event = event

    def can_replace(self, message: Message) -> bool:
        if not isinstance(message, EngineReport):
            return False
        mine, theirs = self.event, message.event
        newest = isinstance(mine, Completion | BatchEnd) and type(theirs) is type(mine)
        # Marked runs complete the prompt too: one run's completion never hides another's.
        return newest and message.run_id == self.run_id
