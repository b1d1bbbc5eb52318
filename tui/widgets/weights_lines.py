"""The weights view's lines: one parameter's distribution over the epochs (TensorBoard's
Distributions: min / quartiles / max as bands, one column per epoch the trainer measured), its
histogram at the latest one (TensorBoard's Histograms), and its norm and update-to-weight ratio
per epoch as sparklines. Drawn from EpochEnd.weights (engine/inspect/weights.py): no numbers
are computed here, only placed on rows and columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style

from engine.playground.events import EpochEnd, ParamStats
from tui.widgets.inside_lines import BARS, DIM, Lines

LABEL = 10  # cells before a sparkline or a band row: its name or value
OUTER, INNER, MIDDLE = Style(color="blue"), Style(color="cyan"), Style(color="bright_white")
SPARK = Style(color="magenta")


def weights_lines(
    lines: Lines, measured: Sequence[EpochEnd], param: int, room: int
) -> None:
    """Parameter `param` (an index into the model's parameters) over the `measured` epochs."""
    latest = measured[-1].weights
    stats = latest[param % len(latest)]
    shape = "×".join(map(str, stats.shape))
    ratio = "-" if stats.update_ratio is None else f"{stats.update_ratio:.3g}"
    lines.dim(
        f"{stats.name} ({param % len(latest) + 1}/{len(latest)}) {shape} "
        f"({math.prod(stats.shape):,}) · epoch {measured[-1].epoch} · norm {stats.norm:.3g} · "
        f"update/weight {ratio}"
    )
    width = max(1, lines.width - LABEL)
    history = [_of(end, stats.name) for end in measured][-width:]
    first = measured[-len(history)].epoch
    norms = [p.norm if p else None for p in history]
    ratios = [p.update_ratio if p else None for p in history]
    _spark(lines, "norm", norms, log=False)
    _spark(lines, "update/W", ratios, log=True)
    _histogram(lines, stats, width)
    _bands(lines, history, max(3, room - len(lines.strips) - 1), first, measured[-1].epoch)


def _of(end: EpochEnd, name: str) -> ParamStats | None:
    return next((p for p in end.weights if p.name == name), None)


def _spark(lines: Lines, label: str, values: Sequence[float | None], *, log: bool) -> None:
    """One cell per epoch, the bar's height its value between the least and the most shown."""
    known = [v for v in values if v is not None and (v > 0 or not log)]
    if not known:
        lines.cells(_label(lines, label), [("no value yet", DIM)])
        return
    scale = (lambda v: math.log10(v)) if log else (lambda v: v)  # noqa: E731 - one-liner
    lo, hi = scale(min(known)), scale(max(known))

    def bar(v: float | None) -> str:
        if v is None or (log and v <= 0):
            return " "
        return BARS[1 + (0 if hi == lo else round((scale(v) - lo) / (hi - lo) * 7))]

    span = f" {min(known):.3g}…{max(known):.3g}" + (" log" if log else "")
    lines.cells(_label(lines, label), [("".join(map(bar, values)), SPARK), (span, DIM)])


def _histogram(lines: Lines, stats: ParamStats, width: int) -> None:
    """The latest epoch's counts, each bin one or more cells wide, min and max at its ends."""
    counts = stats.histogram
    most = max(counts) or 1
    cells = max(1, min(3, (width - 20) // len(counts)))
    bars = "".join(
        (BARS[max(1, round(c / most * 8))] if c else " ") * cells for c in counts
    )  # fmt: skip
    lo, hi = stats.quantiles[0], stats.quantiles[-1]
    lines.cells(_label(lines, "histogram"), [
        (f"{lo:+.3g} ", DIM), (bars, INNER), (f" {hi:+.3g}", DIM),
    ])  # fmt: skip


def _bands(
    lines: Lines, history: Sequence[ParamStats | None], rows: int, first: int, last: int
) -> None:
    """Rows of value ranges from the largest max to the least min over the epochs shown; a
    column per epoch: ░ between min and max, █ between the quartiles, ─ at the median."""
    known = [p for p in history if p is not None]
    top = max(p.quantiles[-1] for p in known)
    bottom = min(p.quantiles[0] for p in known)
    step = (top - bottom) / rows or 1.0
    gaps = "" if len(history) == last - first + 1 else f" ({len(history)} measured)"
    lines.dim(f"spread over epochs {first}…{last}{gaps}: ░ min…max, █ quartiles, ─ median")
    for r in range(rows):
        high = top - r * step
        low = high - step
        row = []
        for p in history:
            row.append(_band_cell(p, low, high, r == rows - 1))
        label = f"{high:+.3g}" if r == 0 else f"{low:+.3g}" if r == rows - 1 else ""
        lines.cells(_label(lines, label), row)


def _band_cell(p: ParamStats | None, low: float, high: float, last: bool) -> tuple[str, Style]:
    """What the row [low, high) shows of one epoch (the bottom row holds its low end too)."""
    if p is None:
        return " ", DIM
    least, q1, median, q3, most = p.quantiles
    if low <= median < high or (last and median == low):
        return "─", MIDDLE
    if q3 >= low and q1 < high:
        return "█", INNER
    if most >= low and least < high:
        return "░", OUTER
    return " ", DIM


def _label(lines: Lines, text: str) -> Segment:
    """A row's name or value, right-aligned in LABEL cells."""
    return Segment(f"{text[: LABEL - 1]:>{LABEL - 1}} ", lines.base + DIM)
