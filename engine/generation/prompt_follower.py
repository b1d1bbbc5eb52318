"""The prompt's completions, computed on a thread of their own from one run's published weights.

The prompt model is a separate copy (engine.models.char_rnn.build_model) over the snapshots a
trainer publishes between batches, never the live training model. A keystroke only records the
wanted text and wakes this thread, so typing never waits for a rollout, and training never waits
for typing.

New weights mean replaying the whole prompt under them (the state after each character changes
with every weight): a step per character, ~0.3 ms of Python and torch calls each for an LSTM, so
0.6 s for a 2,000-character prompt, which every half second halved the speed of the run training
beside it (both threads want the GIL between torch calls). The replay therefore runs into a
second model over the new weights while the first keeps answering keystrokes, gives way to any
keystroke between slices of a few characters, and takes at most REPLAY_SHARE of the time: after
a replay that took s seconds the next one waits s / REPLAY_SHARE (a short prompt still follows
every published snapshot). The wait is the text's: an edit recomputes it from the new text's
length, so a long prompt cleared for a short one follows the weights at once again. The
Completion says how often the weights are taken up then.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from engine.generation.completion import Completion
from engine.generation.decoding import Decoding
from engine.generation.followed_run import Views, WeightsSource, complete_followed, model_over
from engine.generation.generate import GREEDY, Completer

# How often to look for new weights. A reload replays the prompt text and re-rolls the
# completion; doing that for every published snapshot would steal CPU from training.
WEIGHTS_POLL_S = 0.5
# The share of the time replays of the prompt under new weights may take (as the gradient-flow
# probe's FLOW_SHARE); bench/prompt_cost.py measures what it costs training.
REPLAY_SHARE = 0.02
# Characters replayed between two looks for a newer keystroke (~3 ms for an LSTM).
REPLAY_SLICE = 8
# The longest a training run waits between two batches for a keystroke's completions (give_way).
# Beside a run training, a completion took twice as long as beside a paused one: the trainer's
# thread holds a core and takes the GIL between its torch calls, while the prompt thread hands the
# GIL over at each of its hundreds of calls. A few keystrokes a second cost training a few
# milliseconds each.
GIVE_WAY_S = 0.05
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
    # Newer weights, the prompt being replayed under them while `completer` answers keystrokes.
    next: Completer | None = None
    next_version: int = -1
    replayed_s: float = 0.0  # wall time of that replay's slices so far
    replayed_chars: int = 0  # and the characters they fed (the text may change meanwhile)
    start_s: float = 0.0  # wall time to set that model up (a warm-up is read then)
    replayed_at: float = 0.0  # monotonic time the last replay ended
    due: float = 0.0  # monotonic time before which no new replay starts
    every: float = 0.0  # seconds between the weights it takes up, when replays are rationed


class PromptFollower:
    def __init__(self, report: Callable[[Completion], None]) -> None:
        self._report = report
        self._cond = threading.Condition()
        self._text = ""
        self._length = 50
        self._decoding = GREEDY
        self._views: Views | None = None
        self._request_seq = 0
        self._answered_seq = 0  # the latest request whose every completion was reported
        self._answered = threading.Condition()
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
        with self._answered:
            self._answered.notify_all()
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

    def give_way(self) -> None:
        """Wait, at most GIVE_WAY_S, while the latest request's completions are computed: a
        training run calls this between batches (Controls.give_way), so a keystroke has the CPU
        first."""
        if not self._thread.is_alive():
            return  # nothing computes them (not started, or closed)
        with self._answered:
            self._answered.wait_for(
                lambda: self._answered_seq >= self._request_seq or self._closing,
                timeout=GIVE_WAY_S,
            )

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
        # OpenMP's thread count is per thread: this one would otherwise keep the machine's
        # default until some op of it ran torch's own parallel loop, and until then MKL ran each
        # tiny (1, H) product of the replay on every core, waiting at a barrier for the core
        # training holds (40x slower, measured with a run training beside it).
        torch.set_num_threads(torch.get_num_threads())
        followed: list[_Followed] = []
        seen_request = seen_source = 0
        replaying = False  # a replay under new weights waits for its next slice

        def newer(r: int, s: int) -> bool:
            return (
                self._closing or self._poll_now or self._request_seq != r or self._source_seq != s
            )

        while True:
            with self._cond:
                now = time.monotonic()
                dues = [one.due - now for one in followed if one.completer and not one.failed]
                wait = 0.0 if replaying else max(0.0, min(dues, default=0.25))
                self._cond.wait_for(
                    lambda r=seen_request, s=seen_source: newer(r, s), timeout=min(wait, 0.25)
                )
                if self._closing:
                    return
                text, length, decoding = self._text, self._length, self._decoding
                views = self._views
                if self._request_seq != seen_request:
                    seen_request = self._request_seq
                    for one in followed:
                        one.stale, one.failed = True, False
                        if one.next is None and one.replayed_at:
                            # The wait for the next weights is the new text's to earn: a long
                            # prompt cleared for a short one follows the weights at once again.
                            _ration(one, len(text))
                if self._source_seq != seen_source:
                    seen_source = self._source_seq
                    followed = _regroup(followed, self._sources)
                parked, self._poll_now = self._poll_now, False
                if parked:
                    for one in followed:
                        one.due, one.next = 0.0, None
            if parked:
                # A run paused or ended: its last weights are taken up before anything is
                # answered (they are the ones a save holds), whatever a keystroke waits.
                while self._replay(followed, text, lambda: self._closing) and not self._closing:
                    pass
            # Keystrokes first, from the weights each completer holds; then new weights.
            for i, one in enumerate(followed):
                if one.stale and not one.failed:
                    # The selected run's comes with the views and each character's odds (the
                    # prompt shades its completion by them); a marked run's line is text alone.
                    self._complete_one(one, text, length, decoding, views if i == 0 else None,
                                       odds=i == 0)
                if newer(seen_request, seen_source):
                    break  # a newer keystroke: the first run's completion comes first again
            else:
                self._answer(seen_request)
                replaying = self._replay(
                    followed, text, lambda r=seen_request, s=seen_source: newer(r, s)
                )

    def _answer(self, request: int) -> None:
        """Every followed run has reported its completion of `request`: training goes on."""
        with self._answered:
            self._answered_seq = request
            self._answered.notify_all()

    def _replay(self, followed: list[_Followed], text: str, newer: Callable[[], bool]) -> bool:
        """Replay the prompt under a followed run's newer weights until it is done or `newer`
        (a keystroke) interrupts; the completer that holds the prompt under them then answers.
        Returns whether a replay was left unfinished."""
        for one in followed:
            if one.completer is None or one.failed:
                continue
            if one.next is None and not self._start_replay(one):
                continue
            started, before = time.perf_counter(), one.next.text
            try:
                done = _advance(one.next, text, newer)
            except Exception:  # noqa: BLE001 - weights that do not fit: keep the ones held
                one.next = None
                continue
            finally:
                one.replayed_s += time.perf_counter() - started
            after = one.next.text  # it fed what follows the prefix both texts share
            one.replayed_chars += len(after) - len(os.path.commonprefix([before, after]))
            if not done:
                return True
            one.completer, one.version, one.next = one.next, one.next_version, None
            one.stale, one.replayed_at = True, time.monotonic()
            # Rationed by what replaying the text as it is now costs: a prompt cleared
            # mid-replay is not made to wait for the long one it was.
            _ration(one, len(text))
            return True  # its completion under the new weights comes next
        return False

    def _start_replay(self, one: _Followed) -> bool:
        """Begin replaying under the run's latest weights if they are new and a replay is due."""
        if time.monotonic() < one.due:
            return False
        version, weights = one.source.snapshots.latest()
        one.due = time.monotonic() + WEIGHTS_POLL_S  # look again then
        if not weights or version == one.version:
            return False
        started = time.perf_counter()
        try:
            one.next = Completer(model_over(one.source, weights), one.source.vocab)
            one.next.warm_up(one.completer.warmup if one.completer else "")
        except Exception:  # noqa: BLE001 - weights that do not fit: keep the ones held
            return False
        one.next_version, one.replayed_s, one.replayed_chars = version, 0.0, 0
        one.start_s = time.perf_counter() - started
        return True

    def _complete_one(
        self, one: _Followed, text: str, length: int, decoding: Decoding, views: Views | None,
        *, odds: bool,
    ) -> None:
        source = one.source
        try:
            if one.completer is None:
                one.version, weights = source.snapshots.latest()
                one.completer = Completer(model_over(source, weights), source.vocab)
                one.next = None
                one.due = time.monotonic() + WEIGHTS_POLL_S
            complete_followed(
                one.completer, source, text, length, decoding, views, one.version, one.every,
                odds=odds, report=self._report,
            )
        except Exception as exc:  # noqa: BLE001 - shown in the prompt; typing goes on
            one.completer, one.failed = None, True
            self._report(Completion(
                text, "", (), one.version, f"{type(exc).__name__}: {exc}", source.run_id
            ))  # fmt: skip
        one.stale = False


