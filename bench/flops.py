"""Matrix-product FLOPs of one scratch training batch, and this machine's sgemm rate.

The "FLOP floor" of an epoch is the time its products alone would take at the measured rate.
"""

from __future__ import annotations

import statistics
import time

import torch


def scratch_flops_per_batch(
    batch: int, steps: int, hidden: int, vocab: int, *, one_hot_input: bool
) -> dict[str, int]:
    """Multiply-add FLOPs (2*m*k*n) of the matrix products in one forward+backward batch.

    Only products count: tanh, bias adds, softmax and the lookup/scatter of the engine's input
    projection are O(N*H) or O(N*V) and small next to these. The first step's H_{t-1} is the
    initial state, which needs no gradient, hence steps-1 products for dH_{t-1}.
    """
    n, h, v = batch * steps, hidden, vocab
    flops = {
        "recurrence fwd: T x (B,H)@(H,H)": 2 * n * h * h,
        "recurrence bwd dH: (T-1) x (B,H)@(H,H)": 2 * (steps - 1) * batch * h * h,
        "W_hh grad: (H,N)@(N,H)": 2 * n * h * h,
        "output fwd: (N,H)@(H,V)": 2 * n * h * v,
        "output bwd dH: (N,V)@(V,H)": 2 * n * v * h,
        "W_hq grad: (H,N)@(N,V)": 2 * n * h * v,
    }
    if one_hot_input:
        # The book multiplies the one-hot inputs by W_xh, and autograd does the same for the
        # gradient (no dX: the one-hot inputs do not require grad).
        flops["one-hot input fwd: (N,V)@(V,H)"] = 2 * n * v * h
        flops["W_xh grad: (V,N)@(N,H)"] = 2 * v * n * h
    return flops


def sgemm_gflops(m: int, k: int, n: int, repeats: int = 40) -> float:
    """Median GFLOP/s of torch.mm (m,k)@(k,n) in float32 with the current thread setting."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    out = torch.empty(m, n)
    for _ in range(5):
        torch.mm(a, b, out=out)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b, out=out)
        times.append(time.perf_counter() - t0)
    return 2 * m * k * n / statistics.median(times) / 1e9


def sgemm_rates(batch: int, steps: int, hidden: int, vocab: int) -> dict[str, float]:
    """GFLOP/s of the shapes that dominate a scratch epoch (the first is the headline rate)."""
    n = batch * steps
    shapes = {
        "(N,H)@(H,V)": (n, hidden, vocab),
        "(N,V)@(V,H)": (n, vocab, hidden),
        "(H,N)@(N,V)": (hidden, n, vocab),
        "(H,N)@(N,H)": (hidden, n, hidden),
        "(B,H)@(H,H)": (batch, hidden, hidden),
    }
    return {name: sgemm_gflops(*mkn) for name, mkn in shapes.items()}


# Which measured shape stands for each product in the shape-aware floor.
_SHAPE_OF = {
    "recurrence fwd": "(B,H)@(H,H)",
    "recurrence bwd": "(B,H)@(H,H)",
    "W_hh grad": "(H,N)@(N,H)",
    "output fwd": "(N,H)@(H,V)",
    "output bwd": "(N,V)@(V,H)",
    "W_hq grad": "(H,N)@(N,V)",
    "one-hot input": "(N,V)@(V,H)",
    "W_xh grad": "(H,N)@(N,V)",
}


def shape_aware_seconds(flops: dict[str, int], rates: dict[str, float]) -> float:
    """Time of the products if each ran at the measured rate of its own shape."""
    total = 0.0
    for name, f in flops.items():
        shape = next(s for prefix, s in _SHAPE_OF.items() if name.startswith(prefix))
        total += f / (rates[shape] * 1e9)
    return total
