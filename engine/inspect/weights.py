"""The weights over time: each parameter's distribution at an epoch's end, as TensorBoard's
Histograms and Distributions dashboards show it, with its norm and how far the epoch moved it.

Exact quartiles need a sort: ~60 ms for the book's W_xh (1027 x 256) on one CPU thread, a tenth
of an epoch. Counting the values into FINE_BINS equal bins between their min and max is one pass
(~2 ms), so the quartiles are read from the cumulative counts instead, linearly within a bin:
each is within one fine bin, (max - min) / FINE_BINS, of torch.quantile's (min and max are
exact). TensorBoard draws its distributions from histograms in the same way. The histogram kept
for drawing is the fine one summed FINE_BINS // BINS bins at a time.

The update-to-weight ratio is |W_end - W_start| / |W_start| over one epoch's steps: how far
training moved the parameter relative to its size (a ratio that stays near 0 is a parameter that
no longer learns; one near 1, a parameter rewritten every epoch).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

import torch

from engine.training.events import ParamStats

FINE_BINS = 1024
BINS = 32  # FINE_BINS is a multiple of it
QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)


def snapshot(model: torch.nn.Module) -> list[torch.Tensor]:
    """The weights as they are now (an epoch's start, for its update ratio)."""
    with torch.no_grad():
        return [p.detach().clone() for p in model.parameters()]


def weight_stats(
    model: torch.nn.Module, start: Sequence[torch.Tensor] | None = None
) -> tuple[ParamStats, ...]:
    """Every parameter's ParamStats, in the model's order; `start` is snapshot() at the epoch's
    start (None: no update ratio). Two host syncs in all, whatever the number of parameters."""
    named = [(name, p.detach().reshape(-1).float()) for name, p in model.named_parameters()]
    with torch.no_grad():
        ranges = torch.stack([torch.stack(torch.aminmax(w)) for _, w in named]).tolist()
        fine, norms = [], []
        for i, ((_, w), (lo, hi)) in enumerate(zip(named, ranges, strict=True)):
            if hi > lo:
                fine.append(torch.histc(w, FINE_BINS, lo, hi))
            else:  # every value the same: histc would widen the range; all go in the first bin
                same = torch.zeros(FINE_BINS, device=w.device)
                same[0] = w.numel()
                fine.append(same)
            moved = w.new_zeros(()) if start is None else (w - start[i].reshape(-1)).norm()
            before = w.new_ones(()) if start is None else start[i].float().norm()
            norms.append(torch.stack((w.norm(), moved, before)))
        counts = torch.stack(fine).to("cpu", torch.int64)
        sizes = torch.stack(norms).tolist()
    out = []
    for (name, _), (lo, hi), row, (norm, moved, before), p in zip(
        named, ranges, counts, sizes, model.parameters(), strict=True
    ):
        fine_counts = row.tolist()
        ratio = moved / before if start is not None and before > 0 else None
        out.append(ParamStats(
            name=name,
            shape=tuple(p.shape),
            quantiles=tuple(quantile(fine_counts, lo, hi, q) for q in QUANTILES),
            norm=norm,
            update_ratio=ratio,
            histogram=tuple(row.view(BINS, -1).sum(1).tolist()),
        ))  # fmt: skip
    return tuple(out)


def quantile(counts: Sequence[int], lo: float, hi: float, q: float) -> float:
    """torch.quantile's q (linear between the two nearest ranks) estimated from counts in equal
    bins over [lo, hi]: each rank's value is placed evenly within its bin."""
    n = sum(counts)
    if q <= 0 or n == 1 or hi <= lo:
        return lo
    if q >= 1:
        return hi
    cumulative = list(itertools.accumulate(counts))
    width = (hi - lo) / len(counts)

    def at_rank(k: int) -> float:
        j = bisect.bisect_right(cumulative, k)  # the bin holding the k-th smallest (0-based)
        below = cumulative[j - 1] if j else 0
        return lo + width * (j + (k - below + 0.5) / counts[j])

    position = q * (n - 1)
    k = int(position)
    low = at_rank(k)
    return low if k + 1 >= n else low + (position - k) * (at_rank(k + 1) - low)
