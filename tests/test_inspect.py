"""The numbers behind issue 9's views, each against a computation of its own: the model stepped
by hand, softmax and entropy by formula, statistics' variance and correlation, torch's own
nn.LSTM, the book's equations under autograd, and finite differences."""

from __future__ import annotations

import dataclasses
import math
import statistics

import pytest
import torch
import torch.nn.functional as F

from engine.data.vocab import Vocab
from engine.generation.decoding import Decoding
from engine.generation.generate import Completer
from engine.inspect.hidden_units import RANKINGS, features, hidden_units
from engine.inspect.inspection import completion_confidence, inspect_prompt, next_char_odds
from engine.inspect.saliency import saliency
from engine.models.char_rnn import build_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

VOCAB = Vocab.from_text("abcdefgh ij_.\n分开不")
KINDS = ("scratch", "rnn", "gru", "lstm")
TEXT = "abc 分开 fed_g.\nhab"


def _model(kind: str, hidden: int = 8, layers: int = 1, *, double: bool = False):
    torch.manual_seed(3)
    model = build_model(kind, len(VOCAB), hidden, layers)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)  # well past the book's init, so the odds depend on the context
    return model.double() if double else model


def _ids(text: str) -> list[int]:
    return [VOCAB.char_to_idx[ch] for ch in text if ch in VOCAB]


def _stepped(model, text: str) -> tuple[list[tuple[torch.Tensor, ...]], torch.Tensor | None]:
    """The state after each known character of text and the last logits, stepping by hand."""
    dtype = next(model.parameters()).dtype
    state = tuple(s.to(dtype) for s in model.begin_state(1))
    states, logits = [], None
    with torch.no_grad():
        for i in _ids(text):
            logits, state = model.step(torch.tensor([i]), state)
            states.append(state)
    return states, logits


def _plain(value) -> bool:
    """Only Python values all the way down: safe to hand to another thread."""
    if dataclasses.is_dataclass(value):
        return all(_plain(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, tuple):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


# -- 1. next-character odds ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_odds_are_the_softmax_of_the_models_output(kind: str) -> None:
    model = _model(kind)
    completer = Completer(model, VOCAB)
    completer.set_text(TEXT)
    odds = next_char_odds(completer, 5)
    probs = torch.softmax(_stepped(model, TEXT)[1][0].double(), dim=0).tolist()
    ranked = sorted(range(len(VOCAB)), key=lambda i: -probs[i])
    assert [ch for ch, _ in odds.top] == [VOCAB.idx_to_char[i] for i in ranked[:5]]
    assert [p for _, p in odds.top] == pytest.approx([probs[i] for i in ranked[:5]], abs=1e-6)
    assert math.fsum(p for _, p in next_char_odds(completer, len(VOCAB)).top) == pytest.approx(1)
    hand = -sum(p * math.log(p) for p in probs)
    assert odds.entropy == pytest.approx(hand, rel=1e-6)
    assert odds.effective_choices == pytest.approx(math.exp(hand), rel=1e-6)
    assert 1 < odds.effective_choices < len(VOCAB)
    assert _plain(odds)


def test_odds_entropy_spans_certain_to_uniform() -> None:
    model = _model("scratch")
    completer = Completer(model, VOCAB)
    completer.set_text("a")
    with torch.no_grad():
        model.W_hq.zero_()
        model.b_q.zero_()
    completer.load_weights(model.state_dict())  # uniform odds
    uniform = next_char_odds(completer)
    assert uniform.entropy == pytest.approx(math.log(len(VOCAB)))
    assert uniform.effective_choices == pytest.approx(len(VOCAB))
    with torch.no_grad():
        model.b_q[VOCAB.char_to_idx["分"]] = 1000.0
    completer.load_weights(model.state_dict())  # one character certain
    certain = next_char_odds(completer, 3)
    assert certain.top[0] == ("分", 1.0) and certain.entropy == 0.0
    assert certain.effective_choices == 1.0


def test_odds_skip_unknown_characters_and_need_a_known_one() -> None:
    model = _model("gru")
    completer = Completer(model, VOCAB)
    completer.set_text("€¥")
    assert next_char_odds(completer) is None
    completer.set_text("a€b¥")
    skipped = next_char_odds(completer, 4)
    completer.set_text("ab")
    assert skipped == next_char_odds(completer, 4)
    assert len(next_char_odds(completer, 999).top) == len(VOCAB)
    for k in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="1 or more"):
            next_char_odds(completer, k)


