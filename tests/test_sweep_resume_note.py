"""A resumed ASHA sweep says what its scheduler does not know: Ray Tune gives a scheduler only
the results of the trials it runs (or its pickled state, never read), so the results from before
the interruption do not count in its decisions to stop the trials run now. Without Ray
(tests/test_sweep.py checks the resumed command prints it)."""

from __future__ import annotations

import pytest

from engine.sweep.resume import Left, scheduler_note
from engine.sweep.summary import FINISHED, STOPPED_EARLY, TrialRow


def row(name: str, ended: str) -> TrialRow:
    return TrialRow(name, "lr 1", {"lr": 1.0}, 5.0, 2, ended, file=f"{name}.rnnplay")


KEPT = [row("trial-00", FINISHED), row("trial-01", STOPPED_EARLY)]
TO_RUN = {"trial-02": {"lr": 3.0}, "trial-03": {"lr": 10.0}}


def test_asha_says_the_kept_trials_and_earlier_epochs_do_not_count() -> None:
    note = scheduler_note(Left(KEPT, TO_RUN, {"trial-02": b"session"}), "asha")
    assert note.startswith("ASHA starts afresh")
    assert "2 trials kept and the epochs the 1 carried on trained before it" in note
    assert "does not count in its decisions to stop the trials run now" in note
    one = scheduler_note(Left(KEPT[:1], TO_RUN, {}), "asha")
    assert "(1 trial kept)" in one
    assert "carried on" not in one


@pytest.mark.parametrize(("left", "scheduler"), [
    (Left(KEPT, TO_RUN, {"trial-02": b"session"}), "none"),  # no scheduler to forget anything
    (Left(KEPT, {}, {}), "asha"),  # nothing left to run: no decision to make
    (Left([], TO_RUN, {}), "asha"),  # nothing from before: ASHA misses nothing
])
def test_no_note_where_asha_misses_nothing(left: Left, scheduler: str) -> None:
    assert scheduler_note(left, scheduler) == ""
