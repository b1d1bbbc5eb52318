"""Several runs training at once in the playground core: each on its own thread, the cores split
between them, commands acting on the selected run, a queue, and numbers that never depend on
what trains beside a run. The real engine on a tiny corpus, without any UI."""

from __future__ import annotations

import time

import pytest
import torch
from helpers import FOREVER_RUN, TINY_RUN, Recorder

from engine.playground import Playground, worker
from engine.playground.events import Event, RunAdded, RunRefused, TargetChanged
from engine.training.events import BatchEnd, EpochEnd, RunState, StatusChanged

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _epochs(rec: Recorder, run_id: int, more_than: int) -> None:
    rec.wait(lambda r, e: r == run_id and isinstance(e, EpochEnd) and e.epoch > more_than)


def _last_epoch(rec: Recorder, run_id: int) -> int:
    return max((e.epoch for e in rec.of(EpochEnd, run_id)), default=0)


def test_a_new_run_trains_beside_the_one_training(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(2, RunState.RUNNING)
    assert play.training_runs() == [1, 2] and play.selected == 2
    for run_id in (1, 2):  # both advance
        _epochs(rec, run_id, _last_epoch(rec, run_id))
    assert {s.status for s in rec.of(StatusChanged, 1)} == {RunState.RUNNING}, "#1 never stopped"


def test_pause_stop_and_lr_act_on_the_selected_run_only(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(2, RunState.RUNNING)
    assert play.select(1) and play.pause()
    rec.status(1, RunState.PAUSED)
    assert play.set_lr(0.5)
    rec.wait(lambda r, e: r == 1 and isinstance(e, TargetChanged))
    assert play.summary(1).config.lr == 0.5 and play.summary(2).config.lr == TINY_RUN["lr"]
    _epochs(rec, 2, _last_epoch(rec, 2))
    assert play.summary(2).state == RunState.RUNNING, "pausing #1 left #2 training"
    assert play.train_on() == "#1 scratch is paused already"
    assert play.select(2) and play.stop()
    rec.status(2, RunState.STOPPED)
    assert play.summary(1).state == RunState.PAUSED and play.training_runs() == [1]
    assert play.resume(1) and play.stop(1)
    rec.status(1, RunState.STOPPED)
    assert play.training_runs() == []


def test_a_queued_run_starts_once_the_training_ones_end(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2), queue=True)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2), queue=True)
    added = rec.wait(lambda r, e: r == 3 and isinstance(e, RunAdded))
    assert added.state == RunState.QUEUED and play.selected == 1, "a queued run waits unselected"
    assert added.notes == ("queued: it starts once no run trains (#1 scratch training "
                           "now; after #2 scratch)",)  # fmt: skip
    assert play.queued() == [2, 3] and play.training_runs() == [1]
    assert [play.summary(n).state for n in (2, 3)] == [RunState.QUEUED] * 2
    _epochs(rec, 1, _last_epoch(rec, 1))
    assert not rec.of(StatusChanged, 2), "it waits while #1 trains"
    assert play.stop()
    rec.status(2, RunState.FINISHED)
    rec.status(3, RunState.FINISHED)
    started = [r for r, e in rec.reports if isinstance(e, StatusChanged) and e.status == "running"]
    assert started[-2:] == [2, 3], "one at a time, in the order queued"
    assert play.queued() == []


def test_pausing_the_run_that_trains_starts_the_queued_ones(play, rec, tiny_corpus) -> None:
    """A paused run trains nothing: the queue waits for no run to train, not for it to end (a
    paused #1 once kept four queued runs idle for good, until F7 stopped it)."""
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2), queue=True)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2), queue=True)
    rec.wait(lambda r, e: r == 3 and isinstance(e, RunAdded))
    assert play.pause(1)
    rec.status(1, RunState.PAUSED)
    rec.status(2, RunState.FINISHED)
    rec.status(3, RunState.FINISHED)
    assert play.summary(1).state == RunState.PAUSED and play.queued() == []
    started = [r for r, e in rec.reports if isinstance(e, StatusChanged) and e.status == "running"]
    assert started == [1, 2, 3], "one at a time, in the order queued"


def test_a_run_queued_while_the_others_are_paused_starts_at_once(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    assert play.pause(1)
    rec.status(1, RunState.PAUSED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2), queue=True)
    rec.status(2, RunState.FINISHED)
    assert play.summary(1).state == RunState.PAUSED


def test_autosave_empties_the_queue_so_stopping_starts_nothing(play, rec, tiny_corpus) -> None:
    """Quitting saves and stops the runs that train; a queued run must not start then (one
    trained 15 epochs while the app was quitting)."""
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    _epochs(rec, 1, 0)
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN, queue=True)
    rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    (job,) = play.autosave()
    assert job.done.wait(30) and job.outcome.error is None
    rec.status(1, RunState.STOPPED)
    rec.status(2, RunState.IDLE)
    time.sleep(0.3)  # what a queued run started by the stop would have reported by now
    assert play.queued() == [] and play.summary(2).state == RunState.IDLE
    assert not any(r == 2 and getattr(e, "status", None) == "running" for r, e in rec.reports)


def test_a_queued_run_removed_leaves_the_queue(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2), queue=True)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2), queue=True)
    rec.wait(lambda r, e: r == 3 and isinstance(e, RunAdded))
    assert play.remove(2) is None
    assert play.queued() == [3]
    assert play.stop(1)
    rec.status(3, RunState.FINISHED)


