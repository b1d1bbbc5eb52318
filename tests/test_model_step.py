"""The model view's numbers (engine/inspect/step.py) against the book's equations computed here by
hand, with one-hot vectors and full matrix products, and against torch's own nn.RNN/GRU/LSTM."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from engine.data.vocab import Vocab
from engine.generation.generate import Completer
from engine.inspect.step import FIRST_UNITS, WINDOW, model_shape, model_steps, prompt_steps
from engine.models.char_rnn import build_model

VOCAB = Vocab(sorted(set("abcdefghij kl")))
TEXT = "abc dea kl"
HIDDEN = 20  # more than FIRST_UNITS: the sparkline keeps the first units only


def model_with_big_weights(kind: str, layers: int, nonlinearity: str = "tanh"):
    # The initial weights (N(0, 0.01) for scratch) leave every term near 0, where a wrong
    # product would pass unnoticed; these make each term of a size.
    torch.manual_seed(3)
    model = build_model(kind, len(VOCAB), HIDDEN, layers, nonlinearity=nonlinearity)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.6)
    return model


def one_hot(ch: str) -> torch.Tensor:
    return F.one_hot(torch.tensor(VOCAB.char_to_idx[ch]), len(VOCAB)).float()


def close(vector, tensor: torch.Tensor) -> None:
    assert vector.norm == pytest.approx(float(tensor.norm()), rel=1e-4, abs=1e-5)
    assert vector.first == pytest.approx(tensor[:FIRST_UNITS].tolist(), rel=1e-4, abs=1e-5)


def check_output(step, o: torch.Tensor, next_char: str | None) -> None:
    p = torch.softmax(o.double(), dim=0)
    best = int(p.argmax())
    assert step.top[0][0] == VOCAB.idx_to_char[best]
    assert step.top[0][1] == pytest.approx(float(o[best]), rel=1e-4)
    assert step.top[0][2] == pytest.approx(float(p[best]), rel=1e-4)
    if next_char is None:
        assert step.actual is None
    else:
        want = float(p[VOCAB.char_to_idx[next_char]])
        assert step.actual == (next_char, pytest.approx(want, rel=1e-4))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_scratch_step_is_the_books_equations(nonlinearity: str):
    model = model_with_big_weights("scratch", 1, nonlinearity)
    phi = torch.tanh if nonlinearity == "tanh" else torch.relu
    steps = model_steps(model, VOCAB, TEXT)
    W_xh, W_hh, b_h, W_hq, b_q = (p.detach() for p in model.parameters())
    h = torch.zeros(HIDDEN)
    for t, ch in enumerate(TEXT):
        step = steps.steps[t]
        x_w, h_w = one_hot(ch) @ W_xh, h @ W_hh
        h = phi(x_w + h_w + b_h)
        assert step.char == ch and step.index == VOCAB.char_to_idx[ch]
        (layer,) = step.layers
        close(layer.input, x_w)
        close(layer.recurrent, h_w)
        close(layer.bias, b_h)
        close(layer.hidden, h)
        assert layer.gates == () and layer.cell is None
        check_output(step, h @ W_hq + b_q, TEXT[t + 1] if t + 1 < len(TEXT) else None)


def nn_params(model, layer: int):
    return (getattr(model.rnn, f"{n}_l{layer}").detach()
            for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))  # fmt: skip


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_nn_steps_are_the_books_equations_over_two_layers(kind: str):
    model = model_with_big_weights(kind, 2)
    steps = model_steps(model, VOCAB, TEXT)
    h = [torch.zeros(HIDDEN), torch.zeros(HIDDEN)]
    c = [torch.zeros(HIDDEN), torch.zeros(HIDDEN)]
    for t, ch in enumerate(TEXT):
        step = steps.steps[t]
        x = one_hot(ch)
        for layer in range(2):
            w_ih, w_hh, b_ih, b_hh = nn_params(model, layer)
            x_w, h_w = x @ w_ih.T, h[layer] @ w_hh.T
            seen = step.layers[layer]
            close(seen.input, x_w)
            close(seen.recurrent, h_w)
            close(seen.bias, b_ih + b_hh)
            if kind == "rnn":
                h[layer] = torch.tanh(x_w + b_ih + h_w + b_hh)
            elif kind == "gru":
                xr, xz, xn = (x_w + b_ih).chunk(3)
                hr, hz, hn = (h_w + b_hh).chunk(3)
                r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                n = torch.tanh(xn + r * hn)
                h[layer] = z * h[layer] + (1 - z) * n
                for (_, vector), value in zip(seen.gates, (r, z, n), strict=True):
                    close(vector, value)
                assert [name for name, _ in seen.gates] == ["R reset", "Z update", "H~ candidate"]
            else:
                gi, gf, gg, go = (x_w + b_ih + h_w + b_hh).chunk(4)
                i, f, g, o = torch.sigmoid(gi), torch.sigmoid(gf), torch.tanh(gg), torch.sigmoid(go)
                c[layer] = f * c[layer] + i * g
                h[layer] = o * torch.tanh(c[layer])
                for (_, vector), value in zip(seen.gates, (i, f, g, o), strict=True):
                    close(vector, value)
                close(seen.cell, c[layer])
            close(seen.hidden, h[layer])
            x = h[layer]  # the layer above reads this layer's H_t
        o = h[1] @ model.dense.weight.detach().T + model.dense.bias.detach()
        check_output(step, o, TEXT[t + 1] if t + 1 < len(TEXT) else None)
    # And H_t is what torch's own module computes from the one-hot sequence.
    with torch.no_grad():
        inputs = torch.stack([one_hot(ch) for ch in TEXT]).unsqueeze(1)
        outputs = model.rnn(inputs)[0][:, 0]
    for t in range(len(TEXT)):
        close(steps.steps[t].layers[1].hidden, outputs[t])


def test_shapes_and_counts_are_the_models():
    model = build_model("scratch", 1027, 256)
    shape = model_shape(model)
    assert [(p.name, p.shape) for p in shape.parameters] == [
        ("W_xh", (1027, 256)), ("W_hh", (256, 256)), ("b_h", (256,)), ("W_hq", (256, 1027)),
        ("b_q", (1027,)),
    ]  # fmt: skip
    assert shape.total == 1027 * 256 + 256 * 256 + 256 + 256 * 1027 + 1027 == sum(
        p.numel() for p in model.parameters()
    )
    lstm = model_shape(build_model("lstm", 30, 8, 2))
    shapes = {p.name: p.shape for p in lstm.parameters}
    assert shapes["rnn.weight_ih_l0"] == (32, 30) and shapes["rnn.weight_ih_l1"] == (32, 8)
    assert lstm.total == sum(p.numel() for p in build_model("lstm", 30, 8, 2).parameters())


def test_prompt_steps_agree_with_the_completers_odds_and_perplexity():
    model = model_with_big_weights("gru", 2)
    completer = Completer(model, VOCAB)
    completer.set_text("ab?c")  # '?' is not in the vocabulary: skipped, as the model skips it
    steps = prompt_steps(completer)
    assert steps.steps[2] is None and steps.steps[1].actual[0] == "c"
    last = steps.steps[-1]
    assert [(ch, pytest.approx(p, rel=1e-5)) for ch, _, p in last.top] == [
        (ch, p) for ch, p in completer.next_char_probs(len(last.top))
    ]
    # The text's perplexity: exp of the mean surprisal of each next (known) character.
    probs = [s.actual[1] for s in steps.steps if s is not None and s.actual is not None]
    assert len(probs) == 2
    assert steps.perplexity == pytest.approx(math.exp(-sum(map(math.log, probs)) / 2))


def test_a_long_text_steps_its_last_window_from_the_state_before_it():
    model = model_with_big_weights("lstm", 2)
    text = (TEXT * 30)[: WINDOW + 7]
    completer = Completer(model, VOCAB)
    completer.set_text(text)
    from_completer, from_zero = prompt_steps(completer), model_steps(model, VOCAB, text)
    assert all(s is None for s in from_completer.steps[:7])
    for a, b in zip(from_completer.steps[7:], from_zero.steps[7:], strict=True):
        assert a.layers[1].hidden.norm == pytest.approx(b.layers[1].hidden.norm, rel=1e-4)
