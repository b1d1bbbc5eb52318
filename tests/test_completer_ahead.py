"""Typing the character the model predicted reuses the last greedy completion's steps (issue 17:
a keystroke's completion for every marked run): the completions, their odds and the states stay
exactly those of a completer that computes every step anew."""

from __future__ import annotations

import random

import pytest
import torch

from engine.data.vocab import Vocab
from engine.generation.decoding import Decoding
from engine.generation.generate import GREEDY, Completer
from engine.models.char_rnn import build_model

VOCAB = Vocab.from_text("abcdefgh 分开")


def _model(kind: str):
    torch.manual_seed(1)
    model = build_model(kind, len(VOCAB), 16)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)  # bigger than the book's init so argmax varies by context
    return model


class _Counted:
    """The model, counting its steps."""

    def __init__(self, model) -> None:
        self.model, self.steps = model, 0

    def __getattr__(self, name: str):
        return getattr(self.model, name)

    def step(self, x, state):
        self.steps += 1
        return self.model.step(x, state)


def _fresh(model, text: str, n: int, decoding: Decoding = GREEDY):
    completer = Completer(model, VOCAB)
    completer.set_text(text)
    return completer.complete_with_probs(n, decoding), completer.state_after(len(text))


@pytest.mark.parametrize("kind", ["scratch", "lstm"])
def test_random_edits_complete_as_a_fresh_completer_does(kind: str) -> None:
    model = _model(kind)
    completer = Completer(model, VOCAB)
    rng = random.Random(0)
    followed = 0
    for _ in range(120):
        completion, _ = completer.complete_with_probs(12)
        roll = rng.random()
        if roll < 0.6 and completion:  # types what the model predicts
            completer.push(completion[0])
            followed += 1
        elif roll < 0.75:
            completer.push(rng.choice("abcdefgh 分开xyz"))  # x, y, z: unknown to the model
        elif roll < 0.9:
            completer.pop()
        else:
            completer.set_text(completer.text[: rng.randrange(len(completer.text) + 1)])
        n = rng.choice([1, 5, 12, 20])
        (text, probs), state = _fresh(model, completer.text, n)
        assert completer.complete_with_probs(n) == (text, probs)
        for mine, theirs in zip(completer.state_after(len(completer.text)), state, strict=True):
            assert torch.equal(mine, theirs)
    assert followed > 40


def test_typing_the_predicted_character_costs_one_step() -> None:
    model = _Counted(_model("scratch"))
    completer = Completer(model, VOCAB)
    completer.set_text("ab")
    completion = completer.complete(30)
    model.steps = 0
    completer.push(completion[0])
    assert completer.complete(30) == completion[1:] + completer.complete(30)[-1]
    assert model.steps == 1  # the 30th character's step; the first 29 were taken before
    completer.push("h" if completion[1] != "h" else "g")  # not what it predicted: anew
    model.steps = 0
    completer.complete(30)
    assert model.steps == 29


def test_a_sampled_completion_draws_anew() -> None:
    model = _Counted(_model("scratch"))
    completer = Completer(model, VOCAB)
    completer.set_text("ab")
    sampled = Decoding(temperature=1.0, seed=3)
    first = completer.complete(20, sampled)
    completer.push(first[0])
    model.steps = 0
    again = completer.complete(20, sampled)
    assert model.steps == 19
    (text, _), _ = _fresh(model.model, completer.text, 20, sampled)
    assert again == text