def test_training_a_queued_run_on_starts_it_now(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
    rec.status(1, RunState.RUNNING)
    play.new_run(str(tiny_corpus), 0, FOREVER_RUN, queue=True)
    rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    assert play.select(2) and play.train_on() is None
    rec.status(2, RunState.RUNNING)
    assert play.queued() == [] and play.training_runs() == [1, 2]


def _perplexities(rec: Recorder, run_id: int) -> list[float]:
    return [e.perplexity for e in rec.of(EpochEnd, run_id)]


@pytest.mark.parametrize("sampling", ["random", "consecutive"])
def test_a_runs_numbers_do_not_depend_on_what_trains_beside_it(rec, tiny_corpus, sampling):
    """Same seed and threads: the same per-epoch perplexities to the last digit, alone or with
    another run training at the same time (built at the same time too: their weights are drawn
    from torch's global RNG)."""
    mine = dict(TINY_RUN, epochs=12, seed=3, threads=1, sampling=sampling, val_chars=40)
    other = dict(TINY_RUN, epochs=12, seed=8, threads=1, hidden=24, model="gru", lr=0.01)
    alone_rec, beside_rec = Recorder(), rec
    alone = Playground(alone_rec)
    beside = Playground(beside_rec)
    try:
        alone.new_run(str(tiny_corpus), 0, mine)
        alone_rec.status(1, RunState.FINISHED)
        for _ in range(3):  # started in every order, built at the same time
            beside.new_run(str(tiny_corpus), 0, other)
            beside.new_run(str(tiny_corpus), 0, mine)
        for run_id in range(1, 7):
            beside_rec.status(run_id, RunState.FINISHED)
        mine_ids = [
            r for r, e in beside_rec.reports if isinstance(e, RunAdded) and e.config.seed == 3
        ]
        assert len(mine_ids) == 3
        expected = _perplexities(alone_rec, 1)
        vals = [e.val_perplexity for e in alone_rec.of(EpochEnd, 1)]
        for run_id in mine_ids:
            assert _perplexities(beside_rec, run_id) == expected
            assert [e.val_perplexity for e in beside_rec.of(EpochEnd, run_id)] == vals
    finally:
        alone.close(timeout=5)
        beside.close(timeout=5)


class ThreadsSeen(Recorder):
    """A recorder that also notes the torch threads of the thread each batch report came on
    (a run's own trainer thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: dict[int, list[int]] = {}

    def __call__(self, run_id: int | None, event: Event) -> None:
        if isinstance(event, BatchEnd) and run_id is not None:
            self.threads.setdefault(run_id, []).append(torch.get_num_threads())
        super().__call__(run_id, event)


def test_the_cores_are_split_between_the_runs_that_train(tiny_corpus) -> None:
    rec = ThreadsSeen()
    play = Playground(rec, threads=2)
    try:
        play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
        _epochs(rec, 1, 0)
        assert rec.threads[1][-1] == 2, "alone, a run has both threads"
        play.new_run(str(tiny_corpus), 0, FOREVER_RUN)
        _epochs(rec, 2, 0)
        _epochs(rec, 1, _last_epoch(rec, 1))
        assert rec.threads[2][-1] == 1 and rec.threads[1][-1] == 1, "two runs: one thread each"
        play.new_run(str(tiny_corpus), 0, dict(FOREVER_RUN, threads=2))
        _epochs(rec, 3, 0)
        assert rec.threads[3][-1] == 2, "a run's own thread count is kept"
        assert play.stop(3) and play.stop(2)
        rec.status(2, RunState.STOPPED)
        seen = len(rec.threads[1])
        rec.wait(lambda r, e: len(rec.threads[1]) > seen + 3)
        assert rec.threads[1][-1] == 2, "the others stopped: it has both threads again"
    finally:
        play.close(timeout=5)


def test_runs_asked_for_together_join_in_the_order_asked_whichever_is_built_first(
    play, rec, tiny_corpus, monkeypatch
) -> None:
    """A grid asks for its runs one after another, each built on its own thread: the first may
    take longest to build, yet each run gets its id and label in the order asked (and a refused
    one in between neither blocks nor reorders the others)."""
    real_build = worker.build_trainer

    def first_builds_slowest(corpus, settings, reporter):
        if settings["lr"] == 1.0:
            time.sleep(0.5)  # the first asked for is the last built
        return real_build(corpus, settings, reporter)

    monkeypatch.setattr(worker, "build_trainer", first_builds_slowest)
    for lr in (1.0, 2.0, -1.0, 3.0):  # -1: refused
        play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, lr=lr, epochs=1), tag=f"lr {lr:g}")
    for run_id in (1, 2, 3):
        rec.status(run_id, RunState.FINISHED)
    added = [(r, e.config.lr) for r, e in rec.reports if isinstance(e, RunAdded)]
    assert added == [(1, 1.0), (2, 2.0), (3, 3.0)]
    assert [play.summary(i).label for i in (1, 2, 3)] == [
        "#1 scratch·lr 1", "#2 scratch·lr 2", "#3 scratch·lr 3"]
    order = [e for _, e in rec.reports if isinstance(e, (RunAdded, RunRefused))]
    assert [type(e) for e in order] == [RunAdded, RunAdded, RunRefused, RunAdded]
