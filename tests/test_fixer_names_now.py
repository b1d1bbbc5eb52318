"""A tester's finding: the core's messages named a run by its saved label while the runs table
showed it with the lr it trains at ("#1 scratch·lr 1→1e30"): every message names it as the
table does (name_now)."""

from __future__ import annotations

from pathlib import Path

from helpers import TINY_RUN

from engine.playground.events import RunState


def test_the_runs_left_out_of_the_autosave_are_named_as_the_table_names_them(
    play, rec, tiny_corpus: Path
) -> None:
    # A label that names an lr ("lr 1") on a run that trains at another: F8's case, without
    # racing the first epoch's end to change the lr before it.
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, lr=1e30, clip=1e30, epochs=3), tag="lr 1")
    rec.status(1, RunState.DIVERGED)
    (run,) = play.summaries()
    assert run.label == "#1 scratch·lr 1"
    assert play.not_worth_saving() == ["#1 scratch·lr 1→1e30"]
