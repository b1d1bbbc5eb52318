"""A run's life in the playground core, on the real engine and a tiny corpus: what each state
allows, nothing unsaved dropped without being asked, loads that touch no other run, session
names that tell the truth, labels that name one run each."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from helpers import FOREVER_RUN, TINY_RUN, Recorder

from engine.playground import Action, Playground, UnsavedPolicy, allowed
from engine.playground.events import EpochEnd, RunAdded, RunRefused, RunRemoved, Saved
from engine.session import load_session
from engine.training.events import RunState, StatusChanged

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _finished(play: Playground, rec: Recorder, corpus: Path, run_id: int, **settings) -> None:
    play.new_run(str(corpus), 0, dict(TINY_RUN, epochs=2, **settings))
    rec.status(run_id, RunState.FINISHED)


def _stopped(play: Playground, rec: Recorder, corpus: Path, run_id: int) -> None:
    play.new_run(str(corpus), 0, FOREVER_RUN)
    rec.wait(lambda r, e: r == run_id and isinstance(e, EpochEnd))
    play.stop()
    rec.status(run_id, RunState.STOPPED)


# -- the table -------------------------------------------------------------------------------
def test_only_runs_done_for_good_are_cleared_and_no_active_run_is_removed() -> None:
    clearable = {s for s in RunState if Action.CLEAR in allowed(s)}
    assert clearable == {RunState.FINISHED, RunState.DIVERGED, RunState.FAILED}
    assert Action.REMOVE not in allowed(RunState.RUNNING) | allowed(RunState.PAUSED)
    trainable = {s for s in RunState if Action.TRAIN_ON in allowed(s)}
    assert trainable == {s for s in RunState if s.parked}


def test_a_summary_says_what_its_run_allows(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    running = play.summary(1)
    assert running.allows(Action.STOP) and not running.allows(Action.REMOVE)
    play.stop()
    rec.status(1, RunState.STOPPED)
    stopped = play.summary(1)
    assert stopped.allows(Action.TRAIN_ON) and not stopped.allows(Action.CLEAR)


# -- clearing and removing (F3, Del) ------------------------------------------------------------
def test_a_stopped_run_is_never_cleared(play, rec, tiny_corpus) -> None:
    _stopped(play, rec, tiny_corpus, 1)
    _finished(play, rec, tiny_corpus, 2)  # selected: clearing keeps it
    assert play.clear_plan().saved == play.clear_plan().unsaved == ()
    assert play.clear(UnsavedPolicy.DISCARD) == []
    assert [s.id for s in play.summaries()] == [1, 2] and not rec.of(RunRemoved)


def test_an_unsaved_finished_run_is_kept_unless_told(play, rec, tiny_corpus) -> None:
    _finished(play, rec, tiny_corpus, 1)
    _finished(play, rec, tiny_corpus, 2)
    plan = play.clear_plan()
    assert plan.saved == () and [s.label for s in plan.unsaved] == ["#1 scratch"]
    why_not = play.clear()
    assert len(why_not) == 1 and "#1 scratch" in why_not[0] and "save" in why_not[0]
    assert play.summary(1) is not None and not rec.of(RunRemoved)
    assert play.clear(UnsavedPolicy.DISCARD) == []
    assert play.summary(1) is None and rec.of(RunRemoved, 1)


def test_a_saved_finished_run_is_cleared(play, rec, tiny_corpus, tmp_path) -> None:
    _finished(play, rec, tiny_corpus, 1)
    assert play.save(1, tmp_path / "one.rnnplay").done.wait(30)
    _finished(play, rec, tiny_corpus, 2)
    assert [s.id for s in play.clear_plan().saved] == [1]
    assert play.clear() == []
    assert [s.id for s in play.summaries()] == [2] and rec.of(RunRemoved, 1)


def test_clearing_under_save_saves_each_run_before_it_goes(play, rec, tiny_corpus) -> None:
    _finished(play, rec, tiny_corpus, 1)
    _finished(play, rec, tiny_corpus, 2)
    assert play.clear(UnsavedPolicy.SAVE) == []
    rec.wait(lambda r, e: r == 1 and isinstance(e, RunRemoved))
    saved = rec.of(Saved, 1)
    assert len(saved) == 1 and saved[0].error is None
    order = [type(e) for r, e in rec.reports if r == 1 and isinstance(e, Saved | RunRemoved)]
    assert order == [Saved, RunRemoved], "it leaves only once the file holds it"
    session = load_session(saved[0].path)
    assert session.epoch == 2 and session.label == "#1 scratch"


def test_removing_an_unsaved_run_asks_first(play, rec, tiny_corpus) -> None:
    _stopped(play, rec, tiny_corpus, 1)
    why_not = play.remove(1)
    assert why_not == "#1 scratch has training no file holds: save it first, or discard it"
    assert play.summary(1) is not None and not rec.of(RunRemoved)


def test_a_failed_save_keeps_the_run_it_was_to_remove(rec, tiny_corpus, tmp_path) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    play = Playground(rec, save_dir=blocked)
    play.start()
    try:
        _finished(play, rec, tiny_corpus, 1)
        _finished(play, rec, tiny_corpus, 2)
        assert play.remove(1, unsaved=UnsavedPolicy.SAVE) is None
        failed = rec.wait(lambda r, e: r == 1 and isinstance(e, Saved))
        assert failed.error
        time.sleep(0.2)
        assert play.summary(1) is not None and not rec.of(RunRemoved)
    finally:
        play.close(timeout=5)


def test_an_active_run_is_never_removed_whatever_the_policy(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    for policy in UnsavedPolicy:
        assert "stop it first" in play.remove(1, unsaved=policy)
    assert play.summary(1).state == RunState.RUNNING and not rec.of(Saved)
    play.stop()


# -- loading (ctrl+o) ---------------------------------------------------------------------------
def _saved_session(tmp_path: Path, tiny_corpus: Path, **settings) -> Path:
    """A session file saved by a playground of its own (a previous session of the app)."""
    rec = Recorder()
    other = Playground(rec, save_dir=tmp_path)
    other.start()
    try:
        _finished(other, rec, tiny_corpus, 1, **settings)
        job = other.save(1, tmp_path / "earlier.rnnplay")
        assert job.done.wait(30) and job.outcome.error is None
    finally:
        other.close(timeout=5)
    return job.outcome.path


def _epochs(rec: Recorder, run_id: int) -> int:
    return len(rec.of(EpochEnd, run_id))


def _trains_on(rec: Recorder, run_id: int) -> None:
    """Wait for two more epochs of `run_id`."""
    before = _epochs(rec, run_id)
    rec.wait(lambda r, e: _epochs(rec, run_id) >= before + 2)


def test_a_load_never_touches_the_training_run(play, rec, tiny_corpus, tmp_path) -> None:
    good = _saved_session(tmp_path, tiny_corpus, model="gru", lr=0.01)
    bad = tmp_path / "bad.rnnplay"
    bad.write_bytes(b"not a session at all")
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.wait(lambda r, e: r == 1 and isinstance(e, EpochEnd))

    play.load(bad)
    refused = rec.wait(lambda r, e: isinstance(e, RunRefused))
    assert "bad.rnnplay" in refused.message
    assert [s.id for s in play.summaries()] == [1] and play.selected == 1
    _trains_on(rec, 1)
    assert play.summary(1).state == RunState.RUNNING

    play.load(good, train=True, epochs=100000)
    added = rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    assert added.state == RunState.LOADED and play.selected == 2
    _trains_on(rec, 2)  # beside #1
    _trains_on(rec, 1)
    assert play.training_runs() == [1, 2]
    assert {s.status for s in rec.of(StatusChanged, 1)} == {RunState.RUNNING}, "never paused"
    play.stop(1)
    play.stop(2)


def test_a_load_to_train_trains_when_nothing_else_does(play, rec, tiny_corpus, tmp_path) -> None:
    play.load(_saved_session(tmp_path, tiny_corpus), train=True, epochs=4)
    rec.status(1, RunState.FINISHED)
    assert [e.epoch for e in rec.of(EpochEnd, 1)] == [3, 4]


# -- names ------------------------------------------------------------------------------------
def test_a_session_file_name_never_states_a_wrong_epoch(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.wait(lambda r, e: r == 1 and isinstance(e, EpochEnd))
    paths = []
    for _ in range(2):
        job = play.save()
        assert job.done.wait(30) and job.outcome.error is None
        paths.append(job.outcome.path)
        held = load_session(job.outcome.path).epoch
        stated = re.findall(r"-e(\d+)-", job.outcome.path.name)
        assert stated in ([], [str(held)]), f"{job.outcome.path.name} holds epoch {held}"
        _trains_on(rec, 1)
    assert paths[0] == paths[1], "a run keeps its file"
    play.stop()


def test_two_runs_saved_in_the_same_second_get_two_files(play, rec, tiny_corpus) -> None:
    _finished(play, rec, tiny_corpus, 1)
    _finished(play, rec, tiny_corpus, 2)
    jobs = play.autosave()
    assert all(job.done.wait(30) and job.outcome.error is None for job in jobs)
    assert len({job.outcome.path for job in jobs}) == 2


# -- labels -----------------------------------------------------------------------------------
def test_labels_are_unique_and_never_reused(play, rec, tiny_corpus, tmp_path) -> None:
    saved = _saved_session(tmp_path, tiny_corpus, model="rnn", lr=0.5)  # "#1 rnn"
    _finished(play, rec, tiny_corpus, 1)
    play.load(saved)
    loaded = rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    assert loaded.label == "#2 rnn", "#1 is taken here"
    assert play.remove(1, unsaved=UnsavedPolicy.DISCARD) is None
    play.load(saved)
    again = rec.wait(lambda r, e: r == 3 and isinstance(e, RunAdded))
    assert again.label == "#3 rnn", "#1 was removed, but it named another run"
    labels = [s.label for s in play.summaries()]
    assert len(set(labels)) == len(labels)


def test_a_loaded_run_at_its_epochs_is_finished_for_clear(play, rec, tiny_corpus, tmp_path):
    done = _saved_session(tmp_path, tiny_corpus)  # trained to its 2 epochs: 2/2
    play.load(done)
    rec.wait(lambda r, e: r == 1 and isinstance(e, RunAdded))
    _finished(play, rec, tiny_corpus, 2)  # the selected run
    assert [s.id for s in play.clear_plan().saved] == [1]
    assert play.clear() == [] and [s.id for s in play.summaries()] == [2]