def _ration(one: _Followed, chars: int) -> None:
    """When the next replay may start and how often weights are taken up then, for a text of
    `chars` characters: REPLAY_SHARE of the time, from the cost per character the last replay
    measured (recomputed whenever the text changes, as the cost is the text's)."""
    per_char = one.replayed_s / one.replayed_chars if one.replayed_chars else 0.0
    cost = one.start_s + per_char * chars
    rationed = cost / REPLAY_SHARE
    one.every = rationed if rationed > WEIGHTS_POLL_S else 0.0
    one.due = one.replayed_at + max(WEIGHTS_POLL_S, rationed) - cost


def _advance(completer: Completer, text: str, newer: Callable[[], bool]) -> bool:
    """Move the completer to `text` REPLAY_SLICE characters at a time, stopping early when
    `newer` says a keystroke waits; returns whether it holds `text` now."""
    common = 0
    for a, b in zip(completer.text, text, strict=False):
        if a != b:
            break
        common += 1
    for end in range(common, len(text), REPLAY_SLICE):
        if newer():
            return False
        completer.set_text(text[: end + REPLAY_SLICE])
    completer.set_text(text)  # nothing left to feed; drops what the new text lacks
    return True


def _regroup(followed: list[_Followed], sources: tuple[WeightsSource, ...]) -> list[_Followed]:
    """The followed runs in `sources`' order; a run followed already keeps its model copy (its
    replayed state and weights), so marking another run or selecting a marked one costs no
    rebuild."""
    kept = {one.source.run_id: one for one in followed}
    return [kept.get(source.run_id) or _Followed(source) for source in sources]
