"""A run that diverged, saved and loaded again, is still diverged (tester: "#6 scratch·lr 1000
loaded 1/250 2.4e11", its 1e11 setting the plot's y axis and F6 training it on): the save
records why, the playground loads it DIVERGED with that message and never trains it on, the
command line's --resume refuses it in one line, and a save without the record loads as before.
The real playground core and engine on a tiny corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import TINY_RUN, header_of, run_main, write_with_meta

from engine.config import TrainConfig
from engine.data.corpus import load_corpus
from engine.playground import Playground
from engine.playground.events import RunAdded, Saved
from engine.session import PeriodicSave, SessionError, load_session, restore_trainer
from engine.training.events import RunState
from engine.training.trainer import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

DIVERGING = dict(TINY_RUN, epochs=50, lr=1e30, clip=1e30)


def _meta(path: Path) -> dict:
    return json.loads(header_of(path)[1]["__metadata__"]["meta"])


def _diverged_save(play: Playground, rec, corpus: Path, path: Path) -> str:
    """Train a run until it diverges, save it to `path`; returns the trainer's message."""
    play.new_run(str(corpus), 0, DIVERGING)
    message = rec.status(1, RunState.DIVERGED).message
    play.save(1, path).done.wait(30)
    assert rec.of(Saved, 1)[-1].error is None
    return message


def test_a_diverged_run_comes_back_diverged(play, rec, tiny_corpus, tmp_path) -> None:
    path = tmp_path / "diverged.rnnplay"
    message = _diverged_save(play, rec, tiny_corpus, path)
    assert message.startswith("training diverged") and _meta(path)["diverged"] == message
    assert load_session(path).diverged == message

    play.load(path, train=True)  # asked to train: a diverged run is not trained on
    added = rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    assert added.state == RunState.DIVERGED and added.message == message
    loaded = play.summary(2)
    assert loaded.state == RunState.DIVERGED and loaded.message == message
    assert play.train_on(60) == f"{loaded.label} is diverged: it cannot train on"
    assert play.summary(2).state == RunState.DIVERGED

    # Saved again, it still says so.
    again = tmp_path / "again.rnnplay"
    play.save(2, again).done.wait(30)
    assert rec.of(Saved, 2)[-1].error is None and load_session(again).diverged == message


def test_a_save_without_the_record_loads_as_before(play, rec, tiny_corpus, tmp_path) -> None:
    path = tmp_path / "diverged.rnnplay"
    _diverged_save(play, rec, tiny_corpus, path)
    meta = _meta(path)
    del meta["diverged"]  # as rnnplay wrote it before saves said so
    old = tmp_path / "old.rnnplay"
    write_with_meta(old, path, json.dumps(meta, ensure_ascii=True, separators=(",", ":")))
    assert load_session(old).diverged == ""
    play.load(old)
    added = rec.wait(lambda r, e: r == 2 and isinstance(e, RunAdded))
    assert added.state == RunState.LOADED and play.summary(2).message == ""


@pytest.mark.parametrize("value", ["", "   ", "line\nbreak", 5, "x" * 1001, ["a"]])
def test_a_crafted_record_is_refused(play, rec, tiny_corpus, tmp_path, value) -> None:
    path = tmp_path / "diverged.rnnplay"
    _diverged_save(play, rec, tiny_corpus, path)
    meta = _meta(path)
    meta["diverged"] = value
    crafted = tmp_path / "crafted.rnnplay"
    write_with_meta(crafted, path, json.dumps(meta, ensure_ascii=True, separators=(",", ":")))
    with pytest.raises(SessionError, match="diverged"):
        load_session(crafted)


def test_the_command_line_saves_the_record_and_resume_refuses_it(
    tiny_corpus, tmp_path, capsys
) -> None:
    trainer = Trainer(load_corpus(str(tiny_corpus)), TrainConfig(**DIVERGING))
    path = tmp_path / "cli.rnnplay"
    saver = PeriodicSave(trainer, path)  # what `rnnplay train --save` uses
    assert trainer.run() == RunState.DIVERGED
    saver.finish()
    session = load_session(path)
    assert session.diverged.startswith("training diverged")
    with pytest.raises(SessionError, match="its run diverged"):
        restore_trainer(session)
    assert restore_trainer(session, diverged_ok=True).epoch == trainer.epoch
    before = path.read_bytes()
    code, out, err = run_main(capsys, "train", "--resume", str(path), "--epochs", "60")
    assert code == 2 and "its run diverged" in err and "start a new run" in err
    assert len(err.strip().splitlines()) == 1 and path.read_bytes() == before