# -- 2. confidence of a completion ---------------------------------------------------------------


@pytest.mark.parametrize("decoding", [Decoding(), Decoding(temperature=1.5, seed=4)])
def test_each_completed_character_gets_the_probability_the_model_gave_it(decoding) -> None:
    model = _model("lstm")
    completer = Completer(model, VOCAB)
    completer.set_text("ab€c")
    confidence = completion_confidence(completer, 12, decoding)
    assert len(confidence.text) == len(confidence.probs) == 12 and _plain(confidence)
    states, logits = _stepped(model, "abc")
    state, want = states[-1], []
    with torch.no_grad():
        for ch in confidence.text:
            want.append(float(torch.softmax(logits[0].double(), 0)[VOCAB.char_to_idx[ch]]))
            logits, state = model.step(torch.tensor([VOCAB.char_to_idx[ch]]), state)
    assert confidence.probs == pytest.approx(want, rel=1e-6)
    if decoding.greedy:  # the argmax each time: at least a fair share of the odds
        assert min(confidence.probs) >= 1 / len(VOCAB)
    completer.set_text("€")
    assert completion_confidence(completer, 5) == completion_confidence(completer, 0)
    assert completion_confidence(completer, 5).text == ""


# -- 3. hidden units -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "layers", "state", "layer"),
    [
        ("scratch", 1, "h", None),
        ("rnn", 2, "h", None),
        ("rnn", 2, "h", 0),
        ("gru", 2, "h", 0),
        ("gru", 1, "h", None),
        ("lstm", 2, "h", 1),
        ("lstm", 2, "c", 0),
        ("lstm", 2, "c", None),
    ],
)
def test_activation_shown_is_the_models_state_after_that_character(
    kind: str, layers: int, state: str, layer: int | None
) -> None:
    model = _model(kind, layers=layers)
    text = "ab€c 分开z\n"  # € and z are not in the vocabulary
    view = hidden_units(model, VOCAB, text, layer=layer, state=state)
    shown_layer = layers - 1 if layer is None else layer
    assert view.layer == shown_layer and view.state == state and view.bounded == (state == "h")
    states = iter(_stepped(model, text)[0])
    for ch, row in zip(text, view.activations, strict=True):
        if ch not in VOCAB:
            assert row is None
            continue
        want = next(states)[0 if state == "h" else 1].reshape(layers, -1)[shown_layer]
        assert row == pytest.approx(want.tolist(), abs=1e-6)
    assert view.unit(3) == tuple(None if r is None else r[3] for r in view.activations)
    assert _plain(view)


@pytest.mark.parametrize("state", ["h", "c"])
def test_lstm_states_match_torchs_own_lstm(state: str) -> None:
    model = _model("lstm", layers=2)
    view = hidden_units(model, VOCAB, TEXT, layer=0, state=state)
    h = c = torch.zeros(2, 1, model.hidden)
    with torch.no_grad():
        for i, row in zip(_ids(TEXT), view.activations, strict=True):
            x = F.one_hot(torch.tensor([[i]]), len(VOCAB)).float()  # the book's one-hot input
            _, (h, c) = model.rnn(x, (h, c))
            assert row == pytest.approx((h if state == "h" else c)[0, 0].tolist(), abs=1e-6)


def test_h_is_bounded_and_c_is_scaled_into_the_heatmap() -> None:
    model = _model("lstm", hidden=6)
    with torch.no_grad():
        model.rnn.bias_ih_l0[6:12] = 20.0  # forget gate open: c accumulates past 1
        model.rnn.bias_ih_l0[:6] = 20.0  # input gate open
    text = "aaaaaaaaaaaa"
    h = hidden_units(model, VOCAB, text, heatmap_units=6)
    assert all(-1 <= v <= 1 for row in h.activations for v in row)
    assert h.heatmap.scale == 1.0
    c = hidden_units(model, VOCAB, text, state="c", heatmap_units=6)
    biggest = max(abs(v) for row in c.activations for v in row)
    assert 1 < biggest < len(text)  # |c_t| < t
    assert c.heatmap.scale == pytest.approx(biggest)
    assert max(abs(v) for row in c.heatmap.rows for v in row) == pytest.approx(1.0)


