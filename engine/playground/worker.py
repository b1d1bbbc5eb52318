"""The trainer thread: builds new runs, trains them on and times devices, one request at a time
in the order asked (one run trains at a time). Loads do not come here (engine/playground/
loader.py reads them on threads of their own), so no load waits for training.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.config import ConfigError
from engine.data.corpus import Corpus, CorpusError, load_corpus
from engine.playground.events import DevicesTimed, RunRefused, TargetChanged
from engine.playground.registry import Registry
from engine.playground.reporter import Report, RunReporter
from engine.playground.runs import Run
from engine.training.build import build_trainer
from engine.training.device_bench import bench_devices, verdict
from engine.training.events import RunState, StatusChanged

# Adopting a run: (run, its reporter, saved label, saved prompt, notes) -> it joins the registry.
Adopt = Callable[[Run, RunReporter, str, str, tuple[str, ...]], None]


@dataclass(frozen=True)
class _NewRun:
    corpus: str
    max_chars: int
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class _TrainOn:
    run_id: int
    epochs: int | None  # the new target (None: the run's own)


@dataclass(frozen=True)
class _TimeDevices:
    run_id: int


@dataclass(frozen=True)
class _Quit:
    pass


_Request = _NewRun | _TrainOn | _TimeDevices | _Quit


class TrainerWorker:
    def __init__(
        self,
        registry: Registry,
        report: Report,
        new_reporter: Callable[[], RunReporter],
        adopt: Adopt,
        closing: threading.Event,
    ) -> None:
        self._registry, self._report = registry, report
        self._new_reporter, self._adopt, self._closing = new_reporter, adopt, closing
        self._requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._corpus_cache: dict[tuple[str, int], Corpus] = {}
        self.thread = threading.Thread(target=self._loop, name="rnnplay-trainer", daemon=True)

    # -- requests (any thread) ------------------------------------------------------------------
    def start(self) -> None:
        self.thread.start()

    def close(self, timeout: float) -> None:
        self._requests.put(_Quit())
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    def new_run(self, corpus: str, max_chars: int, settings: Mapping[str, Any]) -> None:
        self._requests.put(_NewRun(corpus, max_chars, dict(settings)))

    def train_on(self, run_id: int, epochs: int | None) -> None:
        self._requests.put(_TrainOn(run_id, epochs))

    def time_devices(self, run_id: int) -> None:
        self._requests.put(_TimeDevices(run_id))

    # -- the thread -----------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._closing.is_set():
            request = self._requests.get()
            if isinstance(request, _Quit):
                return
            try:
                if isinstance(request, _NewRun):
                    self._new_run(request)
                elif isinstance(request, _TrainOn):
                    self._train_on(request.run_id, request.epochs)
                elif isinstance(request, _TimeDevices):
                    self._time_devices(request.run_id)
            except Exception as exc:  # noqa: BLE001 - one bad request must not end the thread
                self._report(None, RunRefused(f"{type(exc).__name__}: {exc}"))

    def _corpus(self, spec: str, max_chars: int) -> Corpus:
        key = (spec, max_chars)
        if key not in self._corpus_cache:
            self._corpus_cache[key] = load_corpus(spec, max_chars=max_chars)
        return self._corpus_cache[key]

    def _new_run(self, request: _NewRun) -> None:
        reporter = self._new_reporter()
        try:
            corpus = self._corpus(request.corpus, request.max_chars)
            trainer = build_trainer(corpus, request.settings, reporter)
        except ConfigError as exc:
            self._report(None, RunRefused(str(exc), exc.field))
            return
        except CorpusError as exc:
            self._report(None, RunRefused(str(exc), "corpus"))
            return
        run = Run(request.corpus, request.max_chars, trainer, RunState.IDLE, reporter=reporter)
        self._adopt(run, reporter, "", "", ())
        self._train_on(run.id, None, announce=False)

    def _train_on(self, run_id: int, epochs: int | None, *, announce: bool = True) -> None:
        """Train a parked run to `epochs` (announced with TargetChanged, unless it is new)."""
        if self._closing.is_set():
            return
        run = self._registry.claim(run_id)
        if run is None:
            return  # removed, or no longer parked, meanwhile
        trainer = run.trainer
        if epochs is not None:
            trainer.set_epochs(epochs)  # not running: applies at once
        if announce:
            self._report(run.id, TargetChanged(trainer.target_epochs, trainer.lr))
        try:
            trainer.run()
        except Exception as exc:  # noqa: BLE001 - a crash in one run must not end the thread
            failed = StatusChanged(RunState.FAILED, f"{type(exc).__name__}: {exc}", trainer.epoch)
            if run.reporter is not None:
                run.reporter.send(failed)

    def _time_devices(self, run_id: int) -> None:
        run = self._registry.get(run_id)
        if run is None:
            return
        trainer = run.trainer
        timings = bench_devices(trainer.corpus, trainer.current_config())
        rows = tuple((t.name, None if t.error else t.epoch_seconds, t.error) for t in timings)
        self._report(run.id, DevicesTimed(rows, verdict(timings)))
