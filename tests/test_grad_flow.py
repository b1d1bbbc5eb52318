"""Gradient flow through time (from the last step's loss) against independent computations: the
book's equations with retain_grad on every H_t, torch's own RNN/GRU/LSTM cells, and a finite
difference."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from engine.config import TrainConfig
from engine.data.corpus import load_corpus
from engine.inspect.grad_flow import grad_through_time
from engine.models.char_rnn import build_model
from engine.training.trainer import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

V, H, B, T = 23, 12, 5, 9
CELLS = {"rnn": torch.rnn_tanh_cell, "gru": torch.gru_cell, "lstm": torch.lstm_cell}


def _model(kind: str, layers: int = 1):
    torch.manual_seed(11)
    model = build_model(kind, V, H, layers)
    with torch.no_grad():  # weights large enough for the gradient to change along the steps
        for p in model.parameters():
            p.normal_(0.0, 0.6)
    return model


def _batch(kind: str, layers: int, fresh: bool):
    g = torch.Generator().manual_seed(5)
    X, Y = torch.randint(V, (B, T), generator=g), torch.randint(V, (B, T), generator=g)
    if kind == "scratch":
        shape = [(B, H)]
    else:
        shape = [(layers, B, H)] * (2 if kind == "lstm" else 1)
    state = tuple(torch.zeros(s) if fresh else torch.randn(s, generator=g) for s in shape)
    return X, Y, state


def _book_scratch(model, X, Y, state) -> list[torch.Tensor]:
    """The book's rnn(): one-hot inputs, H = tanh(X W_xh + H W_hh + b_h), outputs stacked; the
    loss is the last step's mean cross-entropy; every H_t keeps its gradient."""
    H_t, hs, outputs = state[0].clone(), [], []
    for t in range(T):
        x = F.one_hot(X[:, t], V).to(model.W_xh.dtype)
        H_t = torch.tanh(x @ model.W_xh + H_t @ model.W_hh + model.b_h)
        H_t.retain_grad()
        hs.append(H_t)
        outputs.append(H_t @ model.W_hq + model.b_q)
    F.cross_entropy(outputs[-1], Y[:, -1]).backward()
    return [h.grad for h in hs]


