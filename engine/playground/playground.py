"""The playground core: the runs of one session of rnnplay and the threads that serve them.

What the design card calls the engine worker: it owns the trainer thread (one run trains at a
time, in the order asked), the prompt's completion thread (engine.generation.prompt_follower), and
the save jobs (engine.session.save_job), plus the registry of runs with their RunState. Everything
it learns it reports as `(run_id, event)` through the one callback it was given, with the engine's
own records (engine.training.events); run_id is None for reports that concern no run (a refused
start).

Any thread may call its commands; none blocks on training. It knows nothing of Textual: a UI
shows what it reports and forwards what the user asks (tui/ does exactly that), and its tests
drive it directly.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.config import ConfigError, TrainConfig, spec_of
from engine.data.corpus import Corpus, CorpusError, load_corpus
from engine.generation.decoding import Decoding
from engine.generation.generate import GREEDY
from engine.generation.prompt_follower import PromptFollower, Views, WeightsSource
from engine.playground.events import (
    DevicesTimed,
    Event,
    RunAdded,
    RunRefused,
    RunRemoved,
    Saved,
    TargetChanged,
)
from engine.playground.runs import Run, RunSummary, summarize
from engine.session import (
    SessionError,
    default_save_dir,
    load_session,
    restore_trainer,
    suggest_path,
)
from engine.session.export import RunRecords, export_runs
from engine.session.save_job import SaveJob, SaveOutcome
from engine.training.build import build_trainer
from engine.training.device_bench import bench_devices, verdict
from engine.training.events import BatchEnd, RunState, StatusChanged, TrainerEvent
from engine.training.trainer import Trainer

Report = Callable[[int | None, Event], None]

# Batch reports are coalesced to this pace: thousands of batches a second on a small corpus
# would flood any reader, and only the newest one matters.
PROGRESS_INTERVAL_S = 0.1


# -- requests to the trainer thread -----------------------------------------------------------
@dataclass(frozen=True)
class _NewRun:
    corpus: str
    max_chars: int
    settings: Mapping[str, Any]


@dataclass(frozen=True)
class _Load:
    path: str
    train: bool  # train on once loaded
    epochs: int | None  # ... to this many epochs (None: the target it was saved with)


@dataclass(frozen=True)
class _TrainOn:
    run_id: int
    epochs: int | None


@dataclass(frozen=True)
class _TimeDevices:
    run_id: int


@dataclass(frozen=True)
class _Quit:
    pass


_Request = _NewRun | _Load | _TrainOn | _TimeDevices | _Quit


class Playground:
    def __init__(
        self, report: Report, *, threads: int | None = None, save_dir: Path | None = None
    ) -> None:
        self._report = report
        self.threads = threads  # torch threads for restored trainers (None: as saved)
        self.save_dir = save_dir
        self._lock = threading.RLock()
        self._runs: dict[int, Run] = {}
        self._last_id = 0
        self._last_number = 0  # the highest "#N" a run's label has used
        self._selected: int | None = None
        self._requests: queue.SimpleQueue[_Request] = queue.SimpleQueue()
        self._closing = threading.Event()
        self._corpus_cache: dict[tuple[str, int], Corpus] = {}
        self._saves: list[SaveJob] = []
        self._thread = threading.Thread(target=self._loop, name="rnnplay-trainer", daemon=True)
        self.prompt = PromptFollower(lambda c: self._report(c.follows, c))

    # -- life -------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        self.prompt.start()

    def close(self, timeout: float = 0.0) -> None:
        """Stop training and end the threads (a run in progress stops at its next batch);
        waits up to `timeout` seconds for them. They are daemons: a process that is leaving
        need not wait."""
        self._closing.set()
        self.stop()
        self._requests.put(_Quit())
        self.prompt.close(timeout)
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # -- the registry -----------------------------------------------------------------------
    @property
    def selected(self) -> int | None:
        """The run that save, train-on and the prompt act on (the newest unless chosen)."""
        return self._selected

    def summaries(self) -> list[RunSummary]:
        with self._lock:
            return [summarize(run) for run in self._runs.values()]

    def summary(self, run_id: int) -> RunSummary | None:
        with self._lock:
            run = self._runs.get(run_id)
            return summarize(run) if run is not None else None

    def select(self, run_id: int) -> bool:
        """Make `run_id` the run that commands and the prompt act on."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return False
            self._selected = run_id
        self._follow(run)
        return True

    def _active(self) -> Run | None:
        with self._lock:
            return next((r for r in self._runs.values() if r.state.active), None)

    def _chosen(self) -> Run | None:
        with self._lock:
            return self._runs.get(self._selected) if self._selected is not None else None

    # -- commands on the training run ---------------------------------------------------------
    def new_run(self, corpus: str, max_chars: int, settings: Mapping[str, Any]) -> None:
        """Train a new run; one in progress is stopped first (it stays in the registry).

        `settings` are TrainConfig fields by name; prefixes default to the corpus's own.
        """
        self.stop()
        self._requests.put(_NewRun(corpus, max_chars, dict(settings)))

    def load(self, path: str | Path, *, train: bool = False, epochs: int | None = None) -> None:
        """Open a session file as a new run; with `train`, train it on (to `epochs`)."""
        self.stop()
        self._requests.put(_Load(str(path), train, epochs))

    def train_on(self, epochs: int | None = None) -> str | None:
        """Continue the selected run if it is parked; returns why not, or None."""
        run = self._chosen()
        if run is None:
            return "no run yet: start one first"
        if not run.state.parked:
            return f"{run.label} is {run.state}"
        training = self._active()
        if training is not None:
            return f"{training.label} is training: one run trains at a time, stop it first (F7)"
        target = epochs if epochs is not None else run.trainer.target_epochs
        if run.trainer.epoch >= target:
            return f"{run.label} has trained {run.trainer.epoch} epochs: raise epochs to train on"
        self._requests.put(_TrainOn(run.id, target))
        return None

    @property
    def training(self) -> int | None:
        """The run that holds the trainer thread (running or paused), if any."""
        run = self._active()
        return run.id if run is not None else None

    def time_devices(self) -> str | None:
        """Time a few batches of the selected run's setup on every device of this machine (a
        DevicesTimed report follows); returns why not, or None. Needs the trainer thread and
        the CPU to itself, so not while a run trains."""
        run = self._chosen()
        if run is None:
            return "no run yet: start one first"
        training = self._active()
        if training is not None:
            return f"{training.label} is training: timing devices needs the machine to itself"
        self._requests.put(_TimeDevices(run.id))
        return None

    def pause(self) -> bool:
        run = self._active()
        if run is not None:
            run.trainer.pause()
        return run is not None

    def resume(self) -> bool:
        run = self._active()
        if run is not None:
            run.trainer.resume()
        return run is not None

    def stop(self) -> bool:
        run = self._active()
        if run is not None:
            run.trainer.stop()
        return run is not None

    def set_lr(self, lr: float) -> bool:
        """Change the training run's learning rate at its next batch (TargetChanged follows);
        ConfigError if the setting's own bounds refuse `lr`."""
        spec_of(TrainConfig, "lr").check(lr)
        run = self._active()
        if run is None:
            return False
        run.trainer.set_lr(lr)
        run.trainer.call_soon(lambda t: self._emit(run.id, self._target(t)))
        return True

    def clear_finished(self) -> list[int]:
        """Drop runs that have ended, except the selected one; returns their ids."""
        with self._lock:
            ended = [r.id for r in self._runs.values() if not r.state.active]
        return [run_id for run_id in ended if run_id != self._selected and not self.remove(run_id)]

    def remove(self, run_id: int) -> str | None:
        """Drop a run that is not training; returns why not, or None. If it was the selected
        run, the newest one left is selected instead."""
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return f"no run #{run_id}"
            if run.state.active:
                return f"{run.label} is {run.state}: stop it first (F7)"
            del self._runs[run_id]
            successor = None
            if self._selected == run_id:
                self._selected = max(self._runs, default=None)
                successor = self._runs.get(self._selected) if self._selected is not None else None
        self._emit(run_id, RunRemoved())
        if successor is not None:
            self._follow(successor)
        elif self._selected is None:
            self.prompt.follow(None)
        return None

    @staticmethod
    def _target(trainer: Trainer) -> TargetChanged:
        return TargetChanged(trainer.target_epochs, trainer.lr)

    # -- the prompt ---------------------------------------------------------------------------
    def complete(
        self, text: str, length: int, decoding: Decoding = GREEDY, views: Views | None = None
    ) -> None:
        """Ask for the completion of `text` (a Completion report follows, with the `views`
        inside the model when asked for); greedy unless `decoding` samples."""
        self.prompt.request(text, length, decoding, views)

    def _follow(self, run: Run) -> None:
        trainer, cfg = run.trainer, run.trainer.config
        self.prompt.follow(
            WeightsSource(
                run.id, trainer.snapshots, cfg.model, trainer.corpus.vocab, cfg.hidden, cfg.layers
            )
        )

    # -- sessions -----------------------------------------------------------------------------
    def save(
        self,
        run_id: int | None = None,
        path: str | Path | None = None,
        prompt: str = "",
        *,
        quiet: bool = False,
        stop_after: bool = False,
    ) -> SaveJob | None:
        """Save a run (the selected one by default) to `path` (its own file, or a new one in
        the save folder); a Saved report follows. None when there is no such run."""
        with self._lock:
            run = self._runs.get(run_id if run_id is not None else self._selected or -1)
        if run is None:
            return None
        target = Path(path) if path is not None else (run.path or self.suggested_path(run.id))

        def done(outcome: SaveOutcome) -> None:
            if outcome.error is None:
                with self._lock:
                    run.path = outcome.path
                    run.saved_progress = max(run.saved_progress, outcome.mark)
            self._emit(run.id, Saved(str(outcome.path), outcome.error, quiet))

        job = SaveJob(
            run.trainer, target, prompt, run.label, lambda: run.progress, done,
            stop_after=stop_after,
        )  # fmt: skip
        with self._lock:
            self._saves = [j for j in self._saves if not j.done.is_set()] + [job]
        return job.start()

    def suggested_path(self, run_id: int) -> Path:
        with self._lock:
            run = self._runs[run_id]
        return Path(suggest_path(run.trainer, self._save_dir()))

    def _save_dir(self) -> Path:
        return Path(self.save_dir) if self.save_dir is not None else Path(default_save_dir())

    def saving(self) -> bool:
        with self._lock:
            return any(not job.done.is_set() for job in self._saves)

    def export(self, directory: Path | None = None) -> list[Path]:
        """Every run's curves and samples as CSV and JSON lines in `directory` (the save folder
        by default); returns the files written. OSError if they cannot be."""
        with self._lock:
            runs = [
                RunRecords(run.label, tuple(run.trainer.history), tuple(run.trainer.samples))
                for run in self._runs.values()
            ]
        return export_runs(runs, Path(directory) if directory is not None else self._save_dir())

    def autosave(self, prompt: str = "") -> list[SaveJob]:
        """On the way out: save every run with unsaved progress; training stops at the
        snapshot, so nothing trains after what the file holds."""
        with self._lock:
            unsaved = [r for r in self._runs.values() if r.unsaved]
        return [
            job
            for run in unsaved
            if (job := self.save(run.id, prompt=prompt, quiet=True, stop_after=True)) is not None
        ]

    # -- the trainer thread -------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._closing.is_set():
            request = self._requests.get()
            if isinstance(request, _Quit):
                return
            try:
                if isinstance(request, _NewRun):
                    self._new_run(request)
                elif isinstance(request, _Load):
                    self._load(request)
                elif isinstance(request, _TrainOn):
                    self._train_on(request)
                elif isinstance(request, _TimeDevices):
                    self._time_devices(request)
            except Exception as exc:  # noqa: BLE001 - one bad request must not end the thread
                self._emit(None, RunRefused(f"{type(exc).__name__}: {exc}"))

    def _corpus(self, spec: str, max_chars: int) -> Corpus:
        key = (spec, max_chars)
        if key not in self._corpus_cache:
            self._corpus_cache[key] = load_corpus(spec, max_chars=max_chars)
        return self._corpus_cache[key]

    def _new_run(self, request: _NewRun) -> None:
        run_id = self._last_id + 1
        handler = self._handler(run_id)
        try:
            corpus = self._corpus(request.corpus, request.max_chars)
            trainer = build_trainer(corpus, request.settings, handler)
        except ConfigError as exc:
            self._emit(None, RunRefused(str(exc), exc.field))
            return
        except CorpusError as exc:
            self._emit(None, RunRefused(str(exc), "corpus"))
            return
        label = self._new_label(trainer.config)
        run = Run(run_id, label, request.corpus, request.max_chars, trainer, RunState.IDLE)
        self._adopt(run)
        self._train(run)

    def _load(self, request: _Load) -> None:
        run_id = self._last_id + 1
        try:
            session = load_session(request.path)
            trainer = restore_trainer(session, self._handler(run_id), threads=self.threads)
        except SessionError as exc:
            self._emit(None, RunRefused(str(exc)))
            return
        ref = session.corpus
        run = Run(run_id, self._loaded_label(session.label, trainer.config), ref.name,
                  ref.max_chars, trainer, RunState.LOADED, path=Path(session.path))  # fmt: skip
        self._adopt(run, prompt=session.prompt, notes=tuple(session.notes))
        if request.train:
            self._train_on(_TrainOn(run_id, request.epochs))

    def _new_label(self, config: TrainConfig) -> str:
        self._last_number += 1
        return f"#{self._last_number} {config.model}·{config.sampling}"

    def _loaded_label(self, saved: str, config: TrainConfig) -> str:
        """A loaded run keeps the name it was saved under (its samples say it), unless a run
        here already has that name; later runs are numbered past it."""
        with self._lock:
            taken = {run.label for run in self._runs.values()}
        number = re.match(r"#(\d+) ", saved)
        if not number or saved in taken:
            return self._new_label(config)
        self._last_number = max(self._last_number, int(number.group(1)))
        return saved

    def _adopt(self, run: Run, prompt: str = "", notes: tuple[str, ...] = ()) -> None:
        trainer = run.trainer
        with self._lock:
            self._runs[run.id] = run
            self._last_id = run.id
            self._selected = run.id
        self._emit(
            run.id,
            RunAdded(
                label=run.label,
                config=trainer.current_config(),
                corpus=run.corpus,
                max_chars=run.max_chars,
                vocab_size=len(trainer.corpus.vocab),
                device=str(trainer.device),
                state=run.state,
                epoch=trainer.epoch,
                path=str(run.path) if run.path else None,
                history=tuple(trainer.history),
                samples=tuple(trainer.samples),
                prompt=prompt,
                notes=notes,
            ),
        )
        self._follow(run)

    def _train_on(self, request: _TrainOn) -> None:
        with self._lock:
            run = self._runs.get(request.run_id)
        if run is None or not run.state.parked:
            return  # cleared, or already training again, meanwhile
        if request.epochs is not None:
            run.trainer.set_epochs(request.epochs)  # not running: applies at once
        self._emit(run.id, self._target(run.trainer))
        self._train(run)

    def _time_devices(self, request: _TimeDevices) -> None:
        with self._lock:
            run = self._runs.get(request.run_id)
        if run is None:
            return
        trainer = run.trainer
        timings = bench_devices(trainer.corpus, trainer.current_config())
        rows = tuple((t.name, None if t.error else t.epoch_seconds, t.error) for t in timings)
        self._emit(run.id, DevicesTimed(rows, verdict(timings)))

    def _train(self, run: Run) -> None:
        if self._closing.is_set():
            return
        try:
            run.trainer.run()
        except Exception as exc:  # noqa: BLE001 - a crash in one run must not end the thread
            self._on_trainer_event(run.id, StatusChanged(RunState.FAILED,
                                   f"{type(exc).__name__}: {exc}", run.trainer.epoch))  # fmt: skip

    def _handler(self, run_id: int) -> Callable[[TrainerEvent], None]:
        last_post = 0.0
        losses = 0.0  # batch losses since the last BatchEnd reported, and how many
        count = 0

        def on_event(event: TrainerEvent) -> None:
            # Runs on the trainer thread once per batch at least: keep it cheap.
            nonlocal last_post, losses, count
            if self._closing.is_set():
                run = self._runs.get(run_id)
                if run is not None:
                    run.trainer.stop()
            if isinstance(event, BatchEnd):
                run = self._runs.get(run_id)
                if run is not None:
                    run.progress += 1
                losses, count = losses + event.loss, count + 1
                now = time.monotonic()
                if now - last_post < PROGRESS_INTERVAL_S and event.batch < event.batches:
                    return
                # One report stands for the batches since the last: its loss is their mean,
                # so a per-step curve drawn from the reports is not one batch's noise.
                event = replace(event, loss=losses / count)
                last_post, losses, count = now, 0.0, 0
            self._on_trainer_event(run_id, event)

        return on_event

    def _on_trainer_event(self, run_id: int, event: TrainerEvent) -> None:
        if isinstance(event, StatusChanged):
            with self._lock:
                run = self._runs.get(run_id)
                if run is not None:
                    run.state = event.status
                    run.message = event.message if event.status in _TROUBLE else ""
            if not event.status.active and self.prompt.following == run_id:
                # The trainer published its final weights: the prompt shows them at once.
                self.prompt.weights_changed()
        self._emit(run_id, event)

    def _emit(self, run_id: int | None, event: Event) -> None:
        self._report(run_id, event)


_TROUBLE = (RunState.DIVERGED, RunState.FAILED)



