"""What one frame of the plot shows, computed from the runs and the user's controls before
anything is drawn: the lines (smoothed, with the raw ones to draw faint behind), the red lines,
the lr marks and the x range. Kept apart from plotext so a test can read what is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from tui.widgets.curve_axes import thin
from tui.widgets.curve_controls import LAST, ZOOM_EPOCHS, PlotControls, smooth
from tui.widgets.curve_readout import baselines, clip_line
from tui.widgets.curve_series import GRAD_NORM, PER_STEP, RunSeries, x_unit


@dataclass(frozen=True)
class Line:
    run_id: int
    color: str
    xs: list[float]
    ys: list[float]  # the values (the drawing takes their log10 on a log axis)
    marker: str  # plotext's: "braille" for a curve, "dot" for held-out points
    raw: bool = False  # the unsmoothed curve, drawn faint behind the smoothed one
    sets_scale: bool = True  # False: a diverged run's, drawn where the others' y axis has room


@dataclass
class Frame:
    unit: str  # what the x axis counts: epoch, step or time
    x_range: tuple[float, float] | None = None  # the x values shown; None: no points yet
    zoomed: bool = False  # the range is a part of the data (last epochs or a chosen range)
    lines: list[Line] = field(default_factory=list)
    references: list[float] = field(default_factory=list)  # red lines: baselines or clip θ
    marks: list[tuple[float, str]] = field(default_factory=list)  # lr changes: (x, colour)
    off_scale: list[str] = field(default_factory=list)  # diverged runs above the y axis (labels)


def shown(runs: list[RunSeries]) -> list[RunSeries]:
    """The runs drawn: not hidden by the user, not left out for want of colours."""
    return [run for run in runs if not run.hidden and not run.dropped]


def positions(runs: list[RunSeries], view: str, axis: str) -> list[float]:
    """Every x value a shown run has a point at, in order: where the cursor can stop."""
    return sorted({x for run in shown(runs) for x in run.xs(view, axis)})


def x_range(runs: list[RunSeries], view: str, controls: PlotControls) -> tuple[float, float] | None:
    """The part of the x axis the plot shows: all of the data, its last ZOOM_EPOCHS epochs
    (the epoch views), or the chosen range."""
    xs = positions(runs, view, controls.x_axis)
    if not xs:
        return None
    if isinstance(controls.zoom, tuple):
        return controls.zoom
    if controls.zoom == LAST and view != PER_STEP:
        last_epoch = max(run.epochs[-1] for run in shown(runs) if run.epochs)
        first = max(1, last_epoch - ZOOM_EPOCHS + 1)
        lo = min(
            x
            for run in shown(runs)
            for epoch, x in zip(run.epochs, run.epoch_xs(controls.x_axis), strict=False)
            if epoch >= first
        )
        return lo, xs[-1]
    return xs[0], xs[-1]


def cursor_stops(runs: list[RunSeries], view: str, controls: PlotControls) -> list[float]:
    """The x values the cursor can stop at: the shown runs' points inside the shown range."""
    shown = x_range(runs, view, controls)
    xs = positions(runs, view, controls.x_axis)
    return [x for x in xs if shown is None or shown[0] <= x <= shown[1]]


def frame(runs: list[RunSeries], view: str, controls: PlotControls, width: int) -> Frame:
    axis = controls.x_axis
    out = Frame(unit=x_unit(view, axis), x_range=x_range(runs, view, controls))
    out.zoomed = controls.zoom is not None and out.x_range is not None and (
        isinstance(controls.zoom, tuple) or view != PER_STEP
    )
    if runs:
        out.references = (
            clip_line(runs) if view == GRAD_NORM else [float(v) for _, v in baselines(runs)]
        )
    if out.x_range is None:
        return out
    lo, hi = out.x_range
    for run in shown(runs):
        for xs, ys, marker in run.lines(view, axis):
            smoothed = smooth(ys, controls.smoothing)
            if controls.smoothing > 0:
                out.lines.extend(_line(run, xs, ys, marker, lo, hi, width, raw=True))
            out.lines.extend(_line(run, xs, smoothed, marker, lo, hi, width, raw=False))
        if view != PER_STEP:
            at = dict(zip(run.epochs, run.epoch_xs(axis), strict=False))
            out.marks.extend(
                (at[epoch], run.color) for epoch, _ in run.lr_changes() if lo <= at[epoch] <= hi
            )
    # plotext draws later lines over earlier ones: the held-out dots (whole cells) first, so no
    # run's dots hide a training curve (its own or another's), then the faint raw curves.
    out.lines.sort(key=lambda line: (line.marker != "dot", not line.raw))
    out.off_scale = _off_scale(out, shown(runs))
    return out


def _off_scale(out: Frame, runs: list[RunSeries]) -> list[str]:
    """A diverged run's last perplexities (1e11 beside 300) would squeeze every other curve
    into the bottom rows: the y axis is set by the runs that did not diverge (their lines'
    sets_scale), the diverged ones go off its top. Returns the labels of those that do."""
    steady = [y for line in out.lines if line.sets_scale for y in line.ys]
    if not steady:  # only diverged runs: they set the axis themselves
        out.lines = [replace(line, sets_scale=True) for line in out.lines]
        return []
    top = max(steady + out.references)
    above = {line.run_id for line in out.lines if not line.sets_scale and max(line.ys) > top}
    return [run.short_label for run in runs if run.run_id in above]


def _line(run: RunSeries, xs: list[float], ys: list[float], marker: str, lo: float, hi: float,
          width: int, raw: bool) -> list[Line]:
    """The points of one line inside [lo, hi] that a log axis can place, thinned to the
    columns; no line when none is left."""
    pts = [
        (x, y)
        for x, y in zip(xs, ys, strict=False)
        if lo <= x <= hi and y > 0 and math.isfinite(y)
    ]
    if not pts:
        return []
    kept_x, kept_y = thin([p[0] for p in pts], [p[1] for p in pts], width)
    return [Line(run.run_id, run.color, kept_x, kept_y, marker, raw, sets_scale=not run.diverged)]
