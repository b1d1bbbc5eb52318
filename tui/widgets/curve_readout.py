"""The words on the plot's border: the view on top; below, the cursor's values or what the red
lines are.

Text inside the plot would cover the curves, so both are said on the border. Each value is named
with the view's quantity ("ppl", "grad norm") and its x with the view's unit (epoch or step).
"""

from __future__ import annotations

from tui.widgets.curve_controls import EPOCH, LAST, STEP, ZOOM_EPOCHS, PlotControls
from tui.widgets.curve_series import (
    GRAD_NORM,
    PER_STEP,
    PERPLEXITY,
    RunSeries,
    corpus_name,
    x_text,
    x_unit,
)

_PER = {EPOCH: "per epoch", STEP: "by step", "time": "by wall time"}
_UNITS = {EPOCH: "epochs", STEP: "steps"}
_KEYS = " · ctrl+z zoom"


def title(view: str, controls: PlotControls) -> str:
    """The view, its x axis and zoom, its scale and smoothing, and the keys that change it."""
    scale = "log" if controls.log_y else "linear"
    smoothing = f"; smoothing {controls.smoothing:g}" if controls.smoothing > 0 else ""
    if view == PER_STEP:
        span = "per optimizer step"
        if isinstance(controls.zoom, tuple):
            span += f", {_range_text(STEP, controls.zoom)}"
        return f"perplexity {span} ({scale}, smoothed{smoothing}) · F2 per epoch{_KEYS}"
    unit = x_unit(view, controls.x_axis)
    span = _PER[unit]
    if controls.zoom == LAST:
        span = f"last {ZOOM_EPOCHS} epochs" + ("" if unit == EPOCH else f" {span}")
    elif isinstance(controls.zoom, tuple):
        span = _range_text(unit, controls.zoom)
    if view == PERPLEXITY:
        return f"perplexity {span} ({scale}{smoothing}; dots: held-out) · F2 grad norm{_KEYS}"
    return f"grad norm before clipping {span} ({scale}{smoothing}) · F2 per step{_KEYS}"


def _range_text(unit: str, zoom: tuple[float, float]) -> str:
    lo, hi = zoom
    if unit in _UNITS:
        return f"{_UNITS[unit]} {lo:.0f}-{hi:.0f}"
    return f"from {x_text(unit, lo)} to {x_text(unit, hi)}"


def readout(runs: list[RunSeries], view: str, at: float, controls: PlotControls) -> str:
    """The values at `at` on the view's x axis, one per shown run that has one."""
    axis = controls.x_axis
    parts = [x_text(x_unit(view, axis), at)]
    for run in runs:
        reading = run.reading(view, at, axis, controls.smoothing) if not run.hidden else ""
        if reading:
            parts.append(f"{run.short_label} {reading}")
    return " · ".join(parts)


def baselines(runs: list[RunSeries]) -> list[tuple[str, int]]:
    """Each corpus's uniform baseline (its vocabulary size, the perplexity of a model that knows
    nothing), once per corpus among the shown runs, in the order the runs came."""
    shown = [run for run in runs if not run.hidden] or runs[-1:]
    seen: list[tuple[str, int]] = []
    for run in shown:
        line = (corpus_name(run.corpus), run.vocab_size)
        if line not in seen:
            seen.append(line)
    return seen


def clip_line(runs: list[RunSeries]) -> list[float]:
    """The grad-norm view's red line: the newest run's clip threshold, none with clipping off."""
    return [] if runs[-1].clip is None else [runs[-1].clip]


def references_text(runs: list[RunSeries], view: str) -> str:
    """What the red lines of the view are."""
    if view == GRAD_NORM:
        clip = runs[-1].clip
        return "clipping off: no threshold" if clip is None else f"red: clip threshold θ = {clip:g}"
    lines = baselines(runs)
    if len(lines) == 1:
        return f"red: uniform baseline = vocab {lines[0][1]}"
    # Runs on several corpora: each line named by its corpus (the y axis tells them apart).
    named = " · ".join(f"{name} {vocab}" for name, vocab in lines)
    return f"red: uniform baselines (vocab) · {named}"
