"""What the loop measures and shows besides training itself, called at fixed points of it (the
shape of minGPT's trainer callbacks): the perplexity on held-out text, the gradient's flow
through time and the weights' distributions at each epoch's end, and sample predictions every
pred_period epochs or every pred_seconds of training.

A probe never draws a random number and never changes the weights, so a run is the same with
or without it. It reads time from the trainer's clock (`Trainer.clock`), the one the loop times
its batches with, so a test that freezes that clock freezes every time a run reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from engine.data.validation import perplexity
from engine.generation.generate import predict
from engine.inspect.grad_flow import grad_through_time
from engine.inspect.weights import snapshot, weight_stats
from engine.models.char_rnn import State
from engine.training.events import Sample

if TYPE_CHECKING:
    from engine.training.trainer import Trainer

# The gradient-flow probe may take at most this share of training time. Its pass is a few hundred
# small ops one after another, so its cost is mostly per op: on the CPU at the book's sizes it is
# ~2% of an epoch and runs every epoch; on a GPU, where the epoch itself is a few dozen fused
# kernels, it cost a third of every epoch (bench/RESULTS.md) and now runs about once a second.
FLOW_SHARE = 0.02
# The weights' distributions may take as much again (engine/inspect/weights.py: one pass over the
# weights, ~1% of a book-sized epoch on the CPU; bench/weights_probe.py measures it).
WEIGHTS_SHARE = 0.02


@dataclass(frozen=True)
class TrainedBatch:
    """A batch the loop has just taken a step on."""

    X: torch.Tensor  # (batch_size, num_steps) input ids
    Y: torch.Tensor  # (batch_size, num_steps) target ids
    state: State  # the hidden state the batch started from
    seconds: float  # training time it took
    last: bool  # the epoch's last batch


class Probe:
    """Does nothing at any point; a probe overrides the points it needs."""

    def on_epoch_begin(self, trainer: Trainer) -> None:
        """Before an epoch's first batch (not when a saved epoch resumes part-way)."""

    def on_batch_end(self, trainer: Trainer, batch: TrainedBatch) -> None:
        """After each step, once its BatchEnd is reported."""

    def on_epoch_end(self, trainer: Trainer) -> dict[str, Any]:
        """Measurements for the epoch's EpochEnd, by field name, before it is reported
        (trainer.epoch still counts the epochs before this one: it moves with the record)."""
        return {}

    def after_epoch_end(self, trainer: Trainer) -> None:
        """Once the epoch's EpochEnd is reported."""


def held_out_perplexity(trainer: Trainer) -> float | None:
    """Perplexity on the held-out characters under the current weights (None: none held out)."""
    if trainer.val_ids is None:
        return None
    cfg = trainer.config
    return perplexity(trainer.model, trainer.val_ids, cfg.num_steps,
                      carry_state=cfg.sampling == "consecutive", rows=cfg.batch_size)


class HeldOutPerplexity(Probe):
    def on_epoch_end(self, trainer: Trainer) -> dict[str, Any]:
        return {"val_perplexity": held_out_perplexity(trainer)}


class GradientFlow(Probe):
    """|dl_T/dH_t| (the last step's loss back to each H_t) on the epoch's last batch
    (engine/inspect/grad_flow.py), measured when it costs at most FLOW_SHARE of the training
    time since it last ran, and on the run's last epoch always; () otherwise, or when the epoch
    had no batch here (resumed with all done)."""

    def __init__(self) -> None:
        self.latest: TrainedBatch | None = None
        self.unmeasured = math.inf  # training seconds since the last measurement: due at first
        self.cost = 0.0  # seconds the last measurement took

    def on_batch_end(self, trainer: Trainer, batch: TrainedBatch) -> None:
        self.latest = batch
        self.unmeasured += batch.seconds

    def on_epoch_end(self, trainer: Trainer) -> dict[str, Any]:
        latest, self.latest = self.latest, None
        last = trainer.epoch + 1 >= trainer.target_epochs  # the epoch ending is the run's last
        due = self.unmeasured * FLOW_SHARE >= self.cost or last
        if latest is None or not due:
            return {"grad_through_time": ()}
        began = trainer.clock()
        # ends in a host sync, so the cost is timed fully
        flow = grad_through_time(trainer.model, latest.X, latest.Y, latest.state)
        self.cost = trainer.clock() - began
        self.unmeasured = 0.0
        return {"grad_through_time": flow}


