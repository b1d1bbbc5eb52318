"""One trial of a sweep, as Ray Tune runs it: the Trainer that the app and `rnnplay train` build
(engine/training/build.py), trained to the sweep's epoch count, reporting each epoch's held-out
perplexity to Tune with the trial's session file as its checkpoint.

The session file is the checkpoint, so what Tune keeps, moves to its storage path and hands back
when it restarts a trial (on another node) is exactly the file a user loads in the app: the
trial carries on from it, bit-exact, and an early stop keeps the weights of its last reported
epoch. A resumed sweep (engine/sweep/resume.py) hands each trial cut short the bytes of its
latest session file the same way, through the session loader's checks.
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
from engine.sweep.space import METRIC, TRIAL_KEY, plain_settings
from engine.training.build import build_trainer
from engine.training.events import EpochEnd, RunState, StatusChanged, TrainerEvent
from engine.training.trainer import Trainer

SESSION_FILE = "session.rnnplay"  # the one file in each checkpoint


def train_trial(config: Mapping[str, Any], corpus: Corpus,
                sessions: Mapping[str, bytes] | None = None) -> None:
    """Tune's function trainable: `config` holds the trial's TrainConfig fields (and in a
    resumed sweep its name); the corpus, and the session files the trials of a resumed sweep
    carry on from, come from the driver through tune.with_parameters (Ray's object store), so no
    node needs the corpus file or the sweep folder."""
    settings = plain_settings(config)
    trainer = (_resumed(corpus, settings, (sessions or {}).get(config.get(TRIAL_KEY, "")))
               or build_trainer(corpus, settings))
    reports = _Reports(trainer)
    trainer.on_event = reports.on_event
    status = trainer.run()
    if status != RunState.FINISHED or not reports.sent:
        # A diverged trial ends here with its weights from before the bad step: its last report
        # says so (ranked on its best epoch, or last when it never finished one). A trial
        # resumed at its last epoch (a sweep aborted before its summary) reports where it is.
        reports.report(status)


def _resumed(corpus: Corpus, settings: dict[str, Any], saved: bytes | None) -> Trainer | None:
    """The trainer of this trial's latest checkpoint (Tune restarting it), else of the session
    file a resumed sweep handed it, or None for a new trial."""
    checkpoint = tune.get_checkpoint()
    with tempfile.TemporaryDirectory(prefix="rnnplay-trial-") as folder:
        if checkpoint is not None:
            checkpoint.to_directory(folder)
        elif saved is not None:
            write_session(Path(folder) / SESSION_FILE, saved)
        else:
            return None
        session = load_session(Path(folder) / SESSION_FILE)
    return restore_trainer(session, epochs=settings["epochs"], threads=settings.get("threads"),
                           corpus=corpus)


class _Reports:
    """Reports each epoch to Tune with the session file, after that epoch's samples: the report
    is queued with call_soon, so it runs between batches on the trainer's thread (as a periodic
    save does) and Tune may stop the trial there without any step half-taken."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.sent = False
        # Why the trial diverged, once it has: its session file says so, and the app loads that
        # trial as diverged (never trained on), as it does a run that diverged in it.
        self.diverged = ""

    def on_event(self, event: TrainerEvent) -> None:
        if isinstance(event, EpochEnd):
            self.trainer.call_soon(lambda trainer: self.report(RunState.RUNNING))
        elif isinstance(event, StatusChanged) and event.status == RunState.DIVERGED:
            self.diverged = event.message

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
            write_session(Path(folder) / SESSION_FILE,
                          session_bytes(trainer, diverged=self.diverged))
            tune.report(metrics, checkpoint=tune.Checkpoint.from_directory(folder))
        self.sent = True


def _finite(value: float | None) -> float:
    """A perplexity Tune can compare: none measured, or one that overflowed, ranks last."""
    return value if value is not None and math.isfinite(value) else math.inf
