"""Clipping follows the book's rule on the global L2 norm."""

from __future__ import annotations

import math

import torch

from engine.training.clipping import clip_gradients


def _params(*grads: list[float]) -> list[torch.nn.Parameter]:
    params = []
    for g in grads:
        p = torch.nn.Parameter(torch.zeros(len(g)))
        p.grad = torch.tensor(g)
        params.append(p)
    return params


def test_large_gradients_are_scaled_to_theta() -> None:
    params = _params([3.0, 0.0], [0.0, 4.0])  # global norm 5
    norm = clip_gradients(params, theta=1.0)
    assert math.isclose(norm.item(), 5.0)
    assert torch.allclose(params[0].grad, torch.tensor([0.6, 0.0]))
    assert torch.allclose(params[1].grad, torch.tensor([0.0, 0.8]))
    clipped = math.sqrt(sum((p.grad**2).sum().item() for p in params))
    assert math.isclose(clipped, 1.0, rel_tol=1e-6)


def test_small_gradients_are_left_alone() -> None:
    params = _params([0.003], [0.004])  # norm 0.005 < 0.01
    clip_gradients(params, theta=0.01)
    assert params[0].grad.item() == torch.tensor(0.003).item()
    assert params[1].grad.item() == torch.tensor(0.004).item()


def test_non_finite_norm_is_reported() -> None:
    params = _params([float("nan"), 1.0])
    assert not math.isfinite(clip_gradients(params, 1.0).item())
