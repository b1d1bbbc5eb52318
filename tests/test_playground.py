"""The playground core on the real engine and a tiny corpus, without any UI."""

from __future__ import annotations

import time

import pytest
from helpers import TINY_RUN, Recorder

from engine.generation.generate import Completer
from engine.models.char_rnn import build_model
from engine.playground import ClearPlan, Playground, UnsavedPolicy
from engine.playground.events import (
    Completion,
    Event,
    RunAdded,
    RunRefused,
    RunRemoved,
    Saved,
    TargetChanged,
)
from engine.training.events import BatchEnd, EpochEnd, RunState, StatusChanged

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_a_run_trains_to_the_end_and_reports_everything(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=5))
    rec.status(1, RunState.FINISHED)
    added = rec.of(RunAdded, 1)
    assert len(added) == 1 and added[0].label == "#1 scratch"
    assert added[0].vocab_size == len(set(tiny_corpus.read_text()))
    assert [e.epoch for e in rec.of(EpochEnd, 1)] == [1, 2, 3, 4, 5]
    assert rec.of(BatchEnd, 1), "in-epoch progress is reported"
    summary = play.summary(1)
    assert summary is not None and summary.state == RunState.FINISHED
    assert summary.epoch == 5 and summary.unsaved and summary.perplexity is not None
    assert play.selected == 1


def test_refused_settings_name_the_field_and_change_nothing(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, batch_size=5000))
    refused = rec.wait(lambda r, e: isinstance(e, RunRefused))
    assert r_none(rec, refused) and refused.field == "batch_size"
    play.new_run(str(tiny_corpus / "missing.txt"), 0, TINY_RUN)
    missing = rec.wait(lambda r, e: isinstance(e, RunRefused) and e is not refused)
    assert missing.field == "corpus"
    assert play.summaries() == [] and play.selected is None


def r_none(rec: Recorder, event: Event) -> bool:
    return any(r is None and e is event for r, e in rec.reports)


def test_pause_resume_stop_and_lr(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))
    rec.status(1, RunState.RUNNING)
    assert play.pause()
    rec.status(1, RunState.PAUSED)
    assert play.summary(1).state == RunState.PAUSED
    assert play.set_lr(0.25)
    target = rec.wait(lambda r, e: isinstance(e, TargetChanged))
    assert target.lr == 0.25 and play.summary(1).config.lr == 0.25
    assert play.resume()
    rec.wait(lambda r, e: len([s for s in rec.of(StatusChanged, 1) if s.status == "running"]) > 1)
    assert play.stop()
    rec.status(1, RunState.STOPPED)
    assert not play.pause() and not play.stop(), "nothing is training any more"


def _completion_after(rec: Recorder, version: int, text: str) -> Completion:
    return rec.wait(  # type: ignore[return-value]
        lambda r, e: isinstance(e, Completion) and e.version >= version and e.text == text
    )


@pytest.mark.parametrize("how", ["pause", "stop"])
def test_the_prompt_shows_the_latest_weights_once_training_parks(play, rec, tiny_corpus, how):
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))
    rec.status(1, RunState.RUNNING)
    play.complete("the qu", 20)
    rec.wait(lambda r, e: isinstance(e, Completion))
    time.sleep(0.3)  # mid-epoch: the trainer's throttled snapshots lag its weights
    getattr(play, how)()
    rec.status(1, RunState.PAUSED if how == "pause" else RunState.STOPPED)
    trainer = play._runs[1].trainer
    version, weights = trainer.snapshots.latest()
    # What a save made now holds: the live model's weights, bit for bit.
    live = trainer.model.state_dict()
    assert all((weights[k] == live[k]).all() for k in live)
    shown = _completion_after(rec, version, "the qu")
    cfg = trainer.config
    mine = Completer(
        build_model(cfg.model, len(trainer.corpus.vocab), cfg.hidden), trainer.corpus.vocab
    )
    mine.load_weights(live)
    mine.set_text("the qu")
    assert shown.completion == mine.complete(20) and shown.follows == 1
    play.stop()


