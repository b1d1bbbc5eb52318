"""What a trainer reports, and the states of a run: small frozen records of plain values, safe
to pass between threads. The playground core adds its own (engine/playground/events.py) and
reports every one of them as `(run_id, event)` through a single callback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunState(StrEnum):
    """Where a run is in its life; a StrEnum, so it reads and compares as its plain name."""

    IDLE = "idle"  # built, never trained
    QUEUED = "queued"  # built, never trained, waiting in the playground's queue for its turn
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
        parked = (RunState.IDLE, RunState.QUEUED, RunState.LOADED, RunState.FINISHED,
                  RunState.STOPPED)
        return self in parked

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
    seconds: float = 0.0  # training time so far in this epoch: what chars_per_sec is over


@dataclass(frozen=True)
class ParamStats:
    """One parameter's weights at an epoch's end (engine/inspect/weights.py): TensorBoard's
    histogram and distribution of it, its size and how far the epoch moved it."""

    name: str  # as the model names it: "W_xh", "rnn.weight_ih_l0", "dense.bias"
    shape: tuple[int, ...]
    # min, 25%, median, 75%, max of its values; the inner three read from the histogram's fine
    # bins, so within (max - min) / FINE_BINS of torch.quantile's
    quantiles: tuple[float, ...]
    norm: float  # L2 norm of all its values
    # |W_end - W_start| / |W_start| over the epoch's steps; None when the epoch was resumed
    # part-way (its start was not seen) or W_start was all zeros
    update_ratio: float | None
    histogram: tuple[int, ...]  # counts in equal bins from min to max (engine.inspect.weights.BINS)


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # epochs completed, 1-based
    epochs: int  # the target epoch count at the time
    perplexity: float  # exp(mean cross-entropy over the epoch)
    seconds: float  # wall time of the epoch
    chars_per_sec: float  # predicted characters per second
    grad_norm: float  # mean global gradient L2 norm before clipping
    lr: float  # learning rate used in this epoch
    # exp(mean cross-entropy) on the held-out characters (engine/data/validation.py); None when off
    val_perplexity: float | None = None
    # |dl_T/dH_t| for t = 1 .. T = num_steps on the epoch's last batch, l_T its last step's loss
    # (engine/inspect/grad_flow.py); () on epochs where it was not measured (it may take only
    # engine.training.probes.FLOW_SHARE of the time)
    grad_through_time: tuple[float, ...] = ()
    clipped_share: float | None = None  # share of the epoch's steps whose norm exceeded clip θ
    step: int = 0  # optimizer steps taken when the epoch ended
    # every parameter's weights at the epoch's end, in the model's order; () on epochs where they
    # were not measured (engine.training.probes.WEIGHTS_SHARE of the time at most)
    weights: tuple[ParamStats, ...] = ()


@dataclass(frozen=True)
class Sample:
    epoch: int  # epochs completed when it was predicted
    prefix: str
    text: str  # prefix followed by the greedy continuation
    step: int = 0  # optimizer steps taken when it was predicted (places a mid-epoch sample)
    # share of epoch `epoch + 1` trained when it was predicted (pred_seconds); 0.0 at an epoch's
    # end, where `epoch` says it all
    into: float = 0.0


@dataclass(frozen=True)
class StatusChanged:
    status: RunState
    message: str = ""  # why, for diverged/failed; what happened, for finished
    epoch: int = 0  # epochs completed at that moment


TrainerEvent = BatchEnd | EpochEnd | Sample | StatusChanged
