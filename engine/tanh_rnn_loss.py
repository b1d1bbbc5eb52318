"""The tanh RNN's whole loss as one autograd node, so its backward can use both CPU cores.

H_t = tanh(P_t + H_{t-1} W_hh), O_t = H_t W_hq + b_q, loss = mean cross-entropy of O against y:
engine.recurrence and engine.softmax_output chained, the same arithmetic. Fused, the backward
knows that W_hq's gradient H^T dO (the largest product left) needs nothing from the backward
recurrence, so a second thread computes it while the recurrence chain, which gains nothing from
a second thread (engine/cpu_threads.py), runs on the first.
"""

from __future__ import annotations

import torch

from engine.cpu_threads import SIDEKICK, one_thread
from engine.recurrence import tanh_backward_steps, tanh_forward, w_hh_grad
from engine.softmax_output import input_grad, logits_grad, loss_forward, weight_grads


class TanhRNNLoss(torch.autograd.Function):
    """(loss, H_T) for P (T, B, H) = X_t W_xh + b_h, H_0, W_hh (H, H), W_hq (H, V), b_q, y (T*B,).

    y is time-major like the book's outputs; H_T (not differentiable) carries the state on.
    """

    @staticmethod
    def forward(
        ctx,
        pre: torch.Tensor,
        h0: torch.Tensor,
        w_hh: torch.Tensor,
        w_hq: torch.Tensor,
        b_q: torch.Tensor,
        target: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hs = tanh_forward(pre, h0, w_hh)
        loss, ctx.output = loss_forward(hs.view(-1, hs.shape[2]), w_hq, b_q, target)
        ctx.save_for_backward(h0, w_hh, hs)
        last = hs[-1].clone()
        ctx.mark_non_differentiable(last)
        return loss, last

    @staticmethod
    def backward(
        ctx, grad: torch.Tensor, _last: torch.Tensor | None
    ) -> tuple[torch.Tensor | None, ...]:
        h0, w_hh, hs = ctx.saved_tensors
        output = ctx.output
        del ctx.output
        d_logits = logits_grad(output, grad)
        d_hs = input_grad(output, d_logits).view_as(hs)
        with one_thread(hs.device) as free:
            out_grads = SIDEKICK.start(lambda: weight_grads(output, d_logits), beside=free)
            d_z, d_z1 = tanh_backward_steps(d_hs, w_hh, hs)
            d_w_hh = w_hh_grad(d_z, h0, hs)
            d_w_hq, d_b_q = out_grads.result()
        d_h0 = d_z1 @ w_hh.t() if ctx.needs_input_grad[1] else None
        return d_z, d_h0, d_w_hh, d_w_hq, d_b_q, None