def test_clearing_finished_runs_keeps_the_live_one(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(1, RunState.FINISHED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))
    rec.status(2, RunState.RUNNING)
    plan = play.clear_plan()
    assert plan.saved == () and [s.id for s in plan.unsaved] == [1]
    assert play.clear(UnsavedPolicy.DISCARD) == []
    assert [s.id for s in play.summaries()] == [2]
    assert rec.of(RunRemoved, 1) and not rec.of(RunRemoved, 2)
    play.stop()
    rec.status(2, RunState.STOPPED)
    assert play.clear_plan() == ClearPlan((), ()), "the selected run stays: it trains on"
    assert play.train_on() is None
    rec.wait(lambda r, e: r == 2 and isinstance(e, TargetChanged))
    play.stop()


def test_a_new_run_keeps_the_finished_one_and_autosave_saves_both(play, rec, tiny_corpus):
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(1, RunState.FINISHED)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=3, model="gru", lr=0.01))
    rec.status(2, RunState.FINISHED)
    assert [s.unsaved for s in play.summaries()] == [True, True]
    jobs = play.autosave("the")
    assert len(jobs) == 2
    for job in jobs:
        assert job.done.wait(30) and job.outcome.error is None
    saved = rec.of(Saved)
    assert len(saved) == 2 and all(s.quiet for s in saved)
    assert [s.unsaved for s in play.summaries()] == [False, False]
    assert len({s.path for s in play.summaries()}) == 2


def test_save_and_load_continue_exactly(play, rec, tiny_corpus, tmp_path) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=3))
    rec.status(1, RunState.FINISHED)
    path = tmp_path / "one.rnnplay"
    play.save(path=path, prompt="the").done.wait(30)
    assert rec.of(Saved, 1)[-1].error is None and not play.summary(1).unsaved
    play.load(path, train=True, epochs=6)
    added = rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    assert added.state == RunState.LOADED and added.epoch == 3 and added.prompt == "the"
    assert [e.epoch for e in added.history] == [1, 2, 3] and added.path == str(path)
    rec.status(2, RunState.FINISHED)
    loaded_ppl = [e.perplexity for e in rec.of(EpochEnd, 2)]
    rec2 = Recorder()
    other = Playground(rec2)
    other.start()
    try:
        other.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=6))
        rec2.status(1, RunState.FINISHED)
        assert [e.perplexity for e in rec2.of(EpochEnd, 1)][3:] == loaded_ppl
    finally:
        other.close()


def test_a_bad_session_file_is_refused_and_nothing_changes(play, rec, tmp_path) -> None:
    bad = tmp_path / "bad.rnnplay"
    bad.write_bytes(b"\x80\x04not a session at all")
    play.load(bad)
    refused = rec.wait(lambda r, e: isinstance(e, RunRefused))
    assert "bad.rnnplay" in refused.message and play.summaries() == []


def test_divergence_keeps_its_reason(play, rec, tiny_corpus) -> None:
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=50, lr=1e30, clip=1e30))
    status = rec.status(1, RunState.DIVERGED)
    assert "diverged" in status.message
    assert play.summary(1).message == status.message


def test_close_ends_the_threads_quickly_while_training(rec, tiny_corpus) -> None:
    play = Playground(rec)
    play.start()
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))
    rec.status(1, RunState.RUNNING)
    began = time.monotonic()
    play.close(timeout=5)
    assert time.monotonic() - began < 1.0
    assert not play.worker.alive() and not play.prompt._thread.is_alive()


def test_removing_a_run_selects_the_newest_left(play, rec, tiny_corpus) -> None:
    for run_id in (1, 2):
        play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
        rec.status(run_id, RunState.FINISHED)
    assert play.selected == 2
    assert play.select(1) and play.prompt.following == 1
    assert "#1 scratch has training no file holds" in play.remove(1)
    assert play.selected == 1 and not rec.of(RunRemoved), "refused: nothing changed"
    assert play.remove(1, unsaved=UnsavedPolicy.DISCARD) is None
    assert play.selected == 2 and play.prompt.following == 2
    assert play.remove(1) == "no run #1"
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))
    rec.status(3, RunState.RUNNING)
    assert "stop it first" in play.remove(3)
    play.stop()


