"""One trial of a sweep, as Ray Tune runs it: the Trainer that the app and `rnnplay train` build
(engine/training/build.py), trained to the sweep's epoch count, reporting each epoch's held-out
perplexity to Tune with the trial's session file as its checkpoint.

The session file is the checkpoint, so what Tune keeps, moves to its storage path and hands back
on a restore is exactly the file a user loads in the app: a trial resumed after Ctrl-C (or
restarted on another node) carries on from it, bit-exact, and an early stop keeps the weights of
its last reported epoch.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ray
from ray import tune

from engine.data.corpus import Corpus
from engine.session import load_session, restore_trainer, session_bytes, write_session
from engine.sweep.space import METRIC, plain_settings
from engine.training.build import build_trainer
from engine.training.events import EpochEnd, RunState, TrainerEvent
from engine.training.trainer import Trainer

SESSION_FILE = "session.rnnplay"  # the one file in each checkpoint


def train_trial(config: Mapping[str, Any], corpus: Corpus) -> None:
    """Tune's function trainable: `config` holds the trial's TrainConfig fields; the corpus
    comes from the driver through tune.with_parameters (Ray's object store), so no node needs
    the corpus file."""
    settings = plain_settings(config)
    trainer = _resumed(corpus, settings) or build_trainer(corpus, settings)
    reports = _Reports(trainer)
    trainer.on_event = reports.on_event
    status = trainer.run()
    if status != RunState.FINISHED:
        # A diverged trial ends here with its weights from before the bad step: its last report
        # says so (ranked on its best epoch, or last when it never finished one).
        reports.report(status)


def _resumed(corpus: Corpus, settings: dict[str, Any]) -> Trainer | None:
    """The trainer of this trial's latest checkpoint (a restored sweep), or None for a new one."""
    checkpoint = tune.get_checkpoint()
    if checkpoint is None:
        return None
    with checkpoint.as_directory() as folder:
        session = load_session(Path(folder) / SESSION_FILE)
    return restore_trainer(session, epochs=settings["epochs"], threads=settings.get("threads"),
                           corpus=corpus)


class _Reports:
    """Reports each epoch to Tune with the session file, after that epoch's samples: the report
    is queued with call_soon, so it runs between batches on the trainer's thread (as a periodic
    save does) and Tune may stop the trial there without any step half-taken."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer

    def on_event(self, event: TrainerEvent) -> None:
        if isinstance(event, EpochEnd):
            self.trainer.call_soon(lambda trainer: self.report(RunState.RUNNING))

    def report(self, status: RunState) -> None:
        trainer = self.trainer
        # From the whole history, so a trial resumed from its session file keeps the best of
        # the epochs it trained before.
        vals = [_finite(e.val_perplexity) for e in trainer.history]
        best = min(vals, default=math.inf)
        metrics = {
            METRIC: vals[-1] if vals and status == RunState.RUNNING else best,
            "best_" + METRIC: best,
            "perplexity": trainer.history[-1].perplexity if trainer.history else math.inf,
            "epoch": trainer.epoch,
            "status": str(status),
            # Which machine of a cluster trained it (Ray's node id).
            "node": ray.get_runtime_context().get_node_id(),
        }
        with tempfile.TemporaryDirectory(prefix="rnnplay-trial-") as folder:
            write_session(Path(folder) / SESSION_FILE, session_bytes(trainer))
            tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(folder))


def _finite(value: float | None) -> float:
    """A perplexity Tune can compare: none measured, or one that overflowed, ranks last."""
    return value if value is not None and math.isfinite(value) else math.inf
