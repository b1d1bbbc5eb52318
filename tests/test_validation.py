"""Held-out perplexity: the split, the number against a step-by-step computation, and that it
changes nothing in training (same numbers, same random streams, bit-exact resume)."""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from engine.config import TrainConfig
from engine.data.corpus import load_corpus
from engine.data.validation import MAX_SCORED, perplexity, split, stretches
from engine.models.char_rnn import build_model
from engine.session import load_session, restore_trainer, save_session
from engine.session.trainer_state import trainer_state
from engine.training.trainer import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = dict(hidden=32, batch_size=8, num_steps=10, pred_period=0, device="cpu")


@pytest.fixture(scope="module")
def lyrics(jaychou):
    return load_corpus("jaychou", max_chars=2000)


def test_the_books_default_holds_out_the_next_1000_characters(jaychou) -> None:
    trainer = Trainer(jaychou, TrainConfig(pred_period=0))
    held = trainer.held_out
    assert held is not None and held.after and held.train_chars == 10_000
    # the book's training data is untouched: all 10,000 characters, in order
    assert torch.equal(trainer.data.cpu(), jaychou.indices)
    following = load_corpus("jaychou", max_chars=11_000).text[10_000:]
    known = [jaychou.vocab.char_to_idx[c] for c in following if c in jaychou.vocab]
    assert held.ids.tolist() == known and held.skipped == 1000 - len(known)
    assert "the 1,000 characters after the training text" in held.describe()


def test_a_whole_text_holds_out_its_last_tenth(tiny_corpus: Path) -> None:
    corpus = load_corpus(str(tiny_corpus), max_chars=0)
    n = len(corpus.text)
    trainer = Trainer(corpus, TrainConfig(hidden=8, batch_size=2, num_steps=5, device="cpu"))
    held = trainer.held_out
    assert held is not None and not held.after
    assert held.train_chars == n - n // 10 == len(trainer.data)
    assert torch.equal(held.ids, corpus.indices[held.train_chars :].long())
    assert f"training uses the first {held.train_chars:,}" in held.describe()


def test_too_few_characters_after_the_text_fall_back_to_its_tail(jaychou) -> None:
    full = len(load_corpus("jaychou", max_chars=0).text)
    near_end = load_corpus("jaychou", max_chars=full - 500)
    held = split(near_end, 1000)
    assert held is not None and not held.after
    assert split(near_end, 500).after  # exactly enough follow


def test_off_trains_on_everything(tiny_corpus: Path) -> None:
    corpus = load_corpus(str(tiny_corpus), max_chars=0)
    cfg = TrainConfig(hidden=8, batch_size=2, num_steps=5, device="cpu", val_chars=0, epochs=1)
    trainer = Trainer(corpus, cfg)
    assert trainer.held_out is None and len(trainer.data) == len(corpus.text)
    assert trainer.run_epoch().val_perplexity is None


