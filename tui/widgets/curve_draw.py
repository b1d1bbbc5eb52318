"""Drawing a computed frame (curve_frame.Frame) with plotext: the lines, the red lines, the lr
marks on the top edge, the ticks of both axes and the cursor.

A log axis is done by hand (plot log10 values, label ticks with real ones): plotext's own log
scale re-applies itself on every build.
"""

from __future__ import annotations

import math
import sys
from typing import Any

from tui.numbers import tick_text
from tui.widgets.curve_axes import linear_ticks, log_ticks, round_ticks, spread, time_ticks
from tui.widgets.curve_controls import TIME
from tui.widgets.curve_frame import Frame

LINEAR_MAX = 1e290  # the largest value a linear axis draws (off its scale past that)

# The raw curve behind a smoothed one: each run colour's dim version (xterm-256 indices), so
# the raw line reads as its run's without competing with the smoothed one.
FAINT = {"cyan": 23, "orange": 94, "green": 22, "magenta": 53, "yellow": 58}


def draw(plt: Any, frame: Frame, size: tuple[int, int], log_y: bool,
         cursor: float | None) -> None:
    """Draw `frame` on a cleared plotext figure of `size` (columns, rows); `cursor`: where the
    cursor line goes, None for none. With no line to draw, nothing is: a red line alone set
    the y axis around itself and labelled values no run had."""
    if not frame.lines:
        return
    width, height = size
    scale = (lambda y: math.log10(y)) if log_y else (lambda y: y)
    # plotext scales linear values by 1e8 as it rounds them: past LINEAR_MAX that overflows.
    most = math.inf if log_y else LINEAR_MAX
    values: list[float] = []  # what sets the y axis (a diverged run's lines do not)
    for line in frame.lines:
        points = [(x, y) for x, y in zip(line.xs, line.ys, strict=True)
                  if y <= most and abs(x) <= LINEAR_MAX]  # the x axis is linear  # fmt: skip
        if not points:
            continue
        if line.sets_scale:
            values.extend(y for _, y in points)
        color = FAINT.get(line.color, "gray") if line.raw else line.color
        plt.plot([x for x, _ in points], [scale(y) for _, y in points], color=color,
                 marker=line.marker)  # fmt: skip
    references = [r for r in frame.references if 0 < r <= min(most, sys.float_info.max)]
    if not values:
        return
    for reference in references:
        plt.hline(scale(reference), color="red")
    if frame.x_range is not None:
        _x_axis(plt, frame, most=max(2, width // 8))
    top = _y_axis(plt, values + references, references, log_y, rows=max(2, height - 4),
                  marks=bool(frame.marks))
    for x, color in frame.marks:
        plt.text("▾", x, top, color=color)
    for x, color in _off_top(frame, scale, top):
        plt.text("↑", x, top, color=color)
    if cursor is not None:
        plt.vline(cursor, color="gray")


def _off_top(frame: Frame, scale: Any, top: float) -> list[tuple[float, str]]:
    """Where each diverged run's curve first leaves the top of the y axis: (x, its colour)."""
    out: dict[int, tuple[float, str]] = {}
    for line in frame.lines:
        if line.sets_scale or line.raw or line.run_id in out:
            continue
        above = next((x for x, y in zip(line.xs, line.ys, strict=True) if scale(y) > top), None)
        if above is not None:
            out[line.run_id] = (above, line.color)
    return list(out.values())


def _x_axis(plt: Any, frame: Frame, most: int) -> None:
    assert frame.x_range is not None
    lo, hi = max(frame.x_range[0], -LINEAR_MAX), min(frame.x_range[1], LINEAR_MAX)
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


def _y_axis(plt: Any, values: list[float], references: list[float], log_y: bool, rows: int,
            marks: bool) -> float:
    """Ticks and limits of the y axis over `values` (finite and positive: the frame keeps no
    others), the red lines' values labelled first; returns the top edge, where the lr marks go.
    With marks, the top edge is a row of its own above every point: on the highest point's row
    a mark hid the held-out dot there."""
    lo, hi = min(values), max(values)
    reserve = 1 / (rows - 1) if marks and rows > 2 else 0.04  # of the span, above the top
    if log_y:
        if hi / lo < 2:
            lo, hi = lo / 1.5, min(hi * 1.5, sys.float_info.max)
        ticks = spread(log_ticks(lo, hi), lo, hi, rows=rows, first=references)
        plt.yticks([math.log10(t) for t in ticks], [tick_text(t) for t in ticks])
        bottom = math.log10(lo)
        top = math.log10(hi) + reserve * (math.log10(hi) - bottom)
        plt.ylim(bottom, top)
        return top
    if hi - lo < 1e-9 * max(1.0, hi):
        lo, hi = lo * 0.5, min(hi * 1.5, sys.float_info.max)
    ticks = linear_ticks(lo, hi, most=max(2, rows // 2))
    plt.yticks(ticks, [tick_text(t) for t in ticks])
    top = min(hi + reserve * (hi - lo), sys.float_info.max)
    plt.ylim(lo, top)
    return top