def test_heatmap_rows_are_the_top_units_over_the_text() -> None:
    model = _model("gru", hidden=12)
    text = "ab€ cd 分开"
    view = hidden_units(model, VOCAB, text, heatmap_units=4, heatmap_ranking="in word")
    assert view.heatmap.ranking == "in word"
    assert view.heatmap.units == view.ranking("in word").units[:4]
    assert len(view.heatmap.rows) == 4
    for unit, row in zip(view.heatmap.units, view.heatmap.rows, strict=True):
        assert row == view.unit(unit)
    assert view.heatmap.rows[0][2] is None  # €


def test_rankings_are_variance_and_correlation_with_the_features() -> None:
    model = _model("rnn", hidden=10)
    text = "ab cde\nf分开 不ij_. h€g"
    view = hidden_units(model, VOCAB, text, prompt_length=8)
    assert view.prompt_length == 8 and view.text == text
    assert [r.name for r in view.rankings] == list(RANKINGS)
    known = [j for j, ch in enumerate(text) if ch in VOCAB]
    # Written out by hand: 1 at a letter, digit, '_' or CJK character; since the last space.
    in_word = [1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 1]
    since = [1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3]
    assert features(text) == {"in word": in_word, "since space": since}
    for ranking in view.rankings:
        assert sorted(ranking.units) == list(range(10))
        sizes = [abs(s) for s in ranking.scores]
        assert sizes == sorted(sizes, reverse=True)
        for unit, score in zip(ranking.units, ranking.scores, strict=True):
            values = [view.activations[j][unit] for j in known]
            if ranking.name == "variance":
                want = statistics.pvariance(values)
            else:
                feature = features(text)[ranking.name]
                want = statistics.correlation([feature[j] for j in known], values)
            assert score == pytest.approx(want, rel=1e-6, abs=1e-9)


def test_a_constant_feature_or_nothing_known_ranks_at_zero() -> None:
    model = _model("scratch")
    view = hidden_units(model, VOCAB, "abcabc")  # no space: "in word" is always 1
    assert view.ranking("in word").scores == (0.0,) * 8
    assert view.ranking("in word").units == tuple(range(8))
    assert max(view.ranking("since space").scores) > 0
    nothing = hidden_units(model, VOCAB, "€€", heatmap_units=3)
    assert nothing.activations == (None, None)
    assert nothing.heatmap.rows == ((None, None),) * 3
    assert all(r.scores == (0.0,) * 8 for r in nothing.rankings)
    empty = hidden_units(model, VOCAB, "")
    assert empty.activations == () and empty.heatmap.rows == ((),) * 8


def test_hidden_view_refuses_what_the_model_lacks() -> None:
    gru, lstm = _model("gru", layers=2), _model("lstm")
    for model, kwargs, words in [
        (gru, {"state": "c"}, "only an LSTM"),
        (lstm, {"state": "x"}, "'h' or 'c'"),
        (gru, {"layer": 2}, "0 to 1"),
        (lstm, {"layer": -1}, "0 to 0"),
        (gru, {"heatmap_units": 0}, "1 unit or more"),
        (gru, {"heatmap_units": 2.0}, "1 unit or more"),
        (gru, {"heatmap_ranking": "mean"}, "variance"),
        (gru, {"prompt_length": 5}, "0 to 2"),
    ]:
        with pytest.raises(ValueError, match=words):
            hidden_units(model, VOCAB, "ab", **kwargs)


# -- 4. saliency ---------------------------------------------------------------------------------


def _log_prob(model, text: str, target: int) -> float:
    return float(torch.log_softmax(_stepped(model, text)[1][0], 0)[target])


def _input_rows(model) -> torch.Tensor:
    """The input weight with one row per character, as a view to perturb in place."""
    return model.W_xh if model.kind == "scratch" else model.rnn.weight_ih_l0.t()


