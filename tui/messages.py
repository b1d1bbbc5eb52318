"""Messages the background threads post to the app: small plain values only.

Posted with App.post_message, which is thread-safe and never blocks the trainer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from textual.message import Message

from engine.events import EpochEnd

M = TypeVar("M", bound=Message)


def while_running(handler: Callable[[Any, M], None]) -> Callable[[Any, M], None]:
    """Drop a thread's message once the app is shutting down.

    Messages queued by the trainer or completion threads can still be dispatched after Textual
    has removed the screens (it drains the queue while closing); the panes they update are gone
    by then, and querying them would end the app with a traceback.
    """

    @functools.wraps(handler)
    def guarded(self: Any, message: M) -> None:
        if self.is_running:
            handler(self, message)

    return guarded


@dataclass(frozen=True)
class RunInfo:
    run_id: int
    label: str
    model: str
    sampling: str
    epochs: int
    lr: float
    clip: float
    vocab_size: int
    device: str
    corpus: str
    prefixes: tuple[str, ...] = field(default_factory=tuple)


class RunStarted(Message):
    def __init__(self, info: RunInfo) -> None:
        super().__init__()
        self.info = info


class RunRefused(Message):
    """The configuration or corpus was rejected before training began."""

    def __init__(self, message: str, field_hint: str | None = None) -> None:
        super().__init__()
        self.message = message
        self.field_hint = field_hint


class RunEnded(Message):
    def __init__(self, run_id: int, status: str, error: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.status = status
        self.error = error


class Progress(Message):
    """Latest in-epoch progress; only the newest matters, so queued ones are replaced."""

    def __init__(
        self, run_id: int, epoch: int, batch: int, batches: int, loss: float, chars_per_sec: float
    ) -> None:
        super().__init__()
        self.run_id = run_id
        self.epoch = epoch
        self.batch = batch
        self.batches = batches
        self.loss = loss
        self.chars_per_sec = chars_per_sec

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, Progress) and message.run_id == self.run_id


class EpochPoint(Message):
    """One finished epoch; every one is a point on the plot, so these never coalesce."""

    def __init__(
        self,
        run_id: int,
        epoch: int,
        epochs: int,
        perplexity: float,
        seconds: float,
        chars_per_sec: float,
        grad_norm: float,
        lr: float,
    ) -> None:
        super().__init__()
        self.run_id = run_id
        self.epoch = epoch
        self.epochs = epochs
        self.perplexity = perplexity
        self.seconds = seconds
        self.chars_per_sec = chars_per_sec
        self.grad_norm = grad_norm
        self.lr = lr


class SampleText(Message):
    def __init__(self, run_id: int, epoch: int, prefix: str, text: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.epoch = epoch
        self.prefix = prefix
        self.text = text


class StatusChange(Message):
    def __init__(self, run_id: int, status: str, message: str = "") -> None:
        super().__init__()
        self.run_id = run_id
        self.status = status
        self.message = message


class CompletionReady(Message):
    """A greedy completion computed for `text` under weights `version`."""

    def __init__(
        self,
        text: str,
        completion: str,
        unknown: tuple[str, ...],
        version: int,
        error: str | None = None,
    ) -> None:
        super().__init__()
        self.error = error
        self.text = text
        self.completion = completion
        self.unknown = unknown
        self.version = version

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, CompletionReady)


# -- sessions ---------------------------------------------------------------------------------
class SessionLoaded(Message):
    """A session file became the current (not yet running) trainer.

    Carries everything the panes show, as plain values read on the trainer thread: `setup`
    holds the setup pane's field values as text, `samples` (epoch, prefix, text) tuples.
    """

    def __init__(
        self,
        info: RunInfo,
        path: str,
        setup: dict[str, str],
        epoch: int,
        history: tuple[EpochEnd, ...],
        samples: tuple[tuple[int, str, str], ...],
        prompt: str,
        notes: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.info = info
        self.path = path
        self.setup = setup
        self.epoch = epoch
        self.history = history
        self.samples = samples
        self.prompt = prompt
        self.notes = notes


class LoadFailed(Message):
    """A session could not be loaded; `message` is the engine's SessionError text."""

    def __init__(self, message: str, state: str) -> None:
        super().__init__()
        self.message = message
        self.state = state  # what the status pane should show again (the previous run's state)


class RunResumed(Message):
    """A parked trainer (loaded, stopped or finished) trains on, towards `epochs`."""

    def __init__(self, run_id: int, epochs: int) -> None:
        super().__init__()
        self.run_id = run_id
        self.epochs = epochs


class SaveDone(Message):
    """A save finished: `error` is None on success, else the SessionError text."""

    def __init__(self, run_id: int, path: str, error: str | None, mark: int, quiet: bool) -> None:
        super().__init__()
        self.run_id = run_id
        self.path = path
        self.error = error
        self.mark = mark  # the run's progress counter at the snapshot that was written
        self.quiet = quiet  # an autosave on the way out: nobody is left to read a toast
