"""A run in the playground's registry, and the plain summary of it that a UI shows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine.config import TrainConfig
from engine.playground.lifecycle import Action, allowed
from engine.training.events import EpochEnd, RunState

# Types only: the app shows RunSummary records from its first frame, before torch has loaded.
if TYPE_CHECKING:
    from engine.playground.reporter import RunReporter
    from engine.training.trainer import Trainer


@dataclass
class Run:
    """A run in the registry. Its fields change on the trainer thread; read them through
    `Playground.summary`, which copies them under the registry lock. The registry gives it its
    id and label when it joins (0 and "" until then)."""

    corpus: str  # the spec it was loaded with: "jaychou", "pysrc" or a path
    max_chars: int
    trainer: Trainer
    state: RunState
    path: Path | None = None  # the session file it came from or was last saved to
    progress: int = 0  # batches trained since it was built or loaded (trainer thread)
    saved_progress: int = 0  # `progress` as the newest save holds it
    saved_epoch: int | None = None  # the epochs the newest save (or the loaded file) holds
    message: str = ""  # why it diverged or failed
    reporter: RunReporter | None = None  # its trainer's on_event, for a crash it cannot report
    marked: bool = False  # completes the prompt beside the selected run (Playground.mark)
    # The lr a paused run trained at before F8 gave it another: it takes the new one up once it
    # trains again, resumed or (stopped meanwhile) trained on (None: no change waits).
    # Playground.set_lr sets it; any state but paused or stopped clears it.
    paused_lr: float | None = None
    id: int = 0
    label: str = ""

    @property
    def unsaved(self) -> bool:
        return self.progress != self.saved_progress

    @property
    def worth_saving(self) -> bool:
        """False for a run that diverged or failed before any epoch ended with a finite loss:
        its file (megabytes) would hold weights that never learned anything."""
        if self.state not in (RunState.DIVERGED, RunState.FAILED):
            return True
        return any(math.isfinite(e.perplexity) for e in self.trainer.history)

    def allows(self, action: Action) -> bool:
        return action in allowed(self.state)


@dataclass(frozen=True)
class RunSummary:
    """One run as a table row would show it: plain values, taken under the lock."""

    id: int
    label: str
    state: RunState
    config: TrainConfig  # as it stands (lr and epoch target as changed while training)
    epoch: int  # epochs completed
    last: EpochEnd | None  # the last completed epoch's numbers
    flow: EpochEnd | None  # the last epoch that measured the gradient flow through time
    best_perplexity: float | None
    device: str
    path: str | None
    unsaved: bool
    message: str
    marked: bool = False  # completes the prompt beside the selected run
    corpus: str = ""  # the corpus it trains on, as given: "jaychou", "pysrc" or a path
    best_val_perplexity: float | None = None  # the lowest held-out perplexity of its epochs
    weights: tuple[EpochEnd, ...] = ()  # its epochs that measured the weights (EpochEnd.weights)
    line_breaks: bool = False  # its vocabulary holds "\n": a prompt for it may hold them
    # The epochs the newest file of it holds (saved or loaded; None: none does): training
    # since is what "unsaved" means for a run saved once.
    saved_epoch: int | None = None
    # Paused with a new lr from F8 (config.lr): the lr it trained at until it paused, kept until
    # it trains again (resumed, or stopped and trained on) and takes the new one up; None when
    # no change waits.
    paused_lr: float | None = None

    @property
    def perplexity(self) -> float | None:
        return self.last.perplexity if self.last is not None else None

    def allows(self, action: Action) -> bool:
        """Whether the run's state allows `action` (engine.playground.lifecycle's table)."""
        return action in allowed(self.state)


def summarize(run: Run) -> RunSummary:
    """The run as it stands now (call it under the registry's lock)."""
    trainer = run.trainer
    history = list(trainer.history)
    last = history[-1] if history else None
    finite = [e.perplexity for e in history if e.perplexity == e.perplexity]
    held_out = [v for e in history if (v := e.val_perplexity) is not None and v == v]
    return RunSummary(
        id=run.id,
        label=run.label,
        state=run.state,
        config=trainer.current_config(),
        # The epoch its last record ends, read from the same record as the perplexity (a row
        # once showed epoch N beside epoch N-1's perplexity, read while the held-out probe ran).
        # Before any record (a new run, or a session with none), the trainer's count.
        epoch=last.epoch if last is not None else trainer.epoch,
        last=last,
        flow=next((e for e in reversed(history) if e.grad_through_time), None),
        best_perplexity=min(finite) if finite else None,
        device=str(trainer.device),
        path=str(run.path) if run.path else None,
        unsaved=run.unsaved,
        message=run.message,
        marked=run.marked,
        corpus=run.corpus,
        best_val_perplexity=min(held_out) if held_out else None,
        weights=tuple(e for e in history if e.weights),
        line_breaks="\n" in trainer.corpus.vocab,
        saved_epoch=run.saved_epoch,
        paused_lr=run.paused_lr,
    )
