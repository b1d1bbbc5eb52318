"""The plain RNN's recurrence H_t = φ(P_t + H_{t-1} W_hh), with backprop through time by hand.

φ is the book's tanh or, for its exercise, ReLU (nn.RNN's `nonlinearity`). The book lets
autograd record every time step. Here the forward loop runs without recording and the backward
pass is the book's BPTT (section 6.6) written out: the same gradients, with two kernels per
step instead of a graph of ~8 nodes per step, and W_hh's gradient as one matrix product over all
steps instead of one per step. Only φ'(Z_t) differs between the two, and both read it off the
saved H_t: tanh'(Z) = 1 - H^2, ReLU'(Z) = 1[Z > 0] = 1[H > 0].
"""

from __future__ import annotations

from collections.abc import Callable

import torch

# φ by engine.config.NONLINEARITIES' names, for one step at a time (generation, the gradient-flow
# view): the same numbers as the recurrences below (tanh's to ~1e-7, see TanhRecurrence.forward).
ACTIVATION: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh,
    "relu": torch.relu,
}


class TanhRecurrence(torch.autograd.Function):
    """Hs = [H_1 .. H_T] for inputs P (T, B, H) already holding X_t W_xh + b_h; φ = tanh."""

    @staticmethod
    def forward(ctx, pre: torch.Tensor, h0: torch.Tensor, w_hh: torch.Tensor) -> torch.Tensor:
        hs = torch.empty_like(pre)
        minus_one = torch.full_like(h0, -1.0)
        h = h0
        for t in range(pre.shape[0]):
            # tanh(Z) = 2 sigmoid(2Z) - 1, computed so because torch's CPU tanh takes 5x as long
            # as its sigmoid (2.7 vs 0.5 ns per number here): addmm writes 2Z = 2 P_t +
            # 2 H_{t-1} W_hh straight into its slot (the 2s are sgemm's alpha and beta, free),
            # sigmoid runs in place, and one add turns s into 2s - 1. Agrees with tanh to ~1e-7.
            torch.addmm(pre[t], h, w_hh, beta=2, alpha=2, out=hs[t]).sigmoid_()
            h = torch.add(minus_one, hs[t], alpha=2, out=hs[t])
        ctx.save_for_backward(h0, w_hh, hs)
        return hs

    @staticmethod
    def backward(ctx, d_hs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        hs = ctx.saved_tensors[2]
        return _through_time(ctx, d_hs, 1 - hs * hs)  # tanh'(Z_t) = 1 - H_t^2


class ReluRecurrence(torch.autograd.Function):
    """Hs = [H_1 .. H_T] for inputs P (T, B, H) already holding X_t W_xh + b_h; φ = ReLU."""

    @staticmethod
    def forward(ctx, pre: torch.Tensor, h0: torch.Tensor, w_hh: torch.Tensor) -> torch.Tensor:
        hs = torch.empty_like(pre)
        h = h0
        for t in range(pre.shape[0]):
            # Z_t straight into its slot, then max(Z_t, 0) in place: one pass each, as tanh's.
            h = torch.addmm(pre[t], h, w_hh, out=hs[t]).relu_()
        ctx.save_for_backward(h0, w_hh, hs)
        return hs

    @staticmethod
    def backward(ctx, d_hs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
        hs = ctx.saved_tensors[2]
        # ReLU'(Z_t) = 1[Z_t > 0], and H_t > 0 exactly where Z_t > 0 (torch's ReLU has slope 0
        # at 0, as here).
        return _through_time(ctx, d_hs, (hs > 0).to(hs.dtype))


# The recurrence each φ trains with, by nonlinearity name.
RECURRENCE: dict[str, type[torch.autograd.Function]] = {
    "tanh": TanhRecurrence,
    "relu": ReluRecurrence,
}


def _through_time(
    ctx, d_hs: torch.Tensor, phi_grad: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor]:
    """BPTT given φ'(Z_t) for every step (T, B, H): the gradients wrt P, H_0 and W_hh."""
    h0, w_hh, hs = ctx.saved_tensors
    steps, _, hidden = hs.shape
    d_hs = d_hs.contiguous()
    d_z = torch.empty_like(hs)  # gradient wrt the pre-activation Z_t = P_t + H_{t-1} W_hh
    w_hh_t = w_hh.t()
    d_h = d_hs[steps - 1].clone()  # dL/dH_t, one buffer re-written at every step
    for t in range(steps - 1, 0, -1):
        torch.mul(d_h, phi_grad[t], out=d_z[t])
        # dL/dH_{t-1} = (its direct gradient) + dZ_t W_hh^T, fused into one addmm.
        torch.addmm(d_hs[t - 1], d_z[t], w_hh_t, out=d_h)
    torch.mul(d_h, phi_grad[0], out=d_z[0])
    # sum_t H_{t-1}^T dZ_t: one product over steps 2..T, plus H_0's share for step 1.
    d_w_hh = torch.addmm(
        h0.t() @ d_z[0], hs[:-1].reshape(-1, hidden).t(), d_z[1:].reshape(-1, hidden)
    )
    d_h0 = d_z[0] @ w_hh_t if ctx.needs_input_grad[1] else None
    return d_z, d_h0, d_w_hh
