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
_ZOOM_KEY = "^z zoom"  # as the footer writes ctrl
_HINT = " · ←/→"  # the cursor's keys, after its readout


def fitted(parts: list[str], room: int, keep: int = 1) -> str:
    """`parts` joined by " · ", the last ones dropped while the text is wider than `room`
    (columns); the first `keep` stay whatever their width (the border cuts them)."""
    while len(parts) > keep and len(" · ".join(parts)) > room:
        parts = parts[:-1]
    return " · ".join(parts)


def title(view: str, controls: PlotControls, room: int = 1_000, not_drawn: int = 0) -> str:
    """The view, its x axis and zoom, its scale and smoothing; then, as `room` allows, how many
    runs are not drawn, the held-out dots' legend and the keys that change the view."""
    scale = "log" if controls.log_y else "linear"
    smoothing = f", smoothing {controls.smoothing:g}" if controls.smoothing > 0 else ""
    runs = [f"{not_drawn} run{'s' * (not_drawn > 1)} not drawn"] if not_drawn else []
    if view == PER_STEP:
        span = "per optimizer step"
        if isinstance(controls.zoom, tuple):
            span += f", {_range_text(STEP, controls.zoom)}"
        head = f"perplexity {span} ({scale}{smoothing})"
        return fitted([head, *runs, "F2 per epoch", _ZOOM_KEY], room)
    unit = x_unit(view, controls.x_axis)
    span = _PER[unit]
    if controls.zoom == LAST:
        span = f"last {ZOOM_EPOCHS} epochs" + ("" if unit == EPOCH else f" {span}")
    elif isinstance(controls.zoom, tuple):
        span = _range_text(unit, controls.zoom)
    if view == PERPLEXITY:
        head = f"perplexity {span} ({scale}{smoothing})"
        return fitted([head, *runs, "• held-out", "F2 grad norm", _ZOOM_KEY], room)
    head = f"grad norm before clipping {span} ({scale}{smoothing})"
    return fitted([head, *runs, "F2 per step", _ZOOM_KEY], room)


def _range_text(unit: str, zoom: tuple[float, float]) -> str:
    lo, hi = zoom
    if unit in _UNITS:
        return f"{_UNITS[unit]} {lo:.0f}-{hi:.0f}"
    return f"from {x_text(unit, lo)} to {x_text(unit, hi)}"


def readout(runs: list[RunSeries], view: str, at: float, controls: PlotControls,
            room: int = 1_000) -> str:
    """The values at `at` on the view's x axis, one per drawn run that has one, in the order
    given (the run the user looks at most first), then the cursor's keys; the runs past what
    `room` columns hold are counted ("+2 runs"), the keys dropped before the first run."""
    axis = controls.x_axis
    readings = [f"{run.short_label} {reading}" for run in runs
                if not (run.hidden or run.dropped)
                and (reading := run.reading(view, at, axis, controls.smoothing))]  # fmt: skip
    x = x_text(x_unit(view, axis), at)
    for n in range(len(readings), 0, -1):
        text = " · ".join([x, *readings[:n], *_more(len(readings) - n)])
        if len(text) + len(_HINT) <= room:
            return text + _HINT
    return " · ".join([x, *readings[:1], *_more(len(readings) - 1)]) if readings else x + _HINT


def _more(left: int) -> list[str]:
    return [f"+{left} run{'s' * (left > 1)}"] if left > 0 else []


def baselines(runs: list[RunSeries]) -> list[tuple[str, int]]:
    """Each corpus's uniform baseline (its vocabulary size, the perplexity of a model that knows
    nothing), once per corpus among the shown runs, in the order the runs came."""
    shown = [run for run in runs if not (run.hidden or run.dropped)] or runs[-1:]
    seen: list[tuple[str, int]] = []
    for run in shown:
        line = (corpus_name(run.corpus), run.vocab_size)
        if line not in seen:
            seen.append(line)
    return seen


def clip_line(runs: list[RunSeries]) -> list[float]:
    """The grad-norm view's red line: the newest run's clip threshold, none with clipping off."""
    return [] if runs[-1].clip is None else [runs[-1].clip]


def references_text(runs: list[RunSeries], view: str, off_scale: list[str] = ()) -> str:
    """What the red lines of the view are; first, the diverged runs whose curves leave the
    top of the y axis (it is set by the others), where the ↑ marks are."""
    off = f"↑ {', '.join(off_scale)} diverged: above the axis · " if off_scale else ""
    if view == GRAD_NORM:
        clip = runs[-1].clip
        return off + (
            "clipping off: no threshold" if clip is None else f"red: clip threshold θ = {clip:g}"
        )
    lines = baselines(runs)
    if len(lines) == 1:
        return off + f"red: uniform baseline = vocab {lines[0][1]}"
    # Runs on several corpora: each line named by its corpus (the y axis tells them apart).
    named = " · ".join(f"{name} {vocab}" for name, vocab in lines)
    return off + f"red: uniform baselines (vocab) · {named}"
