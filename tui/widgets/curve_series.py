"""What the plot keeps of each run: its per-epoch numbers and its batch reports, and what they
read at a point of the plot's x axis in each view.

The plot has three views: perplexity per epoch (held-out perplexity as dots), the gradient norm
before clipping per epoch, and perplexity per optimizer step (a moving average of the batch
losses). Epoch views share an x axis of epochs, the per-step view one of optimizer steps.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from pathlib import PurePath

from tui.numbers import tick_text

PERPLEXITY, GRAD_NORM, PER_STEP = "perplexity", "grad norm", "per step"
VIEWS = (PERPLEXITY, GRAD_NORM, PER_STEP)
SMOOTHING = 0.2  # weight of the newest batch report in the per-step curve's moving average


def x_unit(view: str) -> str:
    """What the view's x axis counts."""
    return "step" if view == PER_STEP else "epoch"


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
    val: list[float | None] = field(default_factory=list)  # held-out perplexity per epoch
    steps: list[int] = field(default_factory=list)  # optimizer step of each batch report
    step_loss: list[float] = field(default_factory=list)  # mean loss of the batches it covers
    long_epochs: bool = False  # an epoch took LONG_EPOCH_S or more: per-step view by default
    color: str = "cyan"
    ended: str = ""  # "diverged in epoch 3": said on the plot when there is no curve to show
    hidden: bool = False

    @property
    def short_label(self) -> str:
        return self.label.split()[0]

    def lr_changes(self) -> list[tuple[int, float]]:
        return [
            (self.epochs[i], self.lr[i])
            for i in range(1, len(self.lr))
            if not math.isclose(self.lr[i], self.lr[i - 1], rel_tol=1e-9)
        ]

    def step_perplexity(self) -> list[float]:
        """Perplexity per batch report, from the moving average of the losses (one report is
        the mean of a few batches: raw, the curve is mostly noise)."""
        smooth: float | None = None
        out = []
        for loss in self.step_loss:
            smooth = loss if smooth is None else SMOOTHING * loss + (1 - SMOOTHING) * smooth
            out.append(math.exp(min(smooth, 700.0)))  # exp(710) overflows a float
        return out

    def lines(self, view: str) -> list[tuple[list[int], list[float], str]]:
        """The run's lines in `view`, as (x, y, plotext marker)."""
        if view == PER_STEP:
            return [(self.steps, self.step_perplexity(), "braille")]
        if view == GRAD_NORM:
            return [(self.epochs, self.grad_norm, "braille")]
        val = [(x, y) for x, y in zip(self.epochs, self.val, strict=False) if y is not None]
        lines = [(self.epochs, self.perplexity, "braille")]
        if val:
            lines.append(([x for x, _ in val], [y for _, y in val], "dot"))
        return lines

    def xs(self, view: str) -> list[int]:
        return self.steps if view == PER_STEP else self.epochs

    def reading(self, view: str, at: int) -> str:
        """What the run's curve reads at `at` (an epoch, or a step in the per-step view), named
        and in the view's unit; "" where the run has no value there."""
        if view == PER_STEP:
            # Batch reports land on irregular steps: the last one at or before the cursor.
            i = bisect.bisect_right(self.steps, at) - 1
            return f"ppl {tick_text(self.step_perplexity()[i])}" if i >= 0 else ""
        if at not in self.epochs:
            return ""
        i = self.epochs.index(at)
        if view == GRAD_NORM:
            return f"grad norm {tick_text(self.grad_norm[i])}"
        val = self.val[i]
        held_out = f" · held-out {tick_text(val)}" if val is not None else ""
        return f"ppl {tick_text(self.perplexity[i])}{held_out}"
