"""The prompt's completions, computed on a thread of their own from one run's published weights.

The prompt model is a separate copy (engine.models.char_rnn.build_model) fed the snapshots a trainer
publishes between batches, never the live training model. A keystroke only records the wanted
text and wakes this thread, so typing never waits for a rollout, and training never waits for
typing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from engine.data.corpus import Vocab
from engine.generation.completion import Completion
from engine.generation.decoding import Decoding
from engine.generation.generate import GREEDY, Completer
from engine.inspect.inspection import inspect_prompt
from engine.models.char_rnn import build_model
from engine.training.snapshots import SnapshotBox

# How often to look for new weights. A reload replays the prompt text and re-rolls the
# completion; doing that for every published snapshot would steal CPU from training.
WEIGHTS_POLL_S = 0.5


@dataclass(frozen=True)
class Views:
    """Which views inside the model to compute with each completion (engine.inspect.inspection)."""

    state: str = "h"  # the hidden state shown: "h", or LSTM's cell "c"
    ranking: str = "variance"  # how the heatmap picks its units
    shown: tuple[str, ...] = ("odds", "units", "looks at")  # the views to compute


@dataclass(frozen=True)
class WeightsSource:
    """Where the followed run publishes its weights, and what model they fit."""

    run_id: int
    snapshots: SnapshotBox
    kind: str
    vocab: Vocab
    hidden: int
    layers: int


class PromptFollower:
    def __init__(self, report: Callable[[Completion], None]) -> None:
        self._report = report
        self._cond = threading.Condition()
        self._text = ""
        self._length = 50
        self._decoding = GREEDY
        self._views: Views | None = None
        self._request_seq = 0
        self._source: WeightsSource | None = None
        self._source_seq = 0
        self._poll_now = False
        self._closing = False
        self._thread = threading.Thread(target=self._loop, name="rnnplay-prompt", daemon=True)

    # -- any thread --------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float = 0.0) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def request(
        self, text: str, length: int, decoding: Decoding = GREEDY, views: Views | None = None
    ) -> None:
        """Complete `text` with `length` characters, and compute `views` of it (the latest
        request wins)."""
        with self._cond:
            self._text, self._length, self._decoding = text, length, decoding
            self._views = views
            self._request_seq += 1
            self._cond.notify()

    def follow(self, source: WeightsSource | None) -> None:
        """Complete from another run's weights from now on (None: from no run)."""
        with self._cond:
            self._source = source
            self._source_seq += 1
            self._cond.notify()

    def weights_changed(self) -> None:
        """Look for new weights now rather than at the next poll (a run paused or ended)."""
        with self._cond:
            self._poll_now = True
            self._cond.notify()

    @property
    def following(self) -> int | None:
        source = self._source
        return source.run_id if source is not None else None

    # -- the prompt thread -------------------------------------------------------------------
    def _loop(self) -> None:
        completer: Completer | None = None
        source: WeightsSource | None = None
        seen_request = seen_source = 0
        version, next_poll = -1, 0.0
        failed = False
        while True:
            with self._cond:
                wait = max(0.0, next_poll - time.monotonic()) if completer else 0.25
                self._cond.wait_for(
                    lambda r=seen_request, s=seen_source: (
                        self._closing
                        or self._poll_now
                        or self._request_seq != r
                        or self._source_seq != s
                    ),
                    timeout=min(wait, 0.25),
                )
                if self._closing:
                    return
                text, length, decoding = self._text, self._length, self._decoding
                views = self._views
                new_request = self._request_seq != seen_request
                seen_request = self._request_seq
                if self._poll_now:
                    self._poll_now, next_poll = False, 0.0
                if self._source_seq != seen_source:
                    seen_source, source = self._source_seq, self._source
                    completer, failed = None, False
            if new_request:
                failed = False
            if source is None or failed:
                continue
            try:
                if completer is None:
                    model = build_model(
                        source.kind, len(source.vocab), source.hidden, source.layers
                    )
                    completer, version, next_poll, new_request = (
                        Completer(model, source.vocab),
                        -1,
                        0.0,
                        True,
                    )
                if time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + WEIGHTS_POLL_S
                    latest_version, weights = source.snapshots.latest()
                    if weights and latest_version != version:
                        version = latest_version
                        completer.load_weights(weights)
                        new_request = True
                if new_request:
                    self._report(
                        _complete(completer, source, text, length, decoding, views, version)
                    )
            except Exception as exc:  # noqa: BLE001 - shown in the prompt; typing goes on
                # Retried on the next keystroke or run followed, not in a loop.
                completer, failed = None, True
                self._report(
                    Completion(text, "", (), version, f"{type(exc).__name__}: {exc}", source.run_id)
                )


def _complete(
    completer: Completer,
    source: WeightsSource,
    text: str,
    length: int,
    decoding: Decoding,
    views: Views | None,
    version: int,
) -> Completion:
    """The completion of `text` with each character's probability, and the views if asked."""
    completer.set_text(text)
    # A top-k past the vocabulary means "all of it", whatever corpus it meets.
    decoding = replace(decoding, top_k=min(decoding.top_k, len(source.vocab)))
    inspection = None
    if views is None:
        completion, probs = completer.complete_with_probs(length, decoding)
    else:
        state = views.state if source.kind == "lstm" else "h"
        inspection = inspect_prompt(
            completer, length, decoding, state=state, heatmap_ranking=views.ranking,
            views=views.shown,
        )  # fmt: skip
        completion, probs = inspection.completion.text, list(inspection.completion.probs)
    unknown = tuple(dict.fromkeys(completer.unknown))
    return Completion(
        text, completion, unknown, version, None, source.run_id, tuple(probs), inspection
    )
