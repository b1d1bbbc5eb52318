"""The learning rate is resolved once, when a config is built: each model family gets its own
(the book's SGD at 100 for scratch, Adam at 1e-3 for the nn models) wherever a config comes from
without one: the constructor, a settings mapping, the command line, an old session file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import TINY_FILE, meta_of, small_trainer, write_with_meta

from engine.config import BOOK_LR, MODELS, OPTIMIZER, ConfigError, TrainConfig, spec_of
from engine.data.corpus import load_corpus
from engine.session import load_session, restore_trainer, save_session
from rnnplay.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.mark.parametrize("model", MODELS)
def test_a_config_built_without_an_lr_has_its_familys(model: str) -> None:
    for config in (TrainConfig(model=model),
                   TrainConfig.from_dict({"model": model}),
                   TrainConfig.from_dict({"model": model, "lr": None})):  # an old-style dict
        assert config.lr == BOOK_LR[model] and type(config.lr) is float
        assert config.optimizer_name == OPTIMIZER[model]
        assert config.to_dict()["lr"] == BOOK_LR[model]  # saved as a number, never null


def test_an_lr_given_is_kept_whatever_the_model() -> None:
    assert TrainConfig(model="gru", lr=30.0).lr == 30.0
    assert TrainConfig.from_dict({"model": "scratch", "lr": 2}).lr == 2.0
    # Typed empty, it is refused where it is typed: there is no "the default" to travel on.
    with pytest.raises(ConfigError, match="learning rate must be a number"):
        spec_of(TrainConfig, "lr").parse("")


@pytest.mark.parametrize(("model", "lr"), [("gru", 1e-3), ("scratch", 100.0)])
def test_rnnplay_train_without_lr_trains_with_the_models_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: str, lr: float
) -> None:
    out = tmp_path / "run.rnnplay"
    code = main(["train", "--corpus", str(TINY_FILE), "--max-chars", "0", "--model", model,
                 "--hidden", "8", "--batch-size", "4", "--num-steps", "8", "--epochs", "1",
                 "--pred-period", "0", "--device", "cpu", "--save", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert f"lr {lr:g}" in printed
    assert load_session(out).config.lr == lr


def test_an_old_session_that_stored_no_lr_loads_and_trains_with_the_book_default(
    tmp_path: Path,
) -> None:
    trainer = small_trainer(load_corpus("jaychou", max_chars=300), model="gru", hidden=8,
                            epochs=1, num_steps=5, pred_period=0)
    trainer.run_epoch()
    saved = save_session(tmp_path / "new.rnnplay", trainer)
    meta = meta_of(saved)
    meta["trainer"]["config"]["lr"] = None
    old = tmp_path / "old.rnnplay"
    write_with_meta(old, saved, json.dumps(meta, ensure_ascii=True, separators=(",", ":")))
    session = load_session(old)
    assert session.config.lr == BOOK_LR["gru"]
    resumed = restore_trainer(session, epochs=2)
    assert resumed.lr == BOOK_LR["gru"]
    resumed.run_epoch()
    assert resumed.epoch == 2
