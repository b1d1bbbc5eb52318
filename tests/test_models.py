"""Model shapes, the one-step path against the batched path, and the hand-written BPTT."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from engine.models.char_rnn import build_model
from engine.models.gated_recurrence import GRURecurrence, LSTMRecurrence
from engine.models.recurrence import TanhRecurrence


@pytest.mark.parametrize("kind", ["scratch", "rnn", "gru", "lstm"])
def test_forward_and_step_agree(kind: str) -> None:
    torch.manual_seed(0)
    layers = 1 if kind == "scratch" else 2
    model = build_model(kind, vocab_size=11, hidden=8, layers=layers)
    X = torch.randint(0, 11, (3, 5))
    logits, state = model(X, model.begin_state(3))
    assert logits.shape == (5 * 3, 11)
    stepped, step_state = [], model.begin_state(3)
    for t in range(5):
        out, step_state = model.step(X[:, t], step_state)
        stepped.append(out)
    # Rows are time-major (all batch rows of step 0 first), as the book concatenates outputs.
    torch.testing.assert_close(logits, torch.cat(stepped), rtol=1e-5, atol=1e-6)
    for a, b in zip(state, step_state, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_scratch_equals_literal_one_hot_equations_with_gradients() -> None:
    torch.manual_seed(0)
    model = build_model("scratch", 20, 8).double()
    X = torch.randint(0, 20, (4, 6))
    Y = torch.randint(0, 20, (4, 6))
    h0 = torch.randn(4, 8, dtype=torch.double)
    logits, _ = model(X, (h0,))
    H, outputs = h0, []
    for t in range(6):  # the book's rnn(): one-hot inputs, one matmul per step
        x = F.one_hot(X[:, t], 20).double()
        H = torch.tanh(x @ model.W_xh + H @ model.W_hh + model.b_h)
        outputs.append(H @ model.W_hq + model.b_q)
    literal = torch.cat(outputs)
    torch.testing.assert_close(logits, literal)
    target = Y.t().reshape(-1)
    params = list(model.parameters())
    ours = torch.autograd.grad(F.cross_entropy(logits, target), params)
    book = torch.autograd.grad(F.cross_entropy(literal, target), params)
    for a, b in zip(ours, book, strict=True):
        torch.testing.assert_close(a, b)


def test_handwritten_bptt_passes_gradcheck() -> None:
    torch.manual_seed(0)
    pre = torch.randn(5, 3, 4, dtype=torch.double, requires_grad=True)
    h0 = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    w = torch.randn(4, 4, dtype=torch.double, requires_grad=True) * 0.5
    w = w.detach().requires_grad_()
    assert torch.autograd.gradcheck(TanhRecurrence.apply, (pre, h0, w))


def test_scratch_init_is_the_books() -> None:
    torch.manual_seed(0)
    model = build_model("scratch", 1027, 256)
    assert abs(model.W_xh.std().item() - 0.01) < 5e-4
    assert model.b_h.abs().sum() == 0 and model.b_q.abs().sum() == 0


@pytest.mark.parametrize("threads", [1, 2])  # 2: W_hq's gradient on the side thread
@pytest.mark.parametrize("kind", ["scratch", "rnn", "gru", "lstm"])
def test_loss_equals_cross_entropy_of_forward_with_gradients(kind: str, threads: int) -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        _check_loss_against_forward(kind)
    finally:
        torch.set_num_threads(before)


def _check_loss_against_forward(kind: str) -> None:
    torch.manual_seed(0)
    model = build_model(kind, 30, 16).double()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.3)
    X, Y = torch.randint(0, 30, (4, 7)), torch.randint(0, 30, (4, 7))
    state = tuple(s.double() for s in model.begin_state(4))
    params = list(model.parameters())
    fused, fused_state = model.loss(X, Y, state)
    logits, plain_state = model(X, state)
    plain = F.cross_entropy(logits, Y.t().reshape(-1))
    torch.testing.assert_close(fused, plain)
    torch.testing.assert_close(fused_state, plain_state)
    for a, b in zip(torch.autograd.grad(fused, params), torch.autograd.grad(plain, params),
                    strict=True):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_lookup_equals_one_hot_torch_kernel_with_gradients(kind: str, layers: int) -> None:
    """The lookup path computes what nn.RNN/GRU/LSTM fed one-hot vectors compute."""
    torch.manual_seed(0)
    model = build_model(kind, 13, 6, layers).double()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)  # well inside tanh/sigmoid's curved range, so errors would show
    X, Y = torch.randint(0, 13, (3, 5)), torch.randint(0, 13, (3, 5))
    state = tuple(torch.randn_like(s.double()) for s in model.begin_state(3))
    params = list(model.parameters())
    results = {}
    for path in ("one-hot", "lookup"):
        model.path = path
        logits, end_state = model(X, state)
        # A loss that reaches the weights through the logits and through every final state.
        loss = F.cross_entropy(logits, Y.t().reshape(-1)) + sum((s * s).sum() for s in end_state)
        results[path] = (logits, end_state, torch.autograd.grad(loss, params))
    one_hot, lookup = results["one-hot"], results["lookup"]
    torch.testing.assert_close(lookup[0], one_hot[0])
    torch.testing.assert_close(lookup[1], one_hot[1])
    for (name, _), a, b in zip(model.named_parameters(), lookup[2], one_hot[2], strict=True):
        torch.testing.assert_close(a, b, msg=lambda m, name=name: f"{name}: {m}")


def test_gru_bptt_passes_gradcheck() -> None:
    torch.manual_seed(0)
    gx = torch.randn(4, 3, 3 * 5, dtype=torch.double, requires_grad=True)
    h0 = torch.randn(3, 5, dtype=torch.double, requires_grad=True)
    w = (torch.randn(3 * 5, 5, dtype=torch.double) * 0.5).requires_grad_()
    b = torch.randn(3 * 5, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(GRURecurrence.apply, (gx, h0, w, b))


def test_lstm_bptt_passes_gradcheck() -> None:
    torch.manual_seed(0)
    gx = torch.randn(4, 3, 4 * 5, dtype=torch.double, requires_grad=True)
    h0 = torch.randn(3, 5, dtype=torch.double, requires_grad=True)
    c0 = torch.randn(3, 5, dtype=torch.double, requires_grad=True)
    w = (torch.randn(4 * 5, 5, dtype=torch.double) * 0.5).requires_grad_()
    # Both outputs (every H_t and every C_t) carry gradient here.
    assert torch.autograd.gradcheck(LSTMRecurrence.apply, (gx, h0, c0, w))
