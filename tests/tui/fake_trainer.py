"""The fake engine's Trainer: scripted batches and a fixed perplexity curve, no torch.

Same controls, events and threading contract as engine.train.Trainer (call_soon between batches,
pause/resume/stop), so the app's driver cannot tell the difference.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from fake_corpus import TEXT, Corpus

from engine.config import TrainConfig
from engine.events import BatchEnd, EpochEnd, Sample, StatusChanged


class SnapshotBox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0

    def publish(self) -> None:
        with self._lock:
            self._version += 1

    def latest(self) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            return self._version, {"version": self._version}


@dataclass
class Script:
    """How the fake trains: `batch_delay` seconds per batch, `batches` per epoch."""

    batches: int = 4
    batch_delay: float = 0.0
    diverge_at: int | None = None
    fail_at: int | None = None


class Trainer:
    script = Script()

    def __init__(
        self, corpus: Corpus, config: TrainConfig, on_event: Callable[[Any], None] | None = None
    ) -> None:
        self.corpus = corpus
        self.config = config
        self.on_event = on_event or (lambda e: None)
        self.device = "cpu"
        self.epoch = 0
        self.history: list[EpochEnd] = []
        self.samples: list[Sample] = []
        self.status = "stopped"
        self.snapshots = SnapshotBox()
        self.lr = config.learning_rate
        self.target_epochs = config.epochs
        self._run_gate = threading.Event()
        self._run_gate.set()
        self._stop = threading.Event()
        self._soon: list[Callable[[Trainer], None]] = []
        self._lock = threading.Lock()
        self._running = threading.Lock()

    # controls
    def pause(self) -> None:
        self._run_gate.clear()

    def resume(self) -> None:
        self._run_gate.set()

    def stop(self) -> None:
        self._stop.set()
        self._run_gate.set()

    def set_lr(self, lr: float) -> None:
        self.call_soon(lambda t: setattr(t, "lr", lr))

    def set_epochs(self, n: int) -> None:
        self.call_soon(lambda t: setattr(t, "target_epochs", max(n, 0)))

    def call_soon(self, fn: Callable[[Trainer], None]) -> None:
        # As the engine: between batches while running, at once (on the caller's thread) if not.
        if self._running.acquire(blocking=False):
            try:
                fn(self)
            finally:
                self._running.release()
            return
        with self._lock:
            self._soon.append(fn)

    def current_config(self) -> TrainConfig:
        # As the engine: the config is frozen; a changed lr or epoch target is folded in here.
        return replace(self.config, lr=self.lr, epochs=self.target_epochs)

    def _drain(self) -> None:
        with self._lock:
            soon, self._soon = self._soon, []
        for fn in soon:
            fn(self)

    def _between_batches(self) -> bool:
        self._drain()
        if not self._run_gate.is_set():
            self._set_status("paused")
            while not self._run_gate.wait(0.05):
                self._drain()
            if not self._stop.is_set():
                self._set_status("running")
        return not self._stop.is_set()

    def _set_status(self, status: str, message: str = "") -> None:
        self.status = status
        self.on_event(StatusChanged(status, message))

    def perplexity(self, epoch: int) -> float:
        v = len(self.corpus.vocab)
        rate = 0.08 if self.config.sampling == "random" else 0.06
        return 1.0 + (v - 1.0) * math.exp(-rate * epoch)

    def run_epoch(self) -> EpochEnd:
        s = self.script
        e = self.epoch + 1
        for b in range(1, s.batches + 1):
            if s.batch_delay:
                time.sleep(s.batch_delay)
            self.on_event(BatchEnd(e, b, s.batches, math.log(self.perplexity(e)), 12_345.0))
            self.snapshots.publish()
        if s.fail_at == e:
            raise RuntimeError("scripted failure")
        self.epoch = e
        grad = 0.5 * math.exp(-0.03 * e) + 0.004
        end = EpochEnd(e, self.target_epochs, self.perplexity(e), 0.25, 12_345.0, grad, self.lr)
        self.history.append(end)
        self.on_event(end)
        if e % self.config.pred_period == 0:
            for prefix in self.config.prefixes:
                sample = Sample(e, prefix, prefix + TEXT[e % 20 : e % 20 + self.config.pred_len])
                self.samples.append(sample)
                self.on_event(sample)
        return end

    def run(self) -> str:
        with self._running:
            return self._run_locked()

    def _run_locked(self) -> str:
        self._stop.clear()
        self._set_status("running")
        while self.epoch < self.target_epochs:
            if not self._between_batches():
                self._drain()
                self._set_status("stopped")
                return "stopped"
            if self.script.diverge_at == self.epoch + 1:
                self._set_status("diverged", "loss became NaN")
                return "diverged"
            self.run_epoch()
        self._drain()
        self._set_status("finished")
        return "finished"

    def state_dict(self) -> dict[str, Any]:
        return {
            "config": self.current_config().to_dict(),
            "epoch": self.epoch,
            "history": [asdict(e) for e in self.history],
            "samples": [asdict(s) for s in self.samples],
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        self.epoch = int(d["epoch"])
        self.target_epochs = int(d["config"]["epochs"])
        self.history = [EpochEnd(**e) for e in d["history"]]
        self.samples = [Sample(**s) for s in d["samples"]]
        self.snapshots.publish()
