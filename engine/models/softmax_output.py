"""The output layer O = H W_hq + b_q and its softmax cross-entropy, with the backward written out.

Autograd would keep the logits, a log-softmax copy and a gradient buffer per batch (three 4.6 MB
arrays at the book's sizes) and walk them in separate passes. The gradient of mean cross-entropy
with respect to the logits is (softmax(O) - onehot(y)) / N, so the forward leaves exp(O - max)
in the logits' own buffer and the backward turns it into that gradient in place, dividing by
the softmax's sum and by N in one pass.

The products run on V rounded up to a multiple of 16 columns (W_hq and b_q padded with zeros):
sgemm with 1027 output columns (the book's vocabulary) took 25% longer than with 1040 here, as
the last partial block of columns falls off the fast path. The extra logits are exactly 0 and
never reach the softmax, so the numbers are those of the unpadded layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

COLUMN_BLOCK = 16


@dataclass
class OutputState:
    """What the forward leaves for the backward."""

    h: torch.Tensor  # (N, hidden) the layer's input
    w_pad: torch.Tensor  # (hidden, V_pad) W with zero columns appended
    exp: torch.Tensor  # (N, V_pad) exp(O - max(O)) in its first V columns, zeros after
    total: torch.Tensor  # (N, 1) the row sums of exp: softmax = exp / total
    target: torch.Tensor  # (N,) the labels
    vocab: int


def loss_forward(
    h: torch.Tensor, w: torch.Tensor, b: torch.Tensor, target: torch.Tensor
) -> tuple[torch.Tensor, OutputState]:
    """mean_i -log softmax(H_i W + b)[y_i] for H (N, hidden), W (hidden, V), b (V,), y (N,)."""
    vocab = w.shape[1]
    pad = -vocab % COLUMN_BLOCK
    w_pad, b_pad = F.pad(w, (0, pad)), F.pad(b, (0, pad))
    full = torch.addmm(b_pad, h, w_pad)
    logits = full[:, :vocab]
    picked = logits.gather(1, target[:, None])  # O_{i, y_i}, before it is rewritten
    # Shifted by the row maximum so exp cannot overflow:
    # -log softmax(O)_y = log(sum_j exp(O_j - m)) + m - O_y.
    shift = logits.amax(dim=1, keepdim=True)
    exp = logits.sub_(shift).exp_()
    total = exp.sum(dim=1, keepdim=True)
    loss = (total.log() + shift - picked).mean()
    return loss, OutputState(h, w_pad, full, total, target, vocab)


def logits_grad(state: OutputState, grad: torch.Tensor) -> torch.Tensor:
    """dL/dO (N, V_pad; zero in the padding) = grad * (softmax(O) - onehot(y)) / N, in place."""
    n = len(state.target)
    scale = grad / n
    d_logits = state.exp
    d_logits[:, : state.vocab].mul_(scale / state.total)
    rows = torch.arange(n, device=state.target.device)
    d_logits[rows, state.target] -= scale
    return d_logits


def input_grad(state: OutputState, d_logits: torch.Tensor) -> torch.Tensor:
    """dL/dH = dO W^T (the padded columns add zeros)."""
    return d_logits @ state.w_pad.t()


def weight_grads(state: OutputState, d_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """dL/dW = H^T dO and dL/db = the column sums of dO, unpadded."""
    vocab = state.vocab
    d_w = (state.h.t() @ d_logits)[:, :vocab].contiguous()
    return d_w, d_logits[:, :vocab].sum(0)


class SoftmaxCrossEntropy(torch.autograd.Function):
    """mean_i -log softmax(H_i W + b)[y_i], for H (N, hidden), W (hidden, V), b (V,), y (N,)."""

    @staticmethod
    def forward(
        ctx, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        loss, ctx.output = loss_forward(h, w, b, target)
        return loss

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        state: OutputState = ctx.output
        del ctx.output  # the 4.6 MB buffer becomes the gradient; let it go with this call
        d_logits = logits_grad(state, grad)
        d_w, d_b = weight_grads(state, d_logits)
        return input_grad(state, d_logits), d_w, d_b, None
