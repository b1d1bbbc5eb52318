"""Greedy prediction and the incremental completer behind the prompt pane."""

from __future__ import annotations

import torch

from engine.corpus import Vocab
from engine.generate import Completer, predict
from engine.models import build_model

VOCAB = Vocab.from_text("abcdefgh 分开")


def _model(seed: int = 0):
    torch.manual_seed(seed)
    model = build_model("scratch", len(VOCAB), 16)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)  # bigger than the book's init so argmax varies by context
    return model


def _book_predict(model, prefix: str, n: int) -> str:
    """The book's predict_rnn loop, literally (one-hot free since step() takes indices)."""
    state = model.begin_state(1)
    output = [VOCAB.char_to_idx[prefix[0]]]
    for t in range(n + len(prefix) - 1):
        y, state = model.step(torch.tensor([output[-1]]), state)
        if t < len(prefix) - 1:
            output.append(VOCAB.char_to_idx[prefix[t + 1]])
        else:
            output.append(int(y.argmax(dim=1)))
    return VOCAB.decode(output)


def test_predict_matches_the_books_loop() -> None:
    model = _model()
    for prefix in ("a", "分开", "bad cafe"):
        assert predict(model, VOCAB, prefix, 20) == _book_predict(model, prefix, 20)


def test_typing_and_backspace_reuse_states() -> None:
    model = _model()
    c = Completer(model, VOCAB)
    for ch in "分开":
        c.push(ch)
    typed = c.complete(15)
    assert predict(model, VOCAB, "分开", 15) == "分开" + typed
    c.push("a")
    c.pop()
    assert c.text == "分开" and c.complete(15) == typed
    c.set_text("分开abc")
    c.set_text("分开")  # shares the prefix: pops three characters
    assert c.complete(15) == typed


def test_unknown_characters_are_skipped_and_reported() -> None:
    model = _model()
    c = Completer(model, VOCAB)
    c.set_text("分😀开Z")
    assert c.unknown == ["😀", "Z"]
    assert c.complete(10) == predict(model, VOCAB, "分开", 10)[2:]
    c.set_text("😀")
    assert c.complete(10) == ""  # nothing known typed yet: nothing to predict from
    c.set_text("")
    assert c.unknown == [] and c.complete(5) == ""


def test_new_weights_replay_the_text() -> None:
    c = Completer(_model(0), VOCAB)
    c.set_text("bad")
    other = _model(1)
    c.load_weights(other.state_dict())
    assert c.text == "bad"
    assert c.complete(12) == predict(other, VOCAB, "bad", 12)[3:]
