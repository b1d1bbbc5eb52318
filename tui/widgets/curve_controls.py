"""What the user chose about the plot: smoothing, the y scale, the x axis and the zoom.

Smoothing is TensorBoard's exponential moving average, debiased so the first points are not
pulled toward zero (tensorboard/webapp/widgets/line_chart_v2/lib/data_transformer.ts does the
same): a run's curve keeps its start where it is. The raw curve stays, faint, behind it.

The x axis counts epochs, optimizer steps or wall time (the epochs' seconds summed: time spent
training, without pauses). A zoom is the last ZOOM_EPOCHS epochs or a range of the x axis in its
unit; changing the unit drops a range, which would mean something else in the new one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SMOOTHING_STEPS = (0.0, 0.6, 0.9)  # what the smoothing key steps through
EPOCH, STEP, TIME = "epoch", "step", "time"
X_AXES = (EPOCH, STEP, TIME)
ZOOM_EPOCHS = 50  # the "last N epochs" zoom
LAST = "last"  # the zoom that shows the last ZOOM_EPOCHS epochs


def smooth(values: list[float], weight: float) -> list[float]:
    """TensorBoard's smoothing: an exponential moving average with the zero start debiased.
    Non-finite values pass through without entering the average; weight 0 changes nothing."""
    if weight <= 0:
        return list(values)
    out = []
    last, count = 0.0, 0
    for value in values:
        if not math.isfinite(value):
            out.append(value)
            continue
        last = last * weight + (1 - weight) * value
        count += 1
        out.append(last / (1 - weight**count))
    return out


def smooth_gaps(values: list[float | None], weight: float) -> list[float | None]:
    """`smooth` over the values present, the gaps (epochs without one) kept where they are."""
    present = smooth([v for v in values if v is not None], weight)
    it = iter(present)
    return [None if v is None else next(it) for v in values]


@dataclass
class PlotControls:
    smoothing: float = 0.0
    log_y: bool = True
    x_axis: str = EPOCH
    # None: every point; LAST: the last ZOOM_EPOCHS epochs; (lo, hi): a range of the x axis
    zoom: None | str | tuple[float, float] = None

    def next_smoothing(self) -> float:
        i = SMOOTHING_STEPS.index(self.smoothing) if self.smoothing in SMOOTHING_STEPS else -1
        self.smoothing = SMOOTHING_STEPS[(i + 1) % len(SMOOTHING_STEPS)]
        return self.smoothing

    def toggle_scale(self) -> bool:
        self.log_y = not self.log_y
        return self.log_y

    def next_x_axis(self) -> str:
        self.x_axis = X_AXES[(X_AXES.index(self.x_axis) + 1) % len(X_AXES)]
        if isinstance(self.zoom, tuple):
            self.zoom = None
        return self.x_axis

    def toggle_last(self) -> None:
        """All points <-> the last ZOOM_EPOCHS epochs; a range goes back to all."""
        self.zoom = LAST if self.zoom is None else None

    def set_end(self, at: float, which: int, data: tuple[float, float]) -> bool:
        """Set the range's start (which 0) or end (1) at `at`; the other end stays where the
        view is now (the data's end when not zoomed to a range). False: an empty range."""
        lo, hi = self.zoom if isinstance(self.zoom, tuple) else data
        lo, hi = (at, hi) if which == 0 else (lo, at)
        if lo > hi:
            lo, hi = hi, lo
        if hi <= lo:
            return False
        self.zoom = (lo, hi)
        return True

    def zoom_around(self, at: float, factor: float, shown: tuple[float, float],
                    data: tuple[float, float]) -> None:
        """Scale the shown span by `factor` (0.5: zoom in), the cursor `at` keeping its place
        across the plot, the span slid back inside the data; all of the data is no zoom."""
        lo, hi = shown
        share = (at - lo) / (hi - lo) if hi > lo else 1.0
        span = min((hi - lo) * factor, data[1] - data[0])
        new_lo = at - share * span
        new_lo = min(max(new_lo, data[0]), data[1] - span)
        new_hi = new_lo + span
        if new_lo <= data[0] and new_hi >= data[1]:
            self.zoom = None
        elif new_hi > new_lo:
            self.zoom = (new_lo, new_hi)
