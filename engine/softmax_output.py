"""The output layer O = H W_hq + b_q and its softmax cross-entropy, with the backward written out.

Autograd would keep the logits, a log-softmax copy and a gradient buffer per batch (three 4.6 MB
arrays at the book's sizes) and walk them in separate passes. The gradient of mean cross-entropy
with respect to the logits is (softmax(O) - onehot(y)) / N, so the forward leaves softmax(O) in
the logits' own buffer and the backward turns it into that gradient in place.
"""

from __future__ import annotations

import torch


class SoftmaxCrossEntropy(torch.autograd.Function):
    """mean_i -log softmax(H_i W + b)[y_i], for H (N, hidden), W (hidden, V), b (V,), y (N,)."""

    @staticmethod
    def forward(
        ctx, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor, target: torch.Tensor
    ) -> torch.Tensor:
        logits = torch.addmm(b, h, w)
        picked = logits.gather(1, target[:, None]).squeeze(1)  # O_{i, y_i}, before it is rewritten
        # Softmax in place, shifted by the row maximum so exp cannot overflow:
        # -log softmax(O)_y = log(sum_j exp(O_j - m)) + m - O_y.
        shift = logits.amax(dim=1, keepdim=True)
        probs = logits.sub_(shift).exp_()
        total = probs.sum(dim=1, keepdim=True)
        loss = (total.log() + shift - picked[:, None]).mean()
        probs.div_(total)
        ctx.save_for_backward(h, w, probs, target)
        return loss

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h, w, probs, target = ctx.saved_tensors
        rows = torch.arange(len(target), device=target.device)
        probs[rows, target] -= 1  # softmax - onehot(y)
        d_logits = probs.mul_(grad / len(target))
        return d_logits @ w.t(), h.t() @ d_logits, d_logits.sum(0), None