def _torch_cells(model, X, Y, state) -> list[torch.Tensor]:
    """torch's own cells (ATen's rnn_tanh/gru/lstm_cell) on one-hot inputs, layer by layer;
    the gradient of every layer's h_t, stacked like the state."""
    kind, layers = model.kind, model.layers
    h = [state[0][layer].clone() for layer in range(layers)]
    c = [state[1][layer].clone() for layer in range(layers)] if kind == "lstm" else None
    per_step, outputs = [], []
    for t in range(T):
        below = F.one_hot(X[:, t], V).float()
        for layer in range(layers):
            weights = [getattr(model.rnn, f"{n}_l{layer}")
                       for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            if kind == "lstm":
                h[layer], c[layer] = CELLS[kind](below, (h[layer], c[layer]), *weights)
            else:
                h[layer] = CELLS[kind](below, h[layer], *weights)
            h[layer].retain_grad()
            below = h[layer]
        per_step.append(list(h))
        outputs.append(model.dense(below))
    F.cross_entropy(outputs[-1], Y[:, -1]).backward()
    return [torch.stack([x.grad for x in step]) for step in per_step]


def _independent(model, X, Y, state) -> list[float]:
    grads = (_book_scratch if model.kind == "scratch" else _torch_cells)(model, X, Y, state)
    for p in model.parameters():
        p.grad = None
    return [float(g.norm()) for g in grads]


@pytest.mark.parametrize(
    "kind,layers", [("scratch", 1), ("rnn", 1), ("rnn", 2), ("gru", 2), ("lstm", 1), ("lstm", 2)]
)
@pytest.mark.parametrize("fresh", [True, False])
def test_matches_an_independent_computation(kind: str, layers: int, fresh: bool) -> None:
    model = _model(kind, layers)
    X, Y, state = _batch(kind, layers, fresh)
    got = grad_through_time(model, X, Y, state, rows=B)
    want = _independent(model, X, Y, state)
    assert len(got) == T
    assert got == pytest.approx(want, rel=1e-4)
    assert max(got) / min(got) > 1.1  # it changes along the steps: a real profile


def test_fewer_rows_give_their_exact_share_scaled_to_the_batch() -> None:
    """Each row's gradient depends on its own sequence only: the first k rows' part of the
    batch's gradient is exact, and sqrt(B/k) times its norm estimates the whole norm."""
    model = _model("scratch")
    X, Y, state = _batch("scratch", 1, fresh=False)
    full = _book_scratch(model, X, Y, state)
    got = grad_through_time(model, X, Y, state, rows=2)
    want = [float(g[:2].norm()) * math.sqrt(B / 2) for g in full]
    assert got == pytest.approx(want, rel=1e-4)


def test_a_finite_difference_agrees() -> None:
    """Moving H_t along its gradient by eps changes the last step's loss by eps * |dl_T/dH_t|."""
    model = _model("scratch").double()
    X, Y, state = _batch("scratch", 1, fresh=False)
    state = (state[0].double(),)
    got = grad_through_time(model, X, Y, state, rows=B)
    grads = _book_scratch(model, X, Y, state)
    eps = 1e-6
    for t in (0, T // 2, T - 1):
        direction = grads[t] / grads[t].norm()

        def loss(shift: float, t: int = t, direction: torch.Tensor = direction) -> float:
            with torch.no_grad():
                h, outputs = state[0], []
                for s in range(T):
                    h = torch.tanh(model.W_xh[X[:, s]] + h @ model.W_hh + model.b_h)
                    if s == t:
                        h = h + shift * direction
                    outputs.append(h @ model.W_hq + model.b_q)
                return float(F.cross_entropy(outputs[-1], Y[:, -1]))

        slope = (loss(eps) - loss(-eps)) / (2 * eps)
        assert slope == pytest.approx(got[t], rel=1e-5)


def test_a_contracting_recurrence_shows_the_gradient_vanishing_towards_t_1() -> None:
    """With the book's initial weights (N(0, 0.01)) the recurrence contracts: the last step's
    loss reaches H_T directly and earlier states less and less. (The whole loss's gradient was
    about as large at every t here, each H_t having its own step's loss.)"""
    torch.manual_seed(11)
    model = build_model("scratch", V, H)
    X, Y, state = _batch("scratch", 1, fresh=True)
    got = grad_through_time(model, X, Y, state, rows=B)
    assert all(a < b for a, b in zip(got, got[1:], strict=False))
    assert got[-1] > 1e6 * got[0]


def test_leaves_the_gradients_and_the_random_streams_alone() -> None:
    model = _model("gru", 2)
    X, Y, state = _batch("gru", 2, fresh=False)
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.5)
    rng = torch.get_rng_state()
    grad_through_time(model, X, Y, state)
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(p.grad, torch.full_like(p, 0.5)) for p in model.parameters())


@pytest.mark.usefixtures("flow_every_epoch")
def test_every_epoch_reports_the_flow_and_the_clipped_share(jaychou) -> None:
    corpus = load_corpus("jaychou", max_chars=2000)
    small = dict(hidden=16, batch_size=8, num_steps=10, epochs=2, pred_period=0, device="cpu")
    clipped = Trainer(corpus, TrainConfig(**small, clip=1e-6))
    free = Trainer(corpus, TrainConfig(**small, clip=1e30, lr=1.0))  # lr 100 unclipped explodes
    clipped.run(), free.run()
    for end in (*clipped.history, *free.history):
        assert len(end.grad_through_time) == 10
        assert all(g > 0 and math.isfinite(g) for g in end.grad_through_time)
    assert [e.clipped_share for e in clipped.history] == [1.0, 1.0]
    assert [e.clipped_share for e in free.history] == [0.0, 0.0]


def test_the_flow_is_skipped_where_it_would_cost_too_much_but_not_on_the_last_epoch(
    jaychou, monkeypatch: pytest.MonkeyPatch
) -> None:
    # any measurement costs too much
    monkeypatch.setattr("engine.training.probes.FLOW_SHARE", 1e-12)
    corpus = load_corpus("jaychou", max_chars=2000)
    trainer = Trainer(corpus, TrainConfig(hidden=16, batch_size=8, num_steps=10, epochs=4,
                                          pred_period=0, device="cpu"))
    trainer.run()
    # The first epoch measures it (nothing is known of its cost yet), the run's last one too.
    assert [len(e.grad_through_time) for e in trainer.history] == [10, 0, 0, 10]
    assert all(e.clipped_share is not None for e in trainer.history)