def test_a_file_cut_by_max_chars_holds_out_what_follows(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("abcdefghij" * 30, encoding="utf-8")
    corpus = load_corpus(str(path), max_chars=100)
    held = split(corpus, 50)
    assert held is not None and held.after and held.train_chars == 100
    assert corpus.vocab.decode(held.ids.tolist()) == ("abcdefghij" * 30)[100:150]


@pytest.mark.parametrize("available", [1, 9, 34, 35, 36, 999, 123_456])
@pytest.mark.parametrize("rows", [None, 1, 32])
def test_scored_stretches_never_overlap_and_stay_in_range(available: int, rows) -> None:
    starts, length = stretches(available, 35, rows)
    ends = starts + length
    assert int(starts.min()) >= 0 and int(ends.max()) <= available
    assert bool((starts[1:] >= ends[:-1]).all())
    scored = len(starts) * length
    assert 0 < scored <= min(available, MAX_SCORED)
    if rows is None and available >= 35:
        assert length == 35 and scored > min(available, MAX_SCORED) - 35


def _step_by_step(model, ids: torch.Tensor, starts: torch.Tensor, length: int) -> float:
    """The mean cross-entropy the slow way: model.step one character at a time."""
    total = 0.0
    with torch.no_grad():
        for start in starts.tolist():
            state = model.begin_state(1, "cpu")
            for i in range(start, start + length):
                logits, state = model.step(ids[i : i + 1], state)
                total += float(F.cross_entropy(logits, ids[i + 1 : i + 2], reduction="sum"))
    return math.exp(total / (len(starts) * length))


@pytest.mark.parametrize("kind", ["scratch", "gru"])
@pytest.mark.parametrize("carry_state", [False, True])
def test_perplexity_matches_a_step_by_step_computation(kind: str, carry_state: bool) -> None:
    torch.manual_seed(3)
    model = build_model(kind, 30, 16)
    with torch.no_grad():  # weights large enough that the state matters
        for p in model.parameters():
            p.normal_(0.0, 0.5)
    ids = torch.randint(30, (400,), generator=torch.Generator().manual_seed(4))
    got = perplexity(model, ids, num_steps=7, carry_state=carry_state, rows=5)
    starts, length = stretches(len(ids) - 1, 7, 5 if carry_state else None)
    want = _step_by_step(model, ids, starts, length)
    assert math.log(got) == pytest.approx(math.log(want), abs=1e-5)
    if carry_state:  # the state carried along a stretch matters: zeros at each window differ
        windows = _step_by_step(model, ids, *stretches(len(ids) - 1, 7))
        assert abs(math.log(windows) - math.log(want)) > 1e-3


def test_validation_changes_neither_the_numbers_nor_the_random_streams(lyrics) -> None:
    on = Trainer(lyrics, TrainConfig(**SMALL, epochs=3))
    off = Trainer(lyrics, TrainConfig(**SMALL, epochs=3, val_chars=0))
    torch_rng = torch.get_rng_state()
    on.run_epoch()
    sampling = on.generator.get_state()
    assert on.val_perplexity() is not None
    assert torch.equal(on.generator.get_state(), sampling)
    assert torch.equal(torch.get_rng_state(), torch_rng)
    on.run(), off.run()
    assert [e.perplexity for e in on.history] == [e.perplexity for e in off.history]
    assert all(e.val_perplexity is not None and e.val_perplexity > 1 for e in on.history)
    for a, b in zip(on.model.parameters(), off.model.parameters(), strict=True):
        assert torch.equal(a, b)


def _numbers(trainer: Trainer) -> list[dict]:
    """Every deterministic number of the epochs (not wall time or throughput)."""
    return [{k: v for k, v in asdict(e).items() if k not in ("seconds", "chars_per_sec")}
            for e in trainer.history]


@pytest.mark.usefixtures("flow_every_epoch")
@pytest.mark.parametrize("sampling", ["random", "consecutive"])
def test_resume_keeps_validation_bit_exact(lyrics, tmp_path: Path, sampling: str) -> None:
    cfg = TrainConfig(**SMALL, sampling=sampling, epochs=4, epoch_batches=7)
    straight = Trainer(lyrics, cfg)
    straight.run()
    first = Trainer(lyrics, cfg)
    first.run_epoch()
    first.run_epoch()
    saved = save_session(tmp_path / "s.rnnplay", first)
    resumed = restore_trainer(load_session(saved))
    assert resumed.history == first.history
    resumed.run()
    assert _numbers(resumed) == _numbers(straight)
    assert all(e.val_perplexity is not None and len(e.grad_through_time) == 10
               for e in resumed.history)


def test_a_session_keeps_its_split_when_the_text_after_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    text = "".join(chr(97 + (i * 7) % 13) for i in range(600))
    path.write_text(text, encoding="utf-8")
    corpus = load_corpus(str(path), max_chars=500)
    cfg = TrainConfig(hidden=8, batch_size=4, num_steps=5, val_chars=100, epochs=2,
                      device="cpu", pred_period=0)
    trainer = Trainer(corpus, cfg)
    assert trainer.held_out.after and len(trainer.data) == 500
    trainer.run_epoch()
    saved = save_session(tmp_path / "s.rnnplay", trainer)
    path.write_text(text[:550], encoding="utf-8")  # now too little follows: a new run would
    assert not split(load_corpus(str(path), max_chars=500), 100).after  # hold out the tail
    resumed = restore_trainer(load_session(saved))
    assert len(resumed.data) == 500 and resumed.held_out.after
    assert len(resumed.held_out.ids) == 50
    assert resumed.run() == "finished"


def test_a_session_from_before_validation_trains_on_all_of_its_text(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def before(trainer: Trainer) -> dict:
        """The state as trainers wrote it before held-out validation."""
        state = trainer_state(trainer)
        del state["train_chars"], state["config"]["val_chars"]
        del state["config"]["epoch_batches"], state["config"]["pred_seconds"]
        for entry in state["history"]:
            for key in ("val_perplexity", "grad_through_time", "clipped_share", "step",
                        "weights"):
                del entry[key]
        for sample in state["samples"]:
            del sample["step"]
        return state

    corpus = load_corpus(str(tiny_corpus), max_chars=0)
    cfg = TrainConfig(hidden=8, batch_size=2, num_steps=5, epochs=2, val_chars=0,
                      pred_period=1, pred_len=3, device="cpu")
    old = Trainer(corpus, cfg)
    old.run_epoch()
    monkeypatch.setattr("engine.session.save.trainer_state", before)
    session = load_session(save_session(tmp_path / "old.rnnplay", old))
    assert session.config.val_chars == 0
    resumed = restore_trainer(session)
    assert resumed.held_out is None and len(resumed.data) == len(corpus.text)
    assert resumed.history[0].val_perplexity is None and resumed.history[0].step == 0
    assert resumed.run() == "finished"
