"""Training without clipping (`--clip off`): the setting from the command line, the form's
parser and a session file; the norm still measured; at the book's lr 100 the run diverges and
the guard says so, where the clipped one trains."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import run_main

from engine.config import ConfigError, TrainConfig, spec_of
from engine.data.corpus import load_corpus
from engine.session import load_session, save_session
from engine.training.clipping import clip_gradients
from engine.training.events import StatusChanged
from engine.training.trainer import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CLIP = spec_of(TrainConfig, "clip")
SMALL = dict(hidden=32, batch_size=8, num_steps=10, epochs=2, pred_period=0, device="cpu",
             val_chars=0)


def test_off_is_typed_and_shown_as_off() -> None:
    assert CLIP.parse("off") is None and CLIP.parse(" OFF ") is None
    assert CLIP.text(None) == "off" and CLIP.text(0.01) == "0.01"
    CLIP.check(None)
    for typed in ("", "never"):  # an empty field is not a silent "off"
        with pytest.raises(ConfigError, match="clip threshold must be a number or off") as err:
            CLIP.parse(typed)
        assert err.value.field == "clip"
    with pytest.raises(ConfigError, match="positive number or off"):
        CLIP.check(0.0)
    assert CLIP.default == 0.01  # the book's


def test_a_config_without_clipping_goes_through_a_session_dict() -> None:
    config = TrainConfig(clip=None)
    assert config.to_dict()["clip"] is None
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict(TrainConfig().to_dict()).clip == 0.01


def test_no_threshold_leaves_the_gradients_and_measures_their_norm() -> None:
    params = [torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(2, 2))]
    params[0].grad = torch.tensor([3.0, 0.0, 0.0])
    params[1].grad = torch.full((2, 2), 2.0)
    norm = clip_gradients(params, None)
    assert norm.item() == pytest.approx(5.0)
    assert params[0].grad.tolist() == [3.0, 0.0, 0.0] and params[1].grad.eq(2.0).all()


def test_at_the_books_lr_unclipped_training_diverges_and_the_guard_says_so(jaychou) -> None:
    corpus = load_corpus("jaychou", 2000)
    clipped = Trainer(corpus, TrainConfig(**SMALL))
    assert clipped.run() == "finished"
    assert [e.clipped_share for e in clipped.history] == [1.0, 1.0]
    events: list[object] = []
    free = Trainer(corpus, TrainConfig(**SMALL, clip=None), events.append)
    assert free.run() == "diverged"
    (last,) = [e for e in events if isinstance(e, StatusChanged) and e.status == "diverged"]
    assert "training diverged" in last.message and "turn clipping on" in last.message
    # The weights were kept from before the step that exploded.
    assert all(torch.isfinite(p).all() for p in free.model.parameters())


def test_unclipped_at_a_small_lr_measures_the_norm_and_clips_nothing(jaychou, tmp_path) -> None:
    corpus = load_corpus("jaychou", 2000)
    free = Trainer(corpus, TrainConfig(**SMALL, clip=None, lr=1.0))
    assert free.run() == "finished"
    assert [e.clipped_share for e in free.history] == [0.0, 0.0]
    assert all(e.grad_norm > 0.01 and math.isfinite(e.grad_norm) for e in free.history)
    save_session(tmp_path / "free.rnnplay", free)
    assert load_session(tmp_path / "free.rnnplay").config.clip is None


def test_the_command_line_takes_clip_off(jaychou, tmp_path, capsys) -> None:
    path = tmp_path / "free.rnnplay"
    code, _, err = run_main(capsys, "train", "--clip", "off", "--lr", "1", "--epochs", "1",
                            "--max-chars", "2000", "--hidden", "16", "--device", "cpu",
                            "--save", str(path))
    assert code == 0, err
    assert load_session(path).config.clip is None
    with pytest.raises(SystemExit) as usage:  # argparse's one-line usage error
        run_main(capsys, "train", "--clip", "none", "--epochs", "1")
    err = capsys.readouterr().err
    assert usage.value.code == 2 and "must be a number or off, not 'none'" in err
