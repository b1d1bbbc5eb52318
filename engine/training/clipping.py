"""Gradient clipping on the global L2 norm (book section 6.4).

The book sums squared gradients parameter by parameter in a Python loop and calls .item(); here
the per-parameter norms come from one fused call. Same rule: if ||g|| > theta, g <- g * theta/||g||.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def global_grad_norm(grads: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(list(grads))))


def clip_gradients(params: Sequence[torch.nn.Parameter], theta: float) -> torch.Tensor:
    """Rescale gradients in place; returns the norm before clipping (a 0-d tensor)."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = global_grad_norm(grads)
    # clamp(max=1) keeps small gradients as they are, like the book's `if norm > theta`, and
    # avoids a host sync here; a non-finite norm is caught by the trainer before any step.
    scale = (theta / norm).clamp(max=1.0)
    torch._foreach_mul_(grads, scale)
    return norm
