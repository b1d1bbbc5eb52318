"""The words on the plot's border: the view on top; below, the cursor's values or what the red
lines are.

Text inside the plot would cover the curves, so both are said on the border. Each value is named
with the view's quantity ("ppl", "grad norm") and its x with the view's unit (epoch or step).
"""

from __future__ import annotations

from tui.widgets.curve_series import GRAD_NORM, PERPLEXITY, RunSeries, corpus_name, x_unit


def title(view: str, zoomed: bool, zoom_epochs: int) -> str:
    """The view, its scale and the keys that change it."""
    span = f"last {zoom_epochs} epochs" if zoomed else "per epoch"
    if view == PERPLEXITY:
        return f"perplexity {span} (log; dots: held-out) · F2 grad norm · Z zoom"
    if view == GRAD_NORM:
        return f"grad norm before clipping {span} (log) · F2 per step · Z zoom"
    return "perplexity per optimizer step (log, smoothed) · F2 per epoch"


def readout(runs: list[RunSeries], view: str, at: int) -> str:
    """The values at `at` on the view's x axis, one per shown run that has one."""
    parts = [f"{x_unit(view)} {at}"]
    for run in runs:
        reading = run.reading(view, at) if not run.hidden else ""
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
