"""The model view's steps are kept per prompt character (engine/inspect/step.py): a keystroke
computes the new character's step alone, the kept ones equal a fresh computation, and new
weights (the completer replays the text) compute every step again."""

from __future__ import annotations

import pytest
import torch

from engine.data.vocab import Vocab
from engine.generation.generate import Completer
from engine.inspect.step import model_steps, prompt_steps
from engine.models.char_rnn import build_model

VOCAB = Vocab(sorted(set("abcdefghij kl")))


def model(seed: int, kind: str = "scratch"):
    torch.manual_seed(seed)
    built = build_model(kind, len(VOCAB), 20, 2 if kind == "lstm" else 1)
    with torch.no_grad():
        for p in built.parameters():
            p.copy_(torch.randn_like(p) * 0.6)
    return built


def same(a, b) -> None:
    assert a.text == b.text
    assert a.perplexity == pytest.approx(b.perplexity, rel=1e-6)
    for x, y in zip(a.steps, b.steps, strict=True):
        assert (x is None) == (y is None)
        if x is None:
            continue
        assert (x.position, x.char, x.index) == (y.position, y.char, y.index)
        assert [t[0] for t in x.top] == [t[0] for t in y.top]
        assert [t[2] for t in x.top] == pytest.approx([t[2] for t in y.top], rel=1e-5)
        assert x.actual == y.actual or x.actual[1] == pytest.approx(y.actual[1], rel=1e-5)
        for lx, ly in zip(x.layers, y.layers, strict=True):
            assert lx.hidden.first == pytest.approx(ly.hidden.first, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("kind", ["scratch", "lstm"])
def test_a_keystroke_reuses_the_steps_before_it_and_they_equal_fresh_ones(kind: str):
    net = model(1, kind)
    completer = Completer(net, VOCAB)
    completer.set_text("abc de")
    before = prompt_steps(completer)
    completer.set_text("abc dea")
    after = prompt_steps(completer)
    # The characters typed before are the same records; the new one's predecessor says
    # what follows it now.
    assert all(after.steps[j].layers is before.steps[j].layers for j in range(5))
    assert before.steps[5].actual is None and after.steps[5].actual[0] == "a"
    same(after, model_steps(net, VOCAB, "abc dea"))
    # Deleting back and typing another character: the shared prefix stays, the rest is new.
    completer.set_text("abc dk")
    same(prompt_steps(completer), model_steps(net, VOCAB, "abc dk"))


def test_new_weights_compute_every_step_again():
    net = model(1)
    completer = Completer(net, VOCAB)
    completer.set_text("abc dea")
    old = prompt_steps(completer)
    completer.load_weights(model(2).state_dict())
    new = prompt_steps(completer)
    assert all(new.steps[j].layers is not old.steps[j].layers for j in range(7))
    same(new, model_steps(model(2), VOCAB, "abc dea"))
