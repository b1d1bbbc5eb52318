"""The chapter's exercise "sharpen the sampler, q ∝ P^α": rnnplay's temperature T is 1/α.
Sampling at temperature T draws exactly what sampling from P^(1/T), normalised, draws."""

from __future__ import annotations

import pytest
import torch

from engine.generation.decoding import Decoding


def _draw_from(q: torch.Tensor, seed: int) -> int:
    """Inverse-CDF draw from the distribution q with the uniform a seeded generator gives."""
    generator = torch.Generator()
    generator.manual_seed(seed)
    u = float(torch.rand(1, generator=generator, dtype=torch.float64))
    return int((q.cumsum(0) <= u).sum().clamp(max=q.numel() - 1))


@pytest.mark.parametrize("alpha", [0.5, 2.0, 4.0])
def test_temperature_is_one_over_alpha(alpha: float) -> None:
    logits = torch.randn(1, 40, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    p = torch.softmax(logits[0], dim=0)
    q = p**alpha / (p**alpha).sum()  # the exercise's sharpened distribution, from P itself
    decoding = Decoding(temperature=1 / alpha)
    drawn = [int(decoding.pick(logits, Decoding(temperature=1 / alpha, seed=s).generator()))
             for s in range(300)]
    assert drawn == [_draw_from(q, s) for s in range(300)]