class WeightsOverTime(Probe):
    """Every parameter's distribution, norm and update ratio at an epoch's end
    (engine/inspect/weights.py), measured when it costs at most WEIGHTS_SHARE of the training
    time since it last ran, and on the run's last epoch always; () otherwise. The copy of the
    weights at each epoch's start (for the update ratio) is made every epoch: a memory copy of a
    few MB, ~0.1 ms at the book's sizes, left out of the share (bench/weights_probe.py times
    the whole probe)."""

    def __init__(self) -> None:
        self.start: list[torch.Tensor] | None = None  # the weights at the epoch's start
        self.unmeasured = math.inf  # training seconds since the last measurement: due at first
        self.cost = 0.0  # seconds the last measurement took

    def on_epoch_begin(self, trainer: Trainer) -> None:
        self.start = snapshot(trainer.model)

    def on_batch_end(self, trainer: Trainer, batch: TrainedBatch) -> None:
        self.unmeasured += batch.seconds

    def on_epoch_end(self, trainer: Trainer) -> dict[str, Any]:
        start, self.start = self.start, None
        last = trainer.epoch + 1 >= trainer.target_epochs  # the epoch ending is the run's last
        due = self.unmeasured * WEIGHTS_SHARE >= self.cost or last
        if not due:
            return {"weights": ()}
        began = trainer.clock()
        weights = weight_stats(trainer.model, start)  # ends in a host sync: timed fully
        self.cost = trainer.clock() - began
        self.unmeasured = 0.0
        return {"weights": weights}


def predict_samples(trainer: Trainer) -> list[Sample]:
    """The greedy continuation of each sample prompt under the current weights, placed by the
    epochs completed and how far into the next one training is."""
    cfg, cursor = trainer.config, trainer.cursor
    into = cursor.batch / len(cursor.starts) if cursor is not None and len(cursor.starts) else 0.0
    return [
        Sample(
            trainer.epoch,
            prefix,
            predict(trainer.model, trainer.corpus.vocab, prefix, cfg.pred_len, trainer.device),
            step=trainer.step,
            into=into if into < 1 else 0.0,
        )
        for prefix in cfg.prefixes
    ]


class SamplePredictions(Probe):
    """Samples every pred_period epochs (at the epoch's end) and every pred_seconds of training
    (mid-epoch too, so a long epoch shows progress); they go into trainer.samples and out as
    Sample events."""

    def __init__(self) -> None:
        self.unsampled = 0.0  # training seconds since the last samples

    def on_batch_end(self, trainer: Trainer, batch: TrainedBatch) -> None:
        self.unsampled += batch.seconds
        # the epoch's last batch leaves it to the epoch's end, so one moment gives one set
        if not batch.last and self._due(trainer, epoch_end=False):
            self._emit(trainer)

    def after_epoch_end(self, trainer: Trainer) -> None:
        if self._due(trainer, epoch_end=True):
            self._emit(trainer)

    def _due(self, trainer: Trainer, epoch_end: bool) -> bool:
        cfg = trainer.config
        by_epoch = epoch_end and cfg.pred_period and trainer.epoch % cfg.pred_period == 0
        return bool(by_epoch or (cfg.pred_seconds and self.unsampled >= cfg.pred_seconds))

    def _emit(self, trainer: Trainer) -> None:
        self.unsampled = 0.0
        for sample in predict_samples(trainer):
            trainer.samples.append(sample)
            trainer.on_event(sample)
