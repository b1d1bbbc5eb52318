"""Which file each run saves to, and what the runs are called: no two runs on screen are bound to
one file (a run loaded from another run's file saves to a new one), a loaded run keeps its number
when no run on screen has it, and a label and a file name say what sets the run apart. The real
playground core on a tiny corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY_RUN

from engine.config import TrainConfig
from engine.playground import UnsavedPolicy
from engine.playground.events import RunAdded, Saved
from engine.playground.labels import run_tag
from engine.session import session_info
from engine.training.events import RunState

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _saved(rec, run_id: int, count: int) -> Saved:
    """The run's `count`-th Saved report, once it has come."""
    rec.wait(lambda r, e: r == run_id and len(rec.of(Saved, run_id)) >= count)
    return rec.of(Saved, run_id)[count - 1]


def _label_in(path: str | Path) -> str:
    info = session_info(Path(path))
    assert info is not None
    return info.label


def _trained(play, rec, run_id: int, epochs: int) -> None:
    """Train the selected run `run_id` on to `epochs` and wait until it finishes."""
    assert play.select(run_id)
    assert play.train_on(epochs) is None
    rec.wait(lambda r, e: r == run_id and play.summary(run_id).epoch >= epochs
             and play.summary(run_id).state == RunState.FINISHED)  # fmt: skip


def test_a_run_loaded_from_a_run_s_file_saves_to_a_file_of_its_own(play, rec, tiny_corpus):
    # The tester's repro: ctrl+s #1, load its file as #2, train #2, quit. Both were bound to
    # one file: the autosave wrote both there, and the file held #1 while the exit said #2.
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(1, RunState.FINISHED)
    play.save(1)
    first = Path(_saved(rec, 1, 1).path)
    play.load(first)
    added = rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    assert added.path == str(first), "the note names the file it was loaded from"
    assert any(first.name in note and "#1 scratch" in note and "new file" in note
               for note in added.notes), added.notes  # fmt: skip
    assert play.summary(2).path is None and play.summary(1).path == str(first)
    _trained(play, rec, 2, 3)
    _trained(play, rec, 1, 4)
    jobs = play.autosave()
    assert len(jobs) == 2 and all(job.done.wait(30) for job in jobs)
    assert all(job.outcome.error is None for job in jobs)
    paths = {job.label: job.outcome.path for job in jobs}
    assert paths["#1 scratch"] == first and paths["#2 scratch"] != first
    for label, path in paths.items():
        assert _label_in(path) == label, "every file holds the run it is said to"
    assert session_info(paths["#2 scratch"]).epoch == 3
    assert session_info(first).epoch == 4


def test_saving_to_another_run_s_file_is_refused(play, rec, tiny_corpus, tmp_path):
    # F9 (save as) onto the file #1 is bound to overwrote #1's training without a word.
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(1, RunState.FINISHED)
    mine = tmp_path / "mine.rnnplay"
    play.save(1, mine)
    _saved(rec, 1, 1)
    play.load(mine)
    rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    job = play.save(2, mine)
    assert job is not None and job.done.is_set()
    refused = _saved(rec, 2, 1)
    assert refused.error is not None and "#1 scratch" in refused.error
    assert _label_in(mine) == "#1 scratch"
    play.save(2)  # its own file: a new one
    own = _saved(rec, 2, 2)
    assert own.error is None and Path(own.path) != mine and _label_in(own.path) == "#2 scratch"
    assert play.summary(2).path == own.path


def test_the_same_file_loaded_twice_binds_it_to_the_first_load_only(play, rec, tiny_corpus):
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(1, RunState.FINISHED)
    play.save(1)
    path = _saved(rec, 1, 1).path
    assert play.remove(1) is None
    play.load(path)
    rec.wait(lambda r, e: isinstance(e, RunAdded) and r == 2)
    play.load(path)
    second = rec.wait(lambda r, e: isinstance(e, RunAdded) and r == 3)
    assert play.summary(2).path == path and play.summary(3).path is None
    assert any("new file" in note for note in second.notes)


def test_a_loaded_run_keeps_its_number_when_no_run_on_screen_has_it(play, rec, tiny_corpus):
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(1, RunState.FINISHED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(2, RunState.FINISHED)
    play.save(1)
    path = _saved(rec, 1, 1).path
    assert play.remove(1) is None
    assert play.remove(2, unsaved=UnsavedPolicy.DISCARD) is None
    play.load(path)
    back = rec.wait(lambda r, e: isinstance(e, RunAdded) and r == 3)
    assert back.label == "#1 scratch"
    play.load(path)  # #1 is on screen now: the copy is renumbered past every number used
    copy = rec.wait(lambda r, e: isinstance(e, RunAdded) and r == 4)
    assert copy.label == "#3 scratch"


def test_a_label_and_a_file_name_say_what_sets_a_run_apart(play, rec, tiny_corpus):
    # Two runs told apart by their lr read "#1 scratch·random" and "#2 scratch·random".
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=1))
    rec.status(1, RunState.FINISHED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=1, lr=1000.0))
    rec.status(2, RunState.FINISHED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=1, sampling="consecutive"))
    rec.status(3, RunState.FINISHED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=1, model="gru", lr=0.01))
    rec.status(4, RunState.FINISHED)
    labels = [s.label for s in play.summaries()]
    # The third differs from #2 in its lr too; a GRU's lr is its family's, not a difference.
    # Its label in full is too long for the runs table: "consec" (labels.py).
    assert labels == ["#1 scratch", "#2 scratch·lr 1000", "#3 scratch·consec·lr 1",
                      "#4 gru·random"]  # fmt: skip
    assert play.suggested_path(2).name.startswith("tiny-scratch-lr1000-")
    assert play.suggested_path(3).name.startswith("tiny-scratch-consec-lr1-")
    assert play.suggested_path(1).name.startswith("tiny-scratch-2")


def test_a_tag_names_each_setting_once() -> None:
    # A sweep's trial, loaded without a label, is tagged by the settings the sweep varied.
    mine, other = TrainConfig(lr=3.0, hidden=128), TrainConfig(lr=30.0, hidden=64)
    assert run_tag("jaychou", mine, [("jaychou", other)], "lr 3, hidden 128") == "lr 3, hidden 128"
    assert run_tag("jaychou", mine, [("jaychou", other)], "lr 3") == "lr 3·hidden 128"
    assert run_tag("pysrc", mine, [("jaychou", mine)]) == "pysrc"
