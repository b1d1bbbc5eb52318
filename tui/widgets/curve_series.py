"""What the plot keeps of each run: its per-epoch numbers and its batch reports, and what they
read at a point of the plot's x axis in each view.

The plot has three views: perplexity per epoch (held-out perplexity as dots), the gradient norm
before clipping per epoch, and perplexity per optimizer step (each point a batch report: the
mean loss of the batches since the one before). Epoch views put each epoch's point at its
epoch, its optimizer step or the wall time its run had trained by then; the per-step view counts
optimizer steps.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from pathlib import PurePath

from engine.playground.events import EpochEnd
from tui.numbers import tick_text
from tui.widgets.curve_controls import EPOCH, STEP, TIME, smooth, smooth_gaps

PERPLEXITY, GRAD_NORM, PER_STEP = "perplexity", "grad norm", "per step"
VIEWS = (PERPLEXITY, GRAD_NORM, PER_STEP)


def x_unit(view: str, axis: str = EPOCH) -> str:
    """What the view's x axis counts: the chosen axis, but always steps in the per-step view
    (its batch reports carry no time)."""
    return STEP if view == PER_STEP else axis


def x_text(unit: str, at: float) -> str:
    """A point of the x axis as the readout names it: "epoch 6", "step 480", "12.3 s"."""
    if unit == TIME:
        return time_text(at)
    return f"{unit} {at:g}"


def time_text(seconds: float) -> str:
    """Wall time read at the cursor: seconds with a decimal, minutes past two of them."""
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:04.1f} s"


def corpus_name(spec: str) -> str:
    """A corpus as the plot names it: a built-in's name, a file's name without its folders."""
    return PurePath(spec).name or spec


@dataclass
class RunSeries:
    run_id: int
    label: str
    vocab_size: int
    clip: float | None  # the clip threshold θ; None: clipping off (no red line)
    corpus: str = ""  # the corpus spec the run trains on ("jaychou", a path...)
    epochs: list[int] = field(default_factory=list)
    perplexity: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epoch_steps: list[int] = field(default_factory=list)  # optimizer steps when each epoch ended
    seconds: list[float] = field(default_factory=list)  # each epoch's wall time
    val: list[float | None] = field(default_factory=list)  # held-out perplexity per epoch
    steps: list[int] = field(default_factory=list)  # optimizer step of each batch report
    step_loss: list[float] = field(default_factory=list)  # mean loss of the batches it covers
    long_epochs: bool = False  # an epoch took LONG_EPOCH_S or more: per-step view by default
    color: str = "cyan"
    ended: str = ""  # "diverged in epoch 3": said on the plot when there is no curve to show
    hidden: bool = False
    dropped: bool = False  # not drawn: more runs than the plot can tell apart (curve_choice)
    diverged: bool = False  # its last points do not set the y axis (curve_frame.off_scale)
    diverged_lr: float | None = None  # the lr a diverged run trained at when it diverged

    def add_epoch(self, point: EpochEnd) -> None:
        self.epochs.append(point.epoch)
        self.perplexity.append(point.perplexity)
        self.grad_norm.append(point.grad_norm)
        self.lr.append(point.lr)
        self.epoch_steps.append(point.step)
        self.seconds.append(point.seconds)
        self.val.append(point.val_perplexity)

    @property
    def has_curve(self) -> bool:
        """Whether it has a point to draw in some view (a queued run has none)."""
        return bool(self.epochs or self.steps)

    @property
    def short_label(self) -> str:
        return self.label.split()[0]

    def lr_changes(self) -> list[tuple[int, float]]:
        """(epoch, lr) where the lr changed: at the first epoch that trained at the new one.
        A change that made the run diverge ends no epoch (the guard stops it first), so no
        record carries it: it is marked at the run's last epoch, where its curve ends."""
        changes = [
            (self.epochs[i], self.lr[i])
            for i in range(1, len(self.lr))
            if not math.isclose(self.lr[i], self.lr[i - 1], rel_tol=1e-9)
        ]
        lr = self.diverged_lr
        if lr is not None and self.lr and not math.isclose(lr, self.lr[-1], rel_tol=1e-9):
            changes.append((self.epochs[-1], lr))
        return changes

    def step_perplexity(self) -> list[float]:
        """Perplexity per batch report, as it came: the user's smoothing (ctrl+g) smooths it as
        it does every view, and the title and readout say so. A moving average of its own,
        always on, made the title say "smoothed" with smoothing at 0 and the readout give no
        raw value beside the one drawn."""
        return [math.exp(min(loss, 700.0)) for loss in self.step_loss]  # exp(710) overflows

    def epoch_xs(self, axis: str) -> list[float]:
        """Where each epoch's point goes on an x axis counting `axis`."""
        if axis == STEP:
            return [float(step) for step in self.epoch_steps]
        if axis == TIME:
            return list(itertools.accumulate(self.seconds))
        return [float(epoch) for epoch in self.epochs]

    def xs(self, view: str, axis: str = EPOCH) -> list[float]:
        return [float(s) for s in self.steps] if view == PER_STEP else self.epoch_xs(axis)

    def lines(self, view: str, axis: str = EPOCH) -> list[tuple[list[float], list[float], str]]:
        """The run's lines in `view` (raw), as (x, y, plotext marker)."""
        xs = self.xs(view, axis)
        if view == PER_STEP:
            return [(xs, self.step_perplexity(), "braille")]
        if view == GRAD_NORM:
            return [(xs, self.grad_norm, "braille")]
        val = [(x, y) for x, y in zip(xs, self.val, strict=False) if y is not None]
        lines = [(xs, self.perplexity, "braille")]
        if val:
            lines.append(([x for x, _ in val], [y for _, y in val], "dot"))
        return lines

    def reading(self, view: str, at: float, axis: str = EPOCH, smoothing: float = 0.0) -> str:
        """What the run's curve reads at `at` on the view's x axis, named, smoothed as drawn
        (the raw value beside it); "" where the run has no value there."""
        xs = self.xs(view, axis)
        if x_unit(view, axis) == EPOCH:
            i = self.epochs.index(int(at)) if at in self.epochs else -1
        elif xs and at <= xs[-1]:
            # Batch reports and epoch ends of several runs land on different x values: the
            # run's last point at or before the cursor.
            i = bisect.bisect_right(xs, at) - 1
        else:
            i = -1
        if i < 0:
            return ""
        if view == PER_STEP:
            return _value("ppl", self.step_perplexity(), i, smoothing)
        epoch = f"epoch {self.epochs[i]} " if axis != EPOCH else ""
        if view == GRAD_NORM:
            return epoch + _value("grad norm", self.grad_norm, i, smoothing)
        val = smooth_gaps(self.val, smoothing)[i]
        held_out = f" · held-out {tick_text(val)}" if val is not None else ""
        return epoch + _value("ppl", self.perplexity, i, smoothing) + held_out


def _value(name: str, values: list[float], i: int, smoothing: float) -> str:
    """A named value as drawn; smoothed, with the raw one beside it as TensorBoard shows it."""
    if smoothing <= 0:
        return f"{name} {tick_text(values[i])}"
    return f"{name} {tick_text(smooth(values, smoothing)[i])} (raw {tick_text(values[i])})"
