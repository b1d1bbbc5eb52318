"""Prediction and the incremental completer behind the prompt pane: greedy and sampled."""

from __future__ import annotations

import math

import pytest
import torch

from engine.data.vocab import Vocab
from engine.generation.decoding import Decoding
from engine.generation.generate import MAX_CHARS, Completer, predict
from engine.models.char_rnn import build_model

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


# ----------------------------------------------------------------------------- decoding


def _untrained():
    """The book's init (weights ~ N(0, 0.01)): odds close to uniform, so a draw at T 1 is
    nowhere near the argmax for long."""
    torch.manual_seed(0)
    return build_model("scratch", len(VOCAB), 16)


def _stepped_logits(model, text: str) -> torch.Tensor:
    """The output after each character of `text` (row t: after text[: t + 1]), from the
    model's forward pass over the whole text at once rather than step by step."""
    x = torch.tensor([[VOCAB.char_to_idx[ch] for ch in text]])
    with torch.no_grad():
        logits, _ = model(x, model.begin_state(1))
    return logits


def _softmax(row: list[float]) -> list[float]:
    top = max(row)
    weights = [math.exp(v - top) for v in row]
    return [w / sum(weights) for w in weights]


def test_greedy_stays_the_default_and_the_books() -> None:
    model = _model()
    c = Completer(model, VOCAB)
    c.set_text("bad cafe")
    book = _book_predict(model, "bad cafe", 30)[8:]
    assert c.complete(30) == book
    for rule in (Decoding(), Decoding(temperature=0.0, top_k=4), Decoding(temperature=7, top_k=1)):
        assert c.complete(30, rule) == book
        assert c.complete_with_probs(30, rule)[0] == book


def test_a_seed_repeats_the_completion_on_every_call() -> None:
    model = _untrained()
    rule = Decoding(temperature=1.0, top_k=0, seed=7)
    c = Completer(model, VOCAB)
    c.set_text("分开")
    first = c.complete_with_probs(50, rule)
    c.set_text("分开abc")
    c.set_text("分开")
    other = Completer(model, VOCAB)
    other.set_text("分开")
    assert c.complete_with_probs(50, rule) == first == other.complete_with_probs(50, rule)
    assert c.complete(50, Decoding(temperature=1.0, seed=8)) != first[0]


def test_sampling_at_temperature_one_is_not_greedy() -> None:
    c = Completer(_untrained(), VOCAB)
    c.set_text("a")
    greedy = c.complete(50)
    for seed in range(5):
        sampled = c.complete(50, Decoding(temperature=1.0, seed=seed))
        assert len(sampled) == 50 and sampled != greedy
    # seed None: a new seed each call
    assert c.complete(50, Decoding(temperature=1.0)) != c.complete(50, Decoding(temperature=1.0))


def test_top_k_one_is_greedy_at_any_temperature() -> None:
    c = Completer(_untrained(), VOCAB)
    c.set_text("分")
    greedy = c.complete(50)
    for temperature in (0.5, 1.0, 100.0):
        assert c.complete(50, Decoding(temperature, top_k=1, seed=3)) == greedy


def test_probabilities_of_the_completion_are_the_models() -> None:
    model = _model()
    c = Completer(model, VOCAB)
    c.set_text("ab")
    for rule in (Decoding(), Decoding(temperature=1.5, top_k=3, seed=2)):
        text, probs = c.complete_with_probs(40, rule)
        assert len(text) == len(probs) == 40
        logits = _stepped_logits(model, "ab" + text)
        ranks = []
        for t, ch in enumerate(text):
            row = logits[t + 1].tolist()  # the output after "ab" + text[:t]
            idx = VOCAB.char_to_idx[ch]
            # 1e-3, not float32's 1e-6: these weights (N(0, 0.5) on 16 units) make the recurrence
            # expand differences, so the whole-text pass and the step-by-step one, summing in
            # another order, drift apart along the text (3e-5 after 40 sampled characters on one
            # CPU); a tempered or wrong softmax would be off by far more.
            assert probs[t] == pytest.approx(_softmax(row)[idx], rel=1e-3)
            ranks.append(sorted(row, reverse=True).index(row[idx]))
        assert max(ranks) < (rule.top_k or 1)  # greedy takes the best; top-k one of the k best


def test_next_char_probs_are_the_softmax_after_the_text() -> None:
    model = _model()
    c = Completer(model, VOCAB)
    assert c.next_char_probs(3) == []  # nothing typed: nothing to predict from
    c.set_text("分开 ab")
    every = c.next_char_probs(len(VOCAB))
    assert sum(p for _, p in every) == pytest.approx(1.0, abs=1e-9)
    assert [p for _, p in every] == sorted((p for _, p in every), reverse=True)
    want = dict(zip(VOCAB.idx_to_char, _softmax(_stepped_logits(model, "分开 ab")[-1].tolist()),
                    strict=True))
    assert sorted(ch for ch, _ in every) == sorted(want)
    for ch, p in every:
        assert p == pytest.approx(want[ch], rel=1e-5)
    assert c.next_char_probs(3) == every[:3]
    assert c.next_char_probs(len(VOCAB) + 5) == every  # a small vocabulary: all of it
    assert every[0][0] == c.complete(1)


def test_invalid_requests_raise_one_line_value_errors() -> None:
    c = Completer(_model(), VOCAB)
    c.set_text("a")
    bad = [
        lambda: c.complete(-1),
        lambda: c.complete(MAX_CHARS + 1),
        lambda: c.complete(2.0),
        lambda: c.complete(5, Decoding(temperature=1.0, top_k=len(VOCAB) + 1)),
        lambda: c.next_char_probs(0),
        lambda: c.next_char_probs(2.0),
    ]
    for call in bad:
        with pytest.raises(ValueError) as caught:
            call()
        assert "\n" not in str(caught.value)
    assert c.complete(0) == "" and c.complete(5, Decoding(temperature=1.0, top_k=len(VOCAB)))
