"""The prompt's completions, computed on a thread of their own from one run's published weights.

The prompt model is a separate copy (engine.models.char_rnn.build_model) fed the snapshots a trainer
publishes between batches, never the live training model. A keystroke only records the wanted
text and wakes this thread, so typing never waits for a rollout, and training never waits for
typing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
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
    nonlinearity: str = "tanh"  # φ of the scratch model and nn.RNN
    embed_dim: int | None = None  # the learned embedding's size; None: the one-hot input


@dataclass
class _Followed:
    """One followed run on the prompt thread: its own model copy, replayed from the first changed
    character on each keystroke (Completer.set_text), so following several runs costs each one
    character's step per keystroke, not a replay of the whole prompt."""

    source: WeightsSource
    completer: Completer | None = None
    version: int = -1  # the weights snapshot the completer holds
    stale: bool = True  # what it last reported is not for the latest request or weights
    failed: bool = False  # retried on the next keystroke or change of runs, not in a loop


class PromptFollower:
    def __init__(self, report: Callable[[Completion], None]) -> None:
        self._report = report
        self._cond = threading.Condition()
        self._text = ""
        self._length = 50
        self._decoding = GREEDY
        self._views: Views | None = None
        self._request_seq = 0
        self._sources: tuple[WeightsSource, ...] = ()
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
        """Complete `text` with `length` characters by every followed run, and compute `views`
        of it for the first one (the latest request wins)."""
        with self._cond:
            self._text, self._length, self._decoding = text, length, decoding
            self._views = views
            self._request_seq += 1
            self._cond.notify()

    def follow(self, sources: Sequence[WeightsSource]) -> None:
        """Complete from these runs' weights from now on, each in a Completion of its own: the
        first (the selected run) first, and only it with the views inside the model; () for
        none."""
        with self._cond:
            self._sources = tuple(sources)
            self._source_seq += 1
            self._cond.notify()

    def weights_changed(self) -> None:
        """Look for new weights now rather than at the next poll (a run paused or ended)."""
        with self._cond:
            self._poll_now = True
            self._cond.notify()

    @property
    def following(self) -> int | None:
        """The run whose completion comes first, with the views (the selected one)."""
        sources = self._sources
        return sources[0].run_id if sources else None

    @property
    def followed(self) -> tuple[int, ...]:
        """Every run completing the prompt, the first one first."""
        return tuple(source.run_id for source in self._sources)

    # -- the prompt thread -------------------------------------------------------------------
    def _loop(self) -> None:
        followed: list[_Followed] = []
        seen_request = seen_source = 0
        next_poll = 0.0
        while True:
            with self._cond:
                wait = max(0.0, next_poll - time.monotonic()) if followed else 0.25
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
                if self._request_seq != seen_request:
                    seen_request = self._request_seq
                    for one in followed:
                        one.stale, one.failed = True, False
                if self._poll_now:
                    self._poll_now, next_poll = False, 0.0
                if self._source_seq != seen_source:
                    seen_source = self._source_seq
                    followed = _regroup(followed, self._sources)
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + WEIGHTS_POLL_S
                for one in followed:
                    self._load_latest(one)
            for i, one in enumerate(followed):
                if one.stale and not one.failed:
                    self._complete_one(one, text, length, decoding, views if i == 0 else None)
                if self._request_seq != seen_request or self._source_seq != seen_source:
                    break  # a newer keystroke: the first run's completion comes first again

    def _load_latest(self, one: _Followed) -> None:
        if one.completer is None or one.failed:
            return
        latest_version, weights = one.source.snapshots.latest()
        if weights and latest_version != one.version:
            one.version = latest_version
            one.completer.load_weights(weights)
            one.stale = True

    def _complete_one(
        self, one: _Followed, text: str, length: int, decoding: Decoding, views: Views | None
    ) -> None:
        source = one.source
        try:
            if one.completer is None:
                model = build_model(
                    source.kind, len(source.vocab), source.hidden, source.layers,
                    nonlinearity=source.nonlinearity, embed_dim=source.embed_dim,
                )
                one.completer, one.version = Completer(model, source.vocab), -1
                self._load_latest(one)
            completion = _complete(
                one.completer, source, text, length, decoding, views, one.version
            )
        except Exception as exc:  # noqa: BLE001 - shown in the prompt; typing goes on
            one.completer, one.failed = None, True
            completion = Completion(
                text, "", (), one.version, f"{type(exc).__name__}: {exc}", source.run_id
            )
        one.stale = False
        self._report(completion)


def _regroup(followed: list[_Followed], sources: tuple[WeightsSource, ...]) -> list[_Followed]:
    """The followed runs in `sources`' order; a run followed already keeps its model copy (its
    replayed state and weights), so marking another run or selecting a marked one costs no
    rebuild."""
    kept = {one.source.run_id: one for one in followed}
    return [kept.get(source.run_id) or _Followed(source) for source in sources]


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
