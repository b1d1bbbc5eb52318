"""What the trainer reports: small frozen records of plain values, safe to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BatchEnd:
    epoch: int  # the epoch in progress, 1-based
    batch: int  # batches done in this epoch
    batches: int  # batches in one epoch
    loss: float  # mean cross-entropy of this batch
    chars_per_sec: float  # throughput so far in this epoch


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # epochs completed, 1-based
    epochs: int  # the target epoch count at the time
    perplexity: float  # exp(mean cross-entropy over the epoch)
    seconds: float  # wall time of the epoch
    chars_per_sec: float  # predicted characters per second
    grad_norm: float  # mean global gradient L2 norm before clipping
    lr: float  # learning rate used in this epoch


@dataclass(frozen=True)
class Sample:
    epoch: int
    prefix: str
    text: str  # prefix followed by the greedy continuation


@dataclass(frozen=True)
class StatusChanged:
    status: str  # "running", "paused", "finished", "stopped" or "diverged"
    message: str = ""


Event = BatchEnd | EpochEnd | Sample | StatusChanged
