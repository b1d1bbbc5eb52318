"""One prompt, several runs: marked runs complete the prompt beside the selected one, each from
its own weights, on the core's prompt thread (engine.playground, no UI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY_RUN, Recorder, greedy

from engine.playground import Playground, UnsavedPolicy, Views
from engine.playground.events import Completion
from engine.training.events import RunState

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _two_finished_runs(play: Playground, rec: Recorder, tiny_corpus: Path) -> None:
    # Different sizes and lengths of training: their greedy completions differ.
    for run_id, (hidden, epochs) in enumerate(((16, 3), (24, 6)), start=1):
        play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, hidden=hidden, epochs=epochs))
        rec.status(run_id, RunState.FINISHED)


def _completion(rec: Recorder, run_id: int, text: str, *, views: bool = False) -> Completion:
    """The run's completion of `text`; with `views`, the report that brings the views (it follows
    the completion's own, engine.generation.followed_run)."""
    return rec.wait(  # type: ignore[return-value]
        lambda r, e: isinstance(e, Completion) and e.follows == run_id and e.text == text
        and (not views or e.inspection is not None)
    )


def test_every_marked_run_completes_each_keystroke_from_its_own_weights(play, rec, tiny_corpus):
    _two_finished_runs(play, rec, tiny_corpus)
    assert play.selected == 2 and play.marked() == []
    assert play.mark(1, True) and play.marked() == [1]
    assert play.summary(1).marked and not play.summary(2).marked
    assert play.prompt.followed == (2, 1), "the selected run first"
    for text in ("the q", "the qu", "the qui"):
        play.complete(text, 20, views=Views())
        mine, other = _completion(rec, 2, text, views=True), _completion(rec, 1, text)
        assert mine.completion == greedy(play._runs[2].trainer, text, 20)
        assert other.completion == greedy(play._runs[1].trainer, text, 20)
        # The selected run's completion is shaded by its odds; a marked run's line is text.
        assert len(mine.probs) == 20 and other.probs == ()
        assert mine.inspection is not None and other.inspection is None, "views: selected only"


def test_unmarking_removing_and_selecting_change_who_completes(play, rec, tiny_corpus) -> None:
    _two_finished_runs(play, rec, tiny_corpus)
    play.mark(1, True)
    play.mark(1, False)
    assert play.marked() == [] and play.prompt.followed == (2,)
    play.complete("dog", 10)
    _completion(rec, 2, "dog")
    play.complete("dogs", 10)
    _completion(rec, 2, "dogs")
    unmarked = [e for _, e in rec.reports if isinstance(e, Completion) and e.follows == 1]
    assert not [e for e in unmarked if e.text.startswith("dog")]

    play.mark(2, True)
    play.select(1)
    assert play.prompt.followed == (1, 2), "a marked run stays marked when another is selected"
    assert play.remove(2, unsaved=UnsavedPolicy.DISCARD) is None
    assert play.prompt.followed == (1,), "a removed run completes no more"
    assert not play.mark(2, True), "no such run"
