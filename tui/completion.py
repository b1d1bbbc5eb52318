"""Greedy prompt completions computed off the UI thread.

The prompt model is the app's own copy (engine.models.build_model), fed snapshots the trainer
publishes between batches - never the live training model. A keystroke only records the wanted
text and wakes this thread, so typing never waits for a rollout.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.worker import Worker, get_current_worker

from tui.engine_port import EnginePort
from tui.messages import CompletionReady

# How often to look for new weights. A reload replays the prompt text and re-rolls the
# completion; doing that for every published snapshot would steal CPU from training.
WEIGHTS_POLL_S = 0.5


@dataclass(frozen=True)
class ModelSource:
    snapshots: Any
    kind: str
    vocab: Any
    vocab_size: int
    hidden: int
    layers: int


class CompletionService:
    def __init__(self, app: App, engine: EnginePort) -> None:
        self._app = app
        self._engine = engine
        self._cond = threading.Condition()
        self._text = ""
        self._length = 50
        self._request_seq = 0
        self._source: ModelSource | None = None
        self._source_seq = 0
        self._closing = False
        self.worker: Worker | None = None

    # -- UI thread -------------------------------------------------------------------------
    def start_thread(self) -> None:
        self.worker = self._app.run_worker(
            self._loop, name="completion", group="completion", thread=True, exit_on_error=False
        )

    def request(self, text: str, length: int) -> None:
        with self._cond:
            self._text = text
            self._length = length
            self._request_seq += 1
            self._cond.notify()

    def shutdown(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()

    # -- any thread ------------------------------------------------------------------------
    def attach(self, source: ModelSource) -> None:
        """Point completions at a new run's weights (called from the trainer thread)."""
        with self._cond:
            self._source = source
            self._source_seq += 1
            self._cond.notify()

    # -- completion thread -----------------------------------------------------------------
    def _loop(self) -> None:
        worker = get_current_worker()
        completer: Any = None
        source: ModelSource | None = None
        seen_request = seen_source = 0
        version = -1
        next_poll = 0.0
        failed = False
        while True:
            with self._cond:
                timeout = max(0.0, next_poll - time.monotonic()) if completer else 0.25
                self._cond.wait_for(
                    lambda r=seen_request, s=seen_source: (
                        self._closing or self._request_seq != r or self._source_seq != s
                    ),
                    timeout=min(timeout, 0.25),
                )
                if self._closing or worker.is_cancelled:
                    return
                text, length = self._text, self._length
                new_request = self._request_seq != seen_request
                seen_request = self._request_seq
                if self._source_seq != seen_source:
                    seen_source = self._source_seq
                    source = self._source
                    completer = None
                    failed = False
            if new_request:
                failed = False
            if source is None or failed:
                continue
            try:
                completer, version, next_poll = self._serve(
                    source, completer, version, next_poll, text, length, new_request
                )
            except Exception as exc:  # noqa: BLE001 - shown in the prompt; typing goes on
                # Retried on the next keystroke or run, not in a loop.
                completer, failed = None, True
                self._app.post_message(
                    CompletionReady(text, "", (), version, error=f"{type(exc).__name__}: {exc}")
                )

    def _serve(
        self,
        source: ModelSource,
        completer: Any,
        version: int,
        next_poll: float,
        text: str,
        length: int,
        changed: bool,
    ) -> tuple[Any, int, float]:
        if completer is None:
            model = self._engine.build_model(
                source.kind, source.vocab_size, hidden=source.hidden, layers=source.layers
            )
            completer = self._engine.Completer(model, source.vocab)
            version = -1
            next_poll = 0.0
            changed = True
        if time.monotonic() >= next_poll:
            next_poll = time.monotonic() + WEIGHTS_POLL_S
            latest = source.snapshots.latest()
            if latest and latest[1] and latest[0] != version:
                version = latest[0]
                completer.load_weights(latest[1])
                changed = True
        if changed:
            completer.set_text(text)
            completion = completer.complete(length)
            self._app.post_message(
                CompletionReady(text, completion, tuple(completer.unknown), version)
            )
        return completer, version, next_poll
