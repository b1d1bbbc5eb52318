"""The one long-lived trainer thread and the commands that steer it.

Start requests go through a queue to a single thread worker that lives as long as the app:
spawning a worker per run (or cancelling one to pause) would leave old threads training.
Pause/resume/stop/set-lr go straight to the engine Trainer, whose controls are thread-safe and
applied between batches; that is the only way to reach a trainer that is blocked while paused.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual.app import App
from textual.worker import Worker, get_current_worker

from tui.engine_port import EnginePort
from tui.messages import (
    EpochPoint,
    Progress,
    RunEnded,
    RunInfo,
    RunRefused,
    RunStarted,
    SampleText,
    StatusChange,
)

# Per-batch updates are throttled on the trainer thread: posting every batch would flood the
# UI's message queue at thousands of batches per second on small corpora.
PROGRESS_INTERVAL_S = 0.1


# ConfigError carries only a message; these words in it point at the setup field to mark.
FIELD_WORDS = (
    ("batch", "batch_size"),
    ("learning rate", "lr"),
    ("clip", "clip"),
    ("layer", "layers"),
    ("hidden", "hidden"),
    ("steps", "num_steps"),
    ("epoch", "epochs"),
    ("corpus", "corpus"),
)


def guess_field(message: str) -> str | None:
    lowered = message.lower()
    return next((field_id for word, field_id in FIELD_WORDS if word in lowered), None)


@dataclass
class RunRequest:
    corpus: str
    max_chars: int
    config: dict[str, Any]
    label: str = ""


@dataclass
class _Quit:
    pass


@dataclass
class ActiveRun:
    run_id: int
    trainer: Any
    corpus: Any
    config: Any
    info: RunInfo
    extras: dict[str, Any] = field(default_factory=dict)


class TrainerDriver:
    """Owns the trainer thread. All public methods are called from the UI thread."""

    def __init__(
        self,
        app: App,
        engine: EnginePort,
        on_ready: Callable[[ActiveRun], None] | None = None,
    ) -> None:
        self._app = app
        self._engine = engine
        self._on_ready = on_ready
        self._queue: queue.Queue[RunRequest | _Quit] = queue.Queue()
        self._lock = threading.Lock()
        self._active: ActiveRun | None = None
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

    @property
    def active(self) -> ActiveRun | None:
        with self._lock:
            return self._active

    def _trainer(self) -> Any:
        with self._lock:
            return self._active.trainer if self._active else None

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
        self._queue.put(_Quit())

    # -- trainer thread --------------------------------------------------------------------
    def _loop(self) -> None:
        worker = get_current_worker()
        while not (worker.is_cancelled or self._closing):
            try:
                request = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if isinstance(request, _Quit):
                break
            self._run(request, worker)

    def _load_corpus(self, spec: str, max_chars: int) -> Any:
        key = (spec, max_chars)
        if key not in self._corpus_cache:
            self._corpus_cache[key] = self._engine.load_corpus(spec, max_chars=max_chars)
        return self._corpus_cache[key]

    def _run(self, request: RunRequest, worker: Worker) -> None:
        engine = self._engine
        try:
            corpus = self._load_corpus(request.corpus, request.max_chars)
            config = engine.TrainConfig(**request.config)
            config.check(len(corpus.indices))
        except (engine.ConfigError, engine.CorpusError) as exc:
            hint = getattr(exc, "field", None) or guess_field(str(exc))
            self._app.post_message(RunRefused(str(exc), hint))
            return
        except (TypeError, ValueError) as exc:
            self._app.post_message(RunRefused(f"invalid setting: {exc}"))
            return
        self._run_counter += 1
        run_id = self._run_counter
        last_post = 0.0
        # Filled once the Trainer exists; the constructor may already emit events.
        trainer_ref: list[Any] = []

        def on_event(event: Any) -> None:
            # Runs on this thread, once per batch at most: keep it cheap.
            nonlocal last_post
            if (worker.is_cancelled or self._closing) and trainer_ref:
                trainer_ref[0].stop()
            kind = type(event).__name__
            post = self._app.post_message
            if kind == "BatchEnd":
                now = time.monotonic()
                if now - last_post < PROGRESS_INTERVAL_S and event.batch < event.batches:
                    return
                last_post = now
                post(
                    Progress(
                        run_id,
                        event.epoch,
                        event.batch,
                        event.batches,
                        event.loss,
                        event.chars_per_sec,
                    )
                )
            elif kind == "EpochEnd":
                post(
                    EpochPoint(
                        run_id,
                        event.epoch,
                        event.epochs,
                        event.perplexity,
                        event.seconds,
                        event.chars_per_sec,
                        event.grad_norm,
                        event.lr,
                    )
                )
            elif kind == "Sample":
                post(SampleText(run_id, event.epoch, event.prefix, event.text))
            elif kind == "StatusChanged":
                post(StatusChange(run_id, event.status, event.message))

        try:
            trainer = engine.Trainer(corpus, config, on_event=on_event)
        except engine.ConfigError as exc:
            self._app.post_message(RunRefused(str(exc), guess_field(str(exc))))
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, the thread must survive
            self._app.post_message(RunRefused(f"could not build the trainer: {exc}"))
            return
        trainer_ref.append(trainer)
        label = request.label or f"#{run_id} {config.model}·{config.sampling}"
        info = RunInfo(
            run_id=run_id,
            label=label,
            model=config.model,
            sampling=config.sampling,
            epochs=config.epochs,
            lr=config.learning_rate,
            clip=config.clip,
            vocab_size=len(corpus.vocab),
            device=str(getattr(trainer, "device", config.device)),
            corpus=getattr(corpus, "name", request.corpus),
            prefixes=tuple(config.prefixes),
        )
        active = ActiveRun(run_id, trainer, corpus, config, info)
        with self._lock:
            self._active = active
        self._app.post_message(RunStarted(info))
        if self._on_ready is not None:
            self._on_ready(active)
        status, error = "finished", None
        try:
            if not self._closing:
                status = trainer.run()
            else:
                status = "stopped"
        except Exception as exc:  # noqa: BLE001 - a crash in one run must not kill the thread
            status, error = "error", f"{type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                self._active = None
        self._app.post_message(RunEnded(run_id, status, error))