@pytest.mark.parametrize(("kind", "layers"), [("scratch", 1), ("rnn", 2), ("gru", 1), ("lstm", 2)])
def test_saliency_is_the_gradient_norm_by_finite_differences(kind: str, layers: int) -> None:
    model = _model(kind, hidden=5, layers=layers, double=True)
    text = "abc€d分e"  # every known character once: its input row is that position's alone
    position = 6  # predicting 'e' from "abc€d分"
    view = saliency(model, VOCAB, text, position=position, target="h")
    target = VOCAB.char_to_idx["h"]
    assert view.target == "h" and view.position == position
    assert view.log_prob == pytest.approx(_log_prob(model, text[:position], target), rel=1e-9)
    rows, eps = _input_rows(model), 1e-6
    for j, ch in enumerate(text):
        if ch not in VOCAB:
            assert view.raw[j] is None and view.shown[j] is None
            continue
        grad = []
        with torch.no_grad():
            for k in range(rows.shape[1]):
                row = rows[VOCAB.char_to_idx[ch]]
                row[k] += eps
                up = _log_prob(model, text[:position], target)
                row[k] -= 2 * eps
                down = _log_prob(model, text[:position], target)
                row[k] += eps
                grad.append((up - down) / (2 * eps))
        want = math.hypot(*grad)
        if j >= position:  # read after the prediction: no influence at all
            assert view.raw[j] == 0.0 and want == 0.0
        else:
            assert want > 1e-6 and view.raw[j] == pytest.approx(want, rel=1e-6)
    top = max(r for r in view.raw if r is not None)
    assert view.shown == tuple(None if r is None else r / top for r in view.raw)
    assert max(s for s in view.shown if s is not None) == 1.0


def test_saliency_separates_repeated_characters_like_the_books_equations() -> None:
    """Each position's own gradient, by autograd through the book's H_t = tanh(X_t W_xh +
    H_{t-1} W_hh + b_h), O_t = H_t W_hq + b_q, with an input row per position."""
    model = _model("scratch", hidden=6, double=True)
    text = "abab a分ab"
    view = saliency(model, VOCAB, text)
    ids = _ids(text)
    inputs = model.W_xh.detach()[ids].clone().requires_grad_()
    h = torch.zeros(1, 6, dtype=torch.double)
    for x in inputs:
        h = torch.tanh(x + h @ model.W_hh.detach() + model.b_h.detach())
    log_probs = torch.log_softmax((h @ model.W_hq.detach() + model.b_q.detach())[0], 0)
    assert view.target == VOCAB.idx_to_char[int(log_probs.argmax())]  # the likeliest
    log_probs.max().backward()
    assert view.raw == pytest.approx(inputs.grad.norm(dim=1).tolist(), rel=1e-9)
    assert view.raw[0] != view.raw[2]  # the same 'a', read at two positions


def test_saliency_skips_unknown_characters_and_leaves_the_model_alone() -> None:
    model = _model("gru")
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    weight = model.rnn.weight_ih_l0
    with torch.inference_mode():  # autograd is switched back on inside
        view = saliency(model, VOCAB, "a€b ¥分")
    plain = saliency(model, VOCAB, "ab 分")
    assert [r for r in view.raw if r is not None] == pytest.approx(plain.raw, rel=1e-6)
    assert view.raw[1] is None and view.raw[4] is None
    assert view.target == plain.target and _plain(view)
    assert model.rnn.weight_ih_l0 is weight and weight.grad is None
    for name, p in model.named_parameters():
        assert torch.equal(p, before[name]), name
    assert saliency(model, VOCAB, "€a", position=1) is None  # nothing read before it
    assert saliency(model, VOCAB, "") is None
    for kwargs, words in [
        ({"position": 6}, "0 to 5"),
        ({"position": -1}, "0 to 5"),
        ({"target": "€"}, "not in the model's vocabulary"),
    ]:
        with pytest.raises(ValueError, match=words):
            saliency(model, VOCAB, "abcde", **kwargs)


# -- all of it after a keystroke -----------------------------------------------------------------


def test_inspect_prompt_is_every_view_of_one_text() -> None:
    model = _model("lstm", layers=2)
    completer = Completer(model, VOCAB)
    completer.set_text("fed €分")
    seen = inspect_prompt(completer, 7, k=3, state="c", layer=0, heatmap_units=2)
    assert _plain(seen)
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen.prompt = "x"  # type: ignore[misc]
    assert seen.prompt == "fed €分"
    assert seen.odds == next_char_odds(completer, 3)
    assert seen.completion == completion_confidence(completer, 7)
    full = seen.prompt + seen.completion.text
    assert seen.hidden == hidden_units(
        model, VOCAB, full, prompt_length=6, layer=0, state="c", heatmap_units=2
    )
    assert seen.saliency == saliency(model, VOCAB, "fed €分")
    assert seen.saliency.target == seen.odds.top[0][0] == seen.completion.text[0]
    completer.set_text("€")
    nothing = inspect_prompt(completer, 7)
    assert nothing.odds is None and nothing.saliency is None and nothing.completion.text == ""
    assert nothing.hidden.activations == (None,)
