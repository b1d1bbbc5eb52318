"""Drawing a computed frame (curve_frame.Frame) with plotext: the lines, the red lines, the lr
marks on the top edge, the ticks of both axes and the cursor.

A log axis is done by hand (plot log10 values, label ticks with real ones): plotext's own log
scale re-applies itself on every build.
"""

from __future__ import annotations

import math
from typing import Any

from tui.numbers import tick_text
from tui.widgets.curve_axes import linear_ticks, log_ticks, round_ticks, spread, time_ticks
from tui.widgets.curve_controls import TIME
from tui.widgets.curve_frame import Frame

# The raw curve behind a smoothed one: each run colour's dim version (xterm-256 indices), so
# the raw line reads as its run's without competing with the smoothed one.
FAINT = {"cyan": 23, "orange": 94, "green": 22, "magenta": 53, "yellow": 58}


def draw(plt: Any, frame: Frame, size: tuple[int, int], log_y: bool,
         cursor: float | None) -> None:
    """Draw `frame` on a cleared plotext figure of `size` (columns, rows); `cursor`: where the
    cursor line goes, None for none."""
    width, height = size
    scale = (lambda y: math.log10(y)) if log_y else (lambda y: y)
    values: list[float] = []
    for line in frame.lines:
        values.extend(line.ys)
        color = FAINT.get(line.color, "gray") if line.raw else line.color
        plt.plot(line.xs, [scale(y) for y in line.ys], color=color, marker=line.marker)
    for reference in frame.references:
        if reference > 0:
            values.append(reference)
            plt.hline(scale(reference), color="red")
    if frame.x_range is not None:
        _x_axis(plt, frame, most=max(2, width // 8))
    if values:
        top = _y_axis(plt, values, log_y, rows=max(2, height - 4))
        for x, color in frame.marks:
            plt.text("▾", x, top, color=color)
        if cursor is not None:
            plt.vline(cursor, color="gray")


def _x_axis(plt: Any, frame: Frame, most: int) -> None:
    assert frame.x_range is not None
    lo, hi = frame.x_range
    if frame.unit == TIME:
        ticks, labels = time_ticks(lo if frame.zoomed else 0.0, hi, most)
        plt.xticks(ticks, labels)
        pad = (hi - lo) * 0.02 or 1.0
        plt.xlim(lo - pad if frame.zoomed else 0.0, hi + pad)
        return
    # Epochs and steps are whole numbers: ticks on them, half a unit of room at each end.
    int_ticks = round_ticks(math.ceil(lo) if frame.zoomed else 0, math.floor(hi), most)
    plt.xticks(int_ticks, [str(x) for x in int_ticks])
    plt.xlim(lo - 0.5 if frame.zoomed else 0.5, hi + 0.5)


def _y_axis(plt: Any, values: list[float], log_y: bool, rows: int) -> float:
    """Ticks and limits of the y axis over `values`; returns the top edge (where marks go)."""
    lo, hi = min(values), max(values)
    if log_y:
        if hi / lo < 2:
            lo, hi = lo / 1.5, hi * 1.5
        ticks = spread(log_ticks(lo, hi), lo, hi, rows=rows)
        plt.yticks([math.log10(t) for t in ticks], [tick_text(t) for t in ticks])
        top = math.log10(hi) + 0.04 * math.log10(hi / lo)
        plt.ylim(math.log10(lo), top)
        return top
    if hi - lo < 1e-9 * max(1.0, hi):
        lo, hi = lo * 0.5, hi * 1.5
    ticks = linear_ticks(lo, hi, most=max(2, rows // 2))
    plt.yticks(ticks, [tick_text(t) for t in ticks])
    top = hi + 0.04 * (hi - lo)
    plt.ylim(lo, top)
    return top
