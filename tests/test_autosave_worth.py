"""The autosave on the way out leaves out runs with nothing learned: one that diverged before
any epoch ended with a finite loss (issue 23, new-user 5: each was a 7-15 MB file)."""

from __future__ import annotations

from pathlib import Path

from helpers import FOREVER_RUN, TINY_RUN

from engine.playground.events import EpochEnd, RunState


def test_autosave_leaves_out_a_run_that_diverged_in_its_first_epoch(play, rec, tiny_corpus: Path):
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, lr=1e30, clip=1e30, epochs=3))
    rec.status(1, RunState.DIVERGED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(2, RunState.FINISHED)
    diverged, finished = play.summaries()
    assert diverged.unsaved and finished.unsaved, "both trained batches no file holds"
    assert play.not_worth_saving() == [diverged.label]
    jobs = play.autosave()
    assert len(jobs) == 1
    assert jobs[0].done.wait(30) and jobs[0].outcome.error is None
    assert [s.path is not None for s in play.summaries()] == [False, True]


def test_a_run_that_diverged_after_a_finite_epoch_is_still_saved(play, rec, tiny_corpus: Path):
    play.new_run(str(tiny_corpus), 0, dict(FOREVER_RUN, clip=1e30))
    rec.wait(lambda r, e: isinstance(e, EpochEnd))
    assert play.set_lr(1e30)
    rec.status(1, RunState.DIVERGED)
    assert play.not_worth_saving() == []
    assert len(play.autosave()) == 1
