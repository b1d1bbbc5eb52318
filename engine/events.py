"""What the engine reports: small frozen records of plain values, safe to pass between threads.

The trainer emits the first four; the playground core (engine/playground.py) adds the rest and
reports every one of them as `(run_id, event)` through a single callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from engine.config import TrainConfig

if TYPE_CHECKING:
    from engine.inspect import Inspection


class RunState(StrEnum):
    """Where a run is in its life; a StrEnum, so it reads and compares as its plain name."""

    IDLE = "idle"  # built, never trained
    LOADING = "loading"  # corpus and trainer being built, or a session being read
    LOADED = "loaded"  # restored from a session file, not trained since
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"  # reached its target epoch count
    STOPPED = "stopped"  # stopped by the user (or the app closing) before the target
    DIVERGED = "diverged"  # a step would have made the weights non-finite; it was not taken
    FAILED = "failed"  # an unexpected error ended training

    @property
    def parked(self) -> bool:
        """A trainer that is not training and can be trained on."""
        return self in (RunState.IDLE, RunState.LOADED, RunState.FINISHED, RunState.STOPPED)

    @property
    def active(self) -> bool:
        """Training now (a paused run counts: it holds the trainer thread)."""
        return self in (RunState.RUNNING, RunState.PAUSED)


@dataclass(frozen=True)
class BatchEnd:
    epoch: int  # the epoch in progress, 1-based
    batch: int  # batches done in this epoch
    batches: int  # batches in one epoch
    loss: float  # mean cross-entropy of this batch
    chars_per_sec: float  # throughput so far in this epoch
    step: int = 0  # optimizer steps taken so far, this batch's included


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # epochs completed, 1-based
    epochs: int  # the target epoch count at the time
    perplexity: float  # exp(mean cross-entropy over the epoch)
    seconds: float  # wall time of the epoch
    chars_per_sec: float  # predicted characters per second
    grad_norm: float  # mean global gradient L2 norm before clipping
    lr: float  # learning rate used in this epoch
    # exp(mean cross-entropy) on the held-out characters (engine/validation.py); None when off
    val_perplexity: float | None = None
    # |dloss/dH_t| for t = 1 .. num_steps on the epoch's last batch (engine/grad_flow.py); ()
    # on epochs where it was not measured (it may take only engine.train.FLOW_SHARE of the time)
    grad_through_time: tuple[float, ...] = ()
    clipped_share: float | None = None  # share of the epoch's steps whose norm exceeded clip θ
    step: int = 0  # optimizer steps taken when the epoch ended


@dataclass(frozen=True)
class Sample:
    epoch: int  # epochs completed when it was predicted
    prefix: str
    text: str  # prefix followed by the greedy continuation
    step: int = 0  # optimizer steps taken when it was predicted (places a mid-epoch sample)


@dataclass(frozen=True)
class StatusChanged:
    status: RunState
    message: str = ""  # why, for diverged/failed; what happened, for finished
    epoch: int = 0  # epochs completed at that moment


# -- the playground core's own reports ---------------------------------------------------------
@dataclass(frozen=True)
class RunAdded:
    """A run joined the registry: a new one (empty history) or one loaded from a session."""

    label: str  # "#2 scratch·random": how every pane names the run
    config: TrainConfig  # as it stands (a changed lr or epoch target folded in)
    corpus: str  # the corpus spec: "jaychou", "pysrc" or a path
    max_chars: int
    vocab_size: int
    device: str  # the device it trains on, resolved ("cpu", "cuda:0")
    state: RunState
    epoch: int = 0  # epochs completed
    path: str | None = None  # the session file it came from
    history: tuple[EpochEnd, ...] = ()
    samples: tuple[Sample, ...] = ()
    prompt: str = ""  # the prompt saved with the session
    notes: tuple[str, ...] = ()  # what the loader had to adapt (e.g. a CUDA save on a CPU)


@dataclass(frozen=True)
class RunRefused:
    """A new run or a load could not begin; nothing changed. run_id is None for these."""

    message: str
    field: str | None = None  # the TrainConfig field (or "corpus") at fault, when one is


@dataclass(frozen=True)
class RunRemoved:
    """A finished run left the registry (clear finished runs)."""


@dataclass(frozen=True)
class TargetChanged:
    """The run trains towards a new epoch count, or with a new learning rate."""

    epochs: int
    lr: float


@dataclass(frozen=True)
class Saved:
    path: str
    error: str | None = None  # None: written; else one line saying why not
    quiet: bool = False  # an autosave on the way out


@dataclass(frozen=True)
class Completion:
    """The greedy continuation of `text` under the weights of the run the prompt follows."""

    text: str
    completion: str
    unknown: tuple[str, ...] = ()  # characters of text not in the vocabulary (skipped)
    version: int = 0  # the weights snapshot it was computed with
    error: str | None = None
    follows: int | None = None  # the run whose weights it used
    probs: tuple[float, ...] = ()  # the model's probability of each completed character
    inspection: Inspection | None = None  # what the model holds and looks at, when asked for


@dataclass(frozen=True)
class DevicesTimed:
    """A run's setup timed on every device of this machine (engine.device_bench)."""

    # (device setting's name, seconds per epoch or None, why it was not timed or None)
    rows: tuple[tuple[str, float | None, str | None], ...]
    verdict: str  # what a GPU buys for this model size, in a sentence


TrainerEvent = BatchEnd | EpochEnd | Sample | StatusChanged
Event = (
    TrainerEvent
    | RunAdded
    | RunRefused
    | RunRemoved
    | TargetChanged
    | Saved
    | Completion
    | DevicesTimed
)
__all__ = [
    "BatchEnd",
    "Completion",
    "DevicesTimed",
    "EpochEnd",
    "Event",
    "RunAdded",
    "RunRefused",
    "RunRemoved",
    "RunState",
    "Sample",
    "Saved",
    "StatusChanged",
    "TargetChanged",
    "TrainerEvent",
]
