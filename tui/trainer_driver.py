"""The one long-lived trainer thread and the commands that steer it.

Requests (start a run, load a session, continue a parked trainer) go through a queue to a single
thread worker that lives as long as the app: spawning a worker per run (or cancelling one to
pause) would leave old threads training. Pause/resume/stop/set-lr go straight to the engine
Trainer, whose controls are thread-safe and applied between batches; that is the only way to
reach a trainer that is blocked while paused.

The latest trainer stays `current` after its run ends (or, for a loaded session, before it
starts): it is what ctrl+s saves and what F6 continues.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App
from textual.worker import Worker, get_current_worker

from tui.engine_port import EnginePort
from tui.messages import (
    LoadFailed,
    RunEnded,
    RunRefused,
    RunResumed,
    RunStarted,
    SessionLoaded,
)
from tui.runs import (
    ActiveRun,
    ContinueRequest,
    LoadRequest,
    Quit,
    Request,
    RunRequest,
    event_handler,
    loaded_setup,
    run_info,
)

__all__ = ["ActiveRun", "ContinueRequest", "LoadRequest", "RunRequest", "TrainerDriver"]


class TrainerDriver:
    """Owns the trainer thread. All public methods are called from the UI thread."""

    def __init__(
        self,
        app: App,
        engine: EnginePort,
        on_ready: Callable[[ActiveRun], None] | None = None,
        threads: int | None = None,
    ) -> None:
        self._app = app
        self._engine = engine
        self._on_ready = on_ready
        self._threads = threads  # torch threads for a restored trainer (None: its saved value)
        self._queue: queue.Queue[Request] = queue.Queue()
        self._lock = threading.Lock()
        self._current: ActiveRun | None = None
        self._closing = False
        self._run_counter = 0
        self._corpus_cache: dict[tuple[str, int], Any] = {}
        self.worker: Worker | None = None

    # -- UI thread -------------------------------------------------------------------------
    def start_thread(self) -> None:
        self.worker = self._app.run_worker(
            self._loop, name="trainer", group="trainer", thread=True, exit_on_error=False
        )

    def submit(self, request: RunRequest) -> None:
        """Queue a new run; a run in progress is stopped first (its curve stays on the plot)."""
        self.stop()
        self._queue.put(request)

    def load(self, path: str) -> None:
        """Queue loading a session file; a run in progress is stopped first."""
        self.stop()
        self._queue.put(LoadRequest(path))

    def continue_run(self, epochs: int | None = None) -> bool:
        """Train the current, parked trainer on (to `epochs` if given); False if none."""
        current = self.current
        if current is None or current.running:
            return False
        self._queue.put(ContinueRequest(current.run_id, epochs))
        return True

    @property
    def active(self) -> ActiveRun | None:
        """The run that is training now (paused counts), else None."""
        with self._lock:
            return self._current if self._current and self._current.running else None

    @property
    def current(self) -> ActiveRun | None:
        """The latest trainer, running or not: what a save writes."""
        with self._lock:
            return self._current

    def _trainer(self) -> Any:
        active = self.active
        return active.trainer if active else None

    def pause(self) -> bool:
        trainer = self._trainer()
        if trainer is not None:
            trainer.pause()
        return trainer is not None

    def resume(self) -> bool:
        trainer = self._trainer()
        if trainer is not None:
            trainer.resume()
        return trainer is not None

    def stop(self) -> bool:
        trainer = self._trainer()
        if trainer is not None:
            trainer.stop()
        return trainer is not None

    def set_lr(self, lr: float) -> bool:
        trainer = self._trainer()
        if trainer is not None:
            trainer.set_lr(lr)
        return trainer is not None

    def shutdown(self) -> None:
        """Stop training and let the thread end; Textual joins worker threads on exit."""
        self._closing = True
        self.stop()
        self._queue.put(Quit())

    # -- trainer thread --------------------------------------------------------------------
    def _loop(self) -> None:
        worker = get_current_worker()
        while not (worker.is_cancelled or self._closing):
            try:
                request = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(request, Quit):
                break
            if isinstance(request, RunRequest):
                self._start(request, worker)
            elif isinstance(request, LoadRequest):
                self._load(request, worker)
            elif isinstance(request, ContinueRequest):
                self._continue(request)

    def _load_corpus(self, spec: str, max_chars: int) -> Any:
        key = (spec, max_chars)
        if key not in self._corpus_cache:
            self._corpus_cache[key] = self._engine.load_corpus(spec, max_chars=max_chars)
        return self._corpus_cache[key]

    def _handler(self, run_id: int, ref: list[ActiveRun], worker: Worker) -> Callable:
        return event_handler(
            self._app.post_message, run_id, ref, lambda: worker.is_cancelled or self._closing
        )

    def _start(self, request: RunRequest, worker: Worker) -> None:
        engine = self._engine
        try:
            corpus = self._load_corpus(request.corpus, request.max_chars)
            config = engine.TrainConfig(**request.config)
            config.check(len(corpus.indices))
        except engine.ConfigError as exc:
            # The engine names the TrainConfig field at fault; the setup pane uses those ids.
            self._app.post_message(RunRefused(str(exc), getattr(exc, "field", None)))
            return
        except engine.CorpusError as exc:
            self._app.post_message(RunRefused(str(exc), "corpus"))
            return
        except (TypeError, ValueError) as exc:
            self._app.post_message(RunRefused(f"invalid setting: {exc}"))
            return
        run_id = self._run_counter + 1
        # Filled once the Trainer exists; the constructor may already emit events.
        ref: list[ActiveRun] = []
        try:
            trainer = engine.Trainer(
                corpus,
                config,
                on_event=self._handler(run_id, ref, worker),
            )
        except engine.ConfigError as exc:
            self._app.post_message(RunRefused(str(exc), getattr(exc, "field", None)))
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, the thread must survive
            self._app.post_message(RunRefused(f"could not build the trainer: {exc}"))
            return
        self._run_counter = run_id
        info = run_info(run_id, request.label, config, corpus, trainer)
        active = ActiveRun(run_id, trainer, corpus, config, info, epochs=config.epochs)
        ref.append(active)
        with self._lock:
            self._current = active
        self._app.post_message(RunStarted(info))
        if self._on_ready is not None:
            self._on_ready(active)
        self._train(active)

    def _load(self, request: LoadRequest, worker: Worker) -> None:
        engine = self._engine
        run_id = self._run_counter + 1
        ref: list[ActiveRun] = []
        try:
            session = engine.load_session(request.path)
            trainer = engine.restore_trainer(
                session,
                self._handler(run_id, ref, worker),
                threads=self._threads,
            )
        except engine.SessionError as exc:
            self._app.post_message(LoadFailed(str(exc), self._fallback_state()))
            return
        except Exception as exc:  # noqa: BLE001 - a bad file must never end the thread
            message = f"cannot load {request.path}: {type(exc).__name__}: {exc}"
            self._app.post_message(LoadFailed(message, self._fallback_state()))
            return
        self._run_counter = run_id
        config, corpus = trainer.config, trainer.corpus
        info = run_info(run_id, "", config, corpus, trainer)
        setup = loaded_setup(session.corpus, config)
        active = ActiveRun(
            run_id,
            trainer,
            corpus,
            config,
            info,
            epochs=config.epochs,
            path=Path(session.path),
            state="loaded",
            setup=setup,
        )
        ref.append(active)
        with self._lock:
            self._current = active
        history = tuple(trainer.history)  # frozen EpochEnd records: safe to hand over
        samples = tuple((s.epoch, s.prefix, s.text) for s in trainer.samples)
        self._app.post_message(
            SessionLoaded(
                info,
                str(session.path),
                setup,
                int(trainer.epoch),
                history,
                samples,
                session.prompt,
                tuple(session.notes),
            )
        )
        if self._on_ready is not None:
            self._on_ready(active)

    def _fallback_state(self) -> str:
        current = self.current
        return current.state if current is not None else "idle"

    def _continue(self, request: ContinueRequest) -> None:
        active = self.current
        if active is None or active.run_id != request.run_id or active.running:
            return  # a newer run or load replaced it meanwhile
        if request.epochs is not None:
            # Not running, so this applies at once (call_soon semantics).
            active.trainer.set_epochs(request.epochs)
            active.epochs = request.epochs
        self._app.post_message(RunResumed(active.run_id, active.epochs))
        self._train(active)

    def _train(self, active: ActiveRun) -> None:
        with self._lock:
            active.running = True
            active.state = "running"
        status, error = "finished", None
        try:
            if not self._closing:
                status = active.trainer.run()
            else:
                status = "stopped"
        except Exception as exc:  # noqa: BLE001 - a crash in one run must not kill the thread
            status, error = "error", f"{type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                active.running = False
                active.state = status
        self._app.post_message(RunEnded(active.run_id, status, error))
