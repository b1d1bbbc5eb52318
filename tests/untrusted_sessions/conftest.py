"""Fixtures for the tests of session files from elsewhere: one small trained rnn per module
(consecutive sampling, so its state holds the epoch's cursor and hidden state) and a save of it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import small_trainer

from engine.data.corpus import load_corpus
from engine.session import save_session
from engine.training.trainer import Trainer


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    t = small_trainer(load_corpus("jaychou", max_chars=300), model="rnn", hidden=8,
                      sampling="consecutive", epochs=1, num_steps=5, pred_period=1, pred_len=5)
    t.run_epoch()
    return t


@pytest.fixture
def saved(tmp_path: Path, trainer: Trainer) -> Path:
    return save_session(tmp_path / "s.rnnplay", trainer, prompt="分开")