def test_export_writes_every_run_as_csv_and_the_cli_json_records(play, rec, tiny_corpus, tmp_path):
    import csv
    import json

    for run_id in (1, 2):
        play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=3, pred_period=3))
        rec.status(run_id, RunState.FINISHED)
    csv_path, jsonl_path = play.export(tmp_path / "out")
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    assert [(r["run"], r["epoch"]) for r in rows] == [
        (f"#{i} scratch", str(e)) for i in (1, 2) for e in (1, 2, 3)
    ]
    records = [json.loads(line) for line in jsonl_path.read_text(encoding="utf-8").splitlines()]
    epochs = [r for r in records if r["type"] == "epoch" and r["run"] == "#2 scratch"]
    assert [r["perplexity"] for r in epochs] == [e.perplexity for e in rec.of(EpochEnd, 2)]
    predictions = [r for r in records if r["type"] == "prediction"]
    assert predictions and {"epoch", "prefix", "text"} <= set(predictions[0])


def test_a_loaded_run_keeps_its_label_and_later_runs_count_past_it(rec, tiny_corpus, tmp_path):
    first = Playground(rec)
    first.start()
    try:
        for run_id in (1, 2):
            first.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2, pred_period=1))
            rec.status(run_id, RunState.FINISHED)
        first.save(2, tmp_path / "two.rnnplay").done.wait(30)
    finally:
        first.close()
    rec2 = Recorder()
    second = Playground(rec2)
    second.start()
    try:
        second.load(tmp_path / "two.rnnplay")
        assert rec2.wait(lambda r, e: isinstance(e, RunAdded)).label == "#2 scratch"
        second.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=1))
        third = rec2.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
        assert third.label == "#3 scratch"
        second.load(tmp_path / "two.rnnplay")  # the same name is taken now: a new one
        again = rec2.wait(lambda r, e: r == 3 and isinstance(e, RunAdded))
        assert again.label == "#4 scratch"
    finally:
        second.close()


def test_a_model_too_big_for_memory_is_refused_before_it_is_built(play, rec, tiny_corpus):
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, model="lstm", layers=16, hidden=8192))
    refused = rec.wait(lambda r, e: isinstance(e, RunRefused))
    assert "would fit" in refused.message and refused.field == "hidden"
    assert play.summaries() == []


def test_an_lr_past_float32_is_refused_by_the_setting(play, rec, tiny_corpus) -> None:
    from engine.config import ConfigError

    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))
    rec.status(1, RunState.RUNNING)
    with pytest.raises(ConfigError):
        play.set_lr(1e39)
    play.stop()


def test_runs_train_side_by_side_and_commands_act_on_the_selected_one(play, rec, tiny_corpus):
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))
    rec.status(1, RunState.RUNNING)
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=100000))  # beside #1
    rec.status(2, RunState.RUNNING)
    assert play.summary(1).state == RunState.RUNNING and play.training_runs() == [1, 2]
    assert play.select(1)
    assert play.train_on() == "#1 scratch is running already"
    assert play.pause() and rec.status(1, RunState.PAUSED), "pause acts on the selected run"
    assert play.summary(2).state == RunState.RUNNING
    play.stop()
    play.stop(2)


def test_timing_the_selected_run_on_each_device(play, rec, tiny_corpus) -> None:
    from engine.playground.events import DevicesTimed

    assert play.time_devices() == "no run yet: start one first"
    play.new_run(str(tiny_corpus), 0, dict(TINY_RUN, epochs=2))
    rec.status(1, RunState.FINISHED)
    assert play.time_devices() is None
    timed = rec.wait(lambda r, e: isinstance(e, DevicesTimed))
    names = [name for name, _, _ in timed.rows]
    assert names[0] == "CPU, 1 thread" and all(s is None or s > 0 for _, s, _ in timed.rows)
    assert timed.verdict
