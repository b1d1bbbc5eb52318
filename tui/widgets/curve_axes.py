"""The plot's axes: 1-2-5 ticks on a log axis drawn in log10 space or on a linear one, round
epoch ticks, wall-time ticks in seconds or minutes, and thinning a long series to what the
plot's columns can show."""

from __future__ import annotations

import math


def log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 ticks between lo and hi (positive values), for a log axis drawn in log10 space;
    none unless 0 < lo <= hi < inf. The powers of ten are counted, not stepped to hi: a loop
    on `10**exp <= hi * 10` never ended once hi * 10 overflowed to inf (a history near 1e308)."""
    if not 0 < lo <= hi < math.inf:
        return []
    ticks = []
    for exp in range(math.floor(math.log10(max(lo, 1e-12))), math.floor(math.log10(hi)) + 2):
        for m in (1, 2, 5):
            t = m * 10**exp
            if lo / 1.01 <= t <= hi * 1.01:
                ticks.append(t)
    if len(ticks) > 6:
        ticks = [t for t in ticks if str(t).lstrip("0.").startswith("1")] or ticks
    if len(ticks) < 3:
        # A narrow range: label both ends too, so the axis still reads as numbers.
        ticks = sorted({float(f"{lo:.2g}"), *ticks, float(f"{hi:.2g}")})
    return ticks


def spread(ticks: list[float], lo: float, hi: float, rows: int,
           first: list[float] | None = None) -> list[float]:
    """The ticks to label, none two on the same or adjacent rows (plotext then picks one of the
    colliding labels by string hash order, which differs between processes). `first` (the
    baselines) are labelled before any other, then the highest and lowest tick, then the rest
    from the top: kept in order from the bottom, a short plot labelled only its lowest tick.
    Where that leaves one label (3 or 4 rows: no two round ticks two rows apart), `hi` and
    `lo` themselves are labelled, then the baselines that still fit: one label told nothing
    of the range. `rows`: the rows between the axis's top and bottom, at least 2."""
    span = math.log10(hi) - math.log10(lo) or 1.0
    min_gap = 2 * span / rows
    ordered = sorted(ticks, reverse=True)
    baselines = [t for t in (first or []) if lo <= t <= hi]
    kept = _apart(baselines + ordered[:1] + ordered[-1:] + ordered, min_gap)
    if len(kept) < 2 and hi > lo:
        kept = _apart([hi, lo, *baselines], min_gap)
    return sorted(kept)


def _apart(wanted: list[float], min_gap: float) -> list[float]:
    """The values of `wanted`, in its order, that are `min_gap` (log10) from every one kept."""
    kept: list[float] = []
    for t in wanted:
        if all(abs(math.log10(t) - math.log10(k)) >= min_gap for k in kept):
            kept.append(t)
    return kept


def round_ticks(lo: int, hi: int, most: int) -> list[int]:
    """At most `most` ticks between lo and hi (epochs) on multiples of 1, 2 or 5 x 10^k."""
    span = max(1, hi - lo)
    step = 1
    for power in range(0, 10):
        for m in (1, 2, 5):
            step = m * 10**power
            if span / step <= max(1, most):
                first = -(-lo // step) * step
                return list(range(max(step, first), hi + 1, step)) or [hi]
    return [hi]


def linear_ticks(lo: float, hi: float, most: int) -> list[float]:
    """At most `most` ticks between lo and hi on multiples of 1, 2 or 5 x 10^k; none unless
    both are finite."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    span = hi - lo
    if span <= 0:
        return [lo]
    if not math.isfinite(span):  # -1e308 to 1e308: the halves' span is finite
        return [lo, hi]
    power = math.floor(math.log10(span / max(1, most)))
    for step in (m * 10.0**p for p in (power, power + 1) for m in (1, 2, 5)):
        if span / step <= max(1, most):
            first = math.ceil(lo / step - 1e-9)
            ticks = [round(k * step, 12) for k in range(first, math.floor(hi / step + 1e-9) + 1)]
            return ticks or [lo]
    return [lo, hi]


def time_ticks(lo: float, hi: float, most: int) -> tuple[list[float], list[str]]:
    """Wall-time ticks (seconds) and their labels: in seconds, or minutes past three of them."""
    unit, suffix = (60.0, "m") if hi - lo > 180 else (1.0, "s")
    ticks = linear_ticks(lo / unit, hi / unit, most)
    return [t * unit for t in ticks], [f"{t:g}{suffix}" for t in ticks]


def thin(xs: list[float], ys: list[float], width: int) -> tuple[list[float], list[float]]:
    """Keep at most ~2 points per column: more cannot be drawn, only cost build time."""
    limit = max(8, 2 * width)
    if len(xs) <= limit:
        return xs, ys
    step = math.ceil(len(xs) / limit)
    idx = list(range(0, len(xs), step))
    if idx[-1] != len(xs) - 1:
        idx.append(len(xs) - 1)
    return [xs[i] for i in idx], [ys[i] for i in idx]
