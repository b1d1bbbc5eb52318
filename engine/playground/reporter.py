"""A run's trainer records on their way to the UI: batch reports coalesced to a readable pace,
the run's state and progress kept in the registry, the prompt told when the final weights are
out. One RunReporter per run, made before its trainer and bound to the run once it has an id.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from engine.generation.prompt_follower import PromptFollower
from engine.playground.events import Event
from engine.playground.registry import Registry
from engine.playground.runs import Run
from engine.training.events import BatchEnd, RunState, StatusChanged, TrainerEvent

Report = Callable[[int | None, Event], None]

# Batch reports are coalesced to this pace: thousands of batches a second on a small corpus
# would flood any reader, and only the newest one matters.
PROGRESS_INTERVAL_S = 0.1


class RunReporter:
    """The trainer's `on_event` for one run (called on the trainer thread, once per batch at
    least: it stays cheap)."""

    def __init__(
        self,
        registry: Registry,
        report: Report,
        prompt: PromptFollower,
        closing: threading.Event,
        stood_down: Callable[[], None] = lambda: None,
    ) -> None:
        self._registry, self._report, self._prompt = registry, report, prompt
        self._closing = closing
        self._stood_down = stood_down  # told when the run stops training (pauses or ends)
        self.run: Run | None = None  # set by bind(); a trainer reports nothing before it runs
        self._last_post = 0.0
        self._losses = 0.0  # batch losses since the last BatchEnd reported, and how many
        self._count = 0

    def bind(self, run: Run) -> None:
        self.run = run

    def __call__(self, event: TrainerEvent) -> None:
        run = self.run
        if run is None:
            return
        if self._closing.is_set():
            run.trainer.stop()
        if isinstance(event, BatchEnd):
            run.progress += 1
            self._losses, self._count = self._losses + event.loss, self._count + 1
            now = time.monotonic()
            if now - self._last_post < PROGRESS_INTERVAL_S and event.batch < event.batches:
                return
            # One report stands for the batches since the last: its loss is their mean, so a
            # per-step curve drawn from the reports is not one batch's noise.
            event = replace(event, loss=self._losses / self._count)
            self._last_post, self._losses, self._count = now, 0.0, 0
        self.send(event)

    def send(self, event: TrainerEvent) -> None:
        """Report `event`; a status change is kept in the registry first."""
        run = self.run
        if run is None:
            return
        if isinstance(event, StatusChanged):
            self._registry.set_state(run.id, event.status, event.message)
            if not event.status.active and run.id in self._prompt.followed:
                # The trainer published its final weights: the prompt shows them at once.
                self._prompt.weights_changed()
        self._report(run.id, event)
        if isinstance(event, StatusChanged) and event.status != RunState.RUNNING:
            self._stood_down()  # after its report: a queued run it starts reports after it
