"""`rnnplay train --resume FILE` saves back what the file held beside the trainer: the prompt
typed in the app, how it completed (its prompt settings) and the run's name."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TINY_FILE, run_main, small_trainer

from engine.data.corpus import load_corpus
from engine.generation.decoding import Decoding
from engine.generation.prompt_settings import PromptSettings
from engine.session import load_session
from engine.session.save import session_bytes, write_session

SETTINGS = PromptSettings(Decoding(temperature=0.7, top_k=5, seed=11), 123)


def test_a_resumed_session_keeps_its_prompt_settings_and_label(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    trainer = small_trainer(load_corpus(str(TINY_FILE), 0), epochs=1, pred_period=0)
    trainer.run()
    path = tmp_path / "run.rnnplay"
    write_session(path, session_bytes(trainer, "我的 prompt\n", "lr 3 run", SETTINGS))

    code, _, err = run_main(capsys, "train", "--resume", str(path), "--epochs", "2")
    assert code == 0, err
    session = load_session(path)
    assert session.epoch == 2  # the epoch was trained and saved back
    assert session.prompt == "我的 prompt\n"
    assert session.prompt_settings == SETTINGS
    assert session.label == "lr 3 run"
