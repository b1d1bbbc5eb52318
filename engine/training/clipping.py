"""Gradient clipping on the global L2 norm (book section 6.4).

The book sums squared gradients parameter by parameter in a Python loop and calls .item(); here
the per-parameter norms come from one fused call. Same rule: if ||g|| > theta, g <- g * theta/||g||.
With theta None (the exercise "do we still need clipping?") the norm is measured all the same,
so the grad-norm view compares the two.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def global_grad_norm(grads: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(list(grads))))


def clip_gradients(params: Sequence[torch.nn.Parameter], theta: float | None) -> torch.Tensor:
    """Rescale gradients in place (None: leave them); returns the norm before clipping (0-d)."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = global_grad_norm(grads)
    if theta is None:
        return norm
    # clamp(max=1) keeps small gradients as they are, like the book's `if norm > theta`, and
    # avoids a host sync here; a non-finite norm is caught by the trainer before any step.
    scale = (theta / norm).clamp(max=1.0)
    torch._foreach_mul_(grads, scale)
    return norm
