"""The training threads: each run trains on a thread of its own, so several train at once, and
a new run is built on its thread too (reading a corpus and building a model take a while). A
run may instead wait in the queue: queued runs start one at a time, each once no run trains (a
paused run trains nothing: pausing the last run that trains starts the next queued one, on a
thread of its own, as does a run ending). The cores are shared between the runs that train
(cores.py). Loads do not come here (engine/playground/loader.py reads them on threads of their
own), so no load waits for training.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from engine.config import ConfigError
from engine.data.corpus import Corpus, CorpusError, load_corpus
from engine.playground.cores import CoreShare
from engine.playground.events import DevicesTimed, RunRefused, TargetChanged
from engine.playground.joining import Joining
from engine.playground.registry import Registry, name_now
from engine.playground.reporter import Report, RunReporter
from engine.playground.runs import Run
from engine.playground.turns import Turns
from engine.training.build import build_trainer
from engine.training.device_bench import bench_devices, verdict
from engine.training.events import RunState, StatusChanged
from engine.training.trainer import Trainer

# How often a run stopped from a pause is checked for having parked (TrainerWorker.when_parked).
PARK_POLL_S = 0.01


class TrainerWorker:
    def __init__(
        self,
        registry: Registry,
        report: Report,
        joining: Joining,
        closing: threading.Event,
        cores: CoreShare,
    ) -> None:
        self._registry, self._report, self._joining = registry, report, joining
        self._closing = closing
        self.cores = cores
        self._lock = threading.Lock()  # the queue, the threads and the corpus cache
        self._queue: list[int] = []  # runs waiting for no run to train, in the order asked
        self._threads: list[threading.Thread] = []
        self._corpus_cache: dict[tuple[str, int], Corpus] = {}
        self._turns = Turns(closing)  # new runs join in the order asked for
        joining.stood_down = self._start_queued

    # -- requests (any thread) ------------------------------------------------------------------
    def close(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the threads (the caller has stopped the runs)."""
        self.unqueue()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            if thread.is_alive() and thread is not threading.current_thread():
                thread.join(timeout)

    def new_run(
        self, corpus: str, max_chars: int, settings: Mapping[str, Any], *, queue: bool, tag: str
    ) -> None:
        ticket = self._turns.ticket()
        self._spawn(self._new_run, ticket, corpus, max_chars, dict(settings), queue, tag)

    def train_on(self, run_id: int, epochs: int | None) -> None:
        with self._lock:
            if run_id in self._queue:
                self._queue.remove(run_id)
        self._spawn(self._train_on, run_id, epochs)

    def when_parked(self, run_id: int, then: Callable[[], None]) -> None:
        """Call `then` on a thread of its own once the run no longer trains (a stop asked of a
        paused run parks it within a batch's time), unless the app is closing."""
        self._spawn(self._when_parked, run_id, then)

    def time_devices(self, run_id: int) -> None:
        self._spawn(self._time_devices, run_id)

    def alive(self) -> bool:
        """Whether any of its threads still runs."""
        with self._lock:
            return any(t.is_alive() for t in self._threads)

    def queued(self) -> list[int]:
        """The runs waiting in the queue, first to start first (a run removed while queued
        leaves it at once, though its place is dropped only when its turn comes)."""
        with self._lock:
            return [run_id for run_id in self._queue if self._registry.get(run_id) is not None]

    def unqueue(self) -> None:
        """Empty the queue (on the way out, so stopping the runs that train starts none): its
        runs are idle again, each reported so."""
        with self._lock:
            dropped, self._queue = self._queue, []
        for run_id in dropped:
            with self._registry.lock:
                run = self._registry.get(run_id)
                if run is None or run.state != RunState.QUEUED:
                    continue  # started or removed meanwhile
                self._registry.set_state(run_id, RunState.IDLE, "")
            self._report(run_id, StatusChanged(RunState.IDLE, "", run.trainer.epoch))

    def _spawn(self, job: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=self._guarded, args=(job, *args), daemon=True,
                                  name="rnnplay-trainer")  # fmt: skip
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _guarded(self, job: Callable[..., None], *args: Any) -> None:
        try:
            job(*args)
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the app
            self._report(None, RunRefused(f"{type(exc).__name__}: {exc}"))

    # -- on a run's own thread --------------------------------------------------------------------
    def _corpus(self, spec: str, max_chars: int) -> Corpus:
        # Two runs asking for one corpus at once may both read it; either copy is the same.
        key = (spec, max_chars)
        with self._lock:
            cached = self._corpus_cache.get(key)
        if cached is None:
            cached = load_corpus(spec, max_chars=max_chars)
            with self._lock:
                self._corpus_cache[key] = cached
        return cached

    def _new_run(
        self, ticket: int, corpus_spec: str, max_chars: int, settings: dict[str, Any], queue: bool,
        tag: str,
    ) -> None:
        """Build the run here, then join (or report its refusal) on its turn."""
        waiting, claimed = False, None
        try:
            reporter = self._joining.new_reporter()
            built = self._build(corpus_spec, max_chars, settings, reporter)
            self._turns.wait(ticket)
            if isinstance(built, RunRefused):
                self._report(None, built)
                return
            if self._closing.is_set():
                return
            run = Run(corpus_spec, max_chars, built, RunState.IDLE, reporter=reporter)
            with self._lock:
                # Decided and queued under one lock, so a run that stops meanwhile starts it.
                waiting = queue and bool(self._registry.running() or self._queue)
                notes = (self._queued_note(),) if waiting else ()
                if waiting:
                    run.state = RunState.QUEUED
                self._joining.adopt(run, reporter, "", "", notes, not waiting, None, tag)
                if waiting:
                    self._queue.append(run.id)
                else:  # claimed at once: a run queued next sees it training
                    claimed = self._registry.claim(run.id)
        finally:
            self._turns.passed(ticket)  # also when building failed: the next may join
        if not waiting and claimed is not None:
            self._run(claimed, None, announce=False)

    def _build(
        self, corpus_spec: str, max_chars: int, settings: dict[str, Any], reporter: RunReporter
    ) -> Trainer | RunRefused:
        try:
            corpus = self._corpus(corpus_spec, max_chars)
            return build_trainer(corpus, settings, reporter)
        except ConfigError as exc:
            return RunRefused(str(exc), exc.field)
        except CorpusError as exc:
            return RunRefused(str(exc), "corpus")

    def _queued_note(self) -> str:
        """Why the run waits, as the registry has it now (the UI asked a while ago: a run it
        named as training may have finished since)."""
        running = ", ".join(name_now(r) for r in self._registry.running())
        ahead = [name_now(run) for run in map(self._registry.get, self._queue) if run is not None]
        why = [f"{running} training now"] if running else []
        why += [f"after {', '.join(ahead)}"] if ahead else []
        return f"queued: it starts once no run trains ({'; '.join(why)})"

    def _train_on(self, run_id: int, epochs: int | None) -> None:
        """Train a parked run on to `epochs` (announced with TargetChanged)."""
        run = self._registry.claim(run_id) if not self._closing.is_set() else None
        if run is not None:
            self._run(run, epochs, announce=True)

    def _run(self, run: Run, epochs: int | None, announce: bool) -> None:
        trainer = run.trainer
        if epochs is not None:
            trainer.set_epochs(epochs)  # not running: applies at once
        if announce:
            self._report(run.id, TargetChanged(trainer.target_epochs, trainer.lr))
        try:
            self.cores.follower(trainer)
            trainer.run()
        except Exception as exc:  # noqa: BLE001 - a crash in one run must not end the others
            failed = StatusChanged(RunState.FAILED, f"{type(exc).__name__}: {exc}", trainer.epoch)
            if run.reporter is not None:
                run.reporter.send(failed)

    def _start_queued(self) -> None:
        """A run stopped training (paused or ended): once none trains, the first queued run
        starts, on a thread of its own (claimed under the lock, so two runs stopping at once
        start one queued run, not two)."""
        with self._lock:
            run = None
            while self._queue and not self._closing.is_set() and not self._registry.running():
                run = self._registry.claim(self._queue.pop(0))  # None: removed meanwhile
                if run is not None:
                    break
        if run is not None:
            self._spawn(self._run, run, None, False)

    def _when_parked(self, run_id: int, then: Callable[[], None]) -> None:
        # Polled: the trainer reports its state through the registry and nothing else waits on
        # it; a stopped pause ends within milliseconds, so this thread is short-lived.
        while not self._closing.wait(PARK_POLL_S):
            run = self._registry.get(run_id)
            if run is None or not run.state.active:
                then()
                return

    def _time_devices(self, run_id: int) -> None:
        run = self._registry.get(run_id)
        if run is None:
            return
        trainer = run.trainer
        timings = bench_devices(trainer.corpus, trainer.current_config())
        rows = tuple((t.name, None if t.error else t.epoch_seconds, t.error) for t in timings)
        self._report(run.id, DevicesTimed(rows, verdict(timings)))
