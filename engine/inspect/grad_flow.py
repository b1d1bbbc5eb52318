"""Gradient flow through time: |dl_T/dH_t| for t = 1 .. T = num_steps on one batch, where l_T is
the loss of the batch's last step alone.

The chapter clips gradients because backprop through time multiplies by the recurrent Jacobian
once per step: the gradient reaching H_t from a later step's loss shrinks or grows geometrically
with the distance. This shows it for the batch a trainer trained last, from the last step's loss,
so t = T is the distance 0 and t = 1 the distance T - 1. (The gradient of the whole loss, the mean
over all steps, is no such picture: H_1 collects a term from every one of the T steps' losses and
H_T from one, so it is largest near t = 1 in a perfectly healthy run.)

It is computed apart from training, with plain autograd ops one time step at a time (the
equations as the book and torch's documentation write them: the scratch model's
φ(X_t W_xh + H_{t-1} W_hh + b_h), torch's RNN/GRU/LSTM cells), so it does not depend on the
fused kernels training runs. torch.autograd.grad asks for the gradients of the hidden states
only: the parameters' .grad stay as they are, and no random number is drawn.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from engine.models.char_rnn import CharRNN, State
from engine.models.recurrence import ACTIVATION

# Sequences of the batch used. dloss/dH_t for sequence b depends on sequence b alone (the loss
# is a mean over independent rows), so the rows used give their part of the batch's gradient
# exactly and the norm over all rows is estimated from them; exact for batches up to this size.
# The pass is ~70 small products one after the other, so its time is mostly per step: at the
# book's settings 2 rows take ~2.5 ms (2% of an epoch on two cores), 4 rows ~3.5 ms, 8 ~6.
ROWS = 2


def grad_through_time(
    model: CharRNN, X: torch.Tensor, Y: torch.Tensor, state: State, rows: int = ROWS
) -> tuple[float, ...]:
    """|dl_T/dH_t| for t = 1 .. T, where l_T is the batch's mean cross-entropy at its last step
    (the one step of the loss training minimizes) and H_t the hidden state after step t (every
    layer's h; an LSTM's cell c is not included). X, Y (B, T); state: the state the batch
    started from, as the model's own."""
    batch, steps = X.shape
    used = min(rows, batch)
    h, c = _first_rows(model, state, used)
    hidden_states: list[torch.Tensor] = []  # every layer's h at every step, step-major
    with torch.enable_grad():
        # The input side of the first layer for every step at once: it does not depend on h.
        inputs = _first_inputs(model, X[:used])
        for t in range(steps):
            # Each h feeds its own next step and the layer above: its gradient is the total.
            h, c = _step(model, inputs[t], h, c)
            hidden_states += h
        weight, bias = _output(model)
        logits = torch.addmm(bias, h[-1], weight)  # the last step's, from the last layer's h
        # These rows' share of the batch's mean: the same per-row gradients as the whole batch.
        loss = F.cross_entropy(logits, Y[:used, -1], reduction="sum") / batch
        grads = torch.autograd.grad(loss, hidden_states)
    squares = torch.stack(grads).view(steps, -1).square().sum(dim=1)
    return tuple((squares.sqrt() * math.sqrt(batch / used)).tolist())


def _first_rows(
    model: CharRNN, state: State, used: int
) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    """Each layer's (h, c) (rows, hidden), detached: the batch's first `used` rows."""
    if model.kind == "scratch":
        return [state[0][:used].detach()], None  # the scratch state is (B, hidden)
    c = list(state[1][:, :used].detach()) if model.kind == "lstm" else None
    return list(state[0][:, :used].detach()), c


def _first_inputs(model: CharRNN, X: torch.Tensor) -> torch.Tensor:
    """(T, rows, G*hidden): the first layer's input product and bias, one step per row."""
    # one_hot(x) W is row x of W: the book's product, without the multiply-adds (or the
    # embedding's row times its product).
    if model.kind == "scratch":
        return model.input_side(X, model.b_h)
    return model.input_side(X, model.rnn.bias_ih_l0)


def _output(model: CharRNN) -> tuple[torch.Tensor, torch.Tensor]:
    """O = H W + b: the output layer's W (hidden, V) and b."""
    if model.kind == "scratch":
        return model.W_hq, model.b_q
    return model.dense.weight.t(), model.dense.bias


def _step(
    model: CharRNN, gx: torch.Tensor, h: list[torch.Tensor], c: list[torch.Tensor] | None
) -> tuple[list[torch.Tensor], list[torch.Tensor] | None]:
    """One time step of every layer: gx the first layer's input side (rows, G*hidden); h, c:
    each layer's (rows, hidden)."""
    if model.kind == "scratch":
        # The book: H_t = φ(X_t W_xh + b_h + H_{t-1} W_hh), φ = tanh (or ReLU).
        return [ACTIVATION[model.nonlinearity](torch.addmm(gx, h[0], model.W_hh))], None
    new_h, new_c = [], []
    for layer in range(model.layers):
        w_ih, w_hh, b_ih, b_hh = (
            getattr(model.rnn, f"{name}_l{layer}")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        if layer:  # an upper layer reads the one below at the same step
            gx = torch.addmm(b_ih, new_h[-1], w_ih.t())
        gh = torch.addmm(b_hh, h[layer], w_hh.t())
        if model.kind == "rnn":
            new_h.append(ACTIVATION[model.nonlinearity](gx + gh))
        elif model.kind == "gru":
            # torch.nn.GRU: gates r, z, n; r scales the recurrent part of n, its bias included.
            hidden = model.hidden
            r, z = torch.sigmoid(gx[:, : 2 * hidden] + gh[:, : 2 * hidden]).chunk(2, dim=1)
            n = torch.tanh(torch.addcmul(gx[:, 2 * hidden :], r, gh[:, 2 * hidden :]))
            new_h.append(torch.lerp(n, h[layer], z))  # (1 - z) n + z h
        else:
            # torch.nn.LSTM: gates i, f, g, o; c' = f c + i g, h' = o tanh(c').
            i, f, g, o = (gx + gh).chunk(4, dim=1)
            cell = torch.sigmoid(f) * c[layer] + torch.sigmoid(i) * torch.tanh(g)
            new_h.append(torch.sigmoid(o) * torch.tanh(cell))
            new_c.append(cell)
    return new_h, (new_c if c is not None else None)
