"""Which runs the plot draws when the session has more than it can tell apart: one colour each,
MAX_DRAWN at most. The runs the user is looking at come first, so a new run never pushes the
selected one off the plot: the selected run, the marked ones, those training, those with a curve
(a queued run has none yet), then the newest.
The others stay in the runs table, which says they are not drawn; the plot's title counts them.

A run keeps the colour it was given while it can: one drawn beside another of its colour (the
two were given it five runs apart) takes a colour no drawn run has, and the table and the
prompt follow it (they read it from the plot).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.widgets.curve_series import RunSeries

COLORS = ("cyan", "orange", "green", "magenta", "yellow")
MAX_DRAWN = len(COLORS)  # more curves than colours could not be told apart


@dataclass(frozen=True)
class Attention:
    """What the user looks at (from the core's summaries): the runs drawn first."""

    selected: int | None = None
    marked: frozenset[int] = field(default_factory=frozenset)
    training: frozenset[int] = field(default_factory=frozenset)


def first_free(runs: Iterable[RunSeries], fallback: int) -> str:
    """A colour no drawn run has (a new run's), else the palette's next in turn."""
    taken = {run.color for run in runs if not run.hidden and not run.dropped}
    return next((c for c in COLORS if c not in taken), COLORS[fallback % len(COLORS)])


def choose(runs: list[RunSeries], attention: Attention) -> list[RunSeries]:
    """Mark which of `runs` are drawn (the rest `dropped`; hidden ones are neither) and give the
    drawn ones distinct colours; returns the drawn runs, the one the user looks at most first.
    The selected and marked runs are drawn even past MAX_DRAWN (then colours repeat)."""
    def rank(i: int) -> tuple[bool, bool, bool, bool, int]:
        run_id = runs[i].run_id
        # A run with a curve before one with none yet (queued): the newest are queued ones
        # when a grid asks for more runs than train at once, and they pushed curves off.
        return (run_id == attention.selected, run_id in attention.marked,
                run_id in attention.training, runs[i].has_curve, i)  # fmt: skip

    candidates = sorted((i for i, run in enumerate(runs) if not run.hidden), key=rank,
                        reverse=True)  # fmt: skip
    always = [i for i in candidates if rank(i)[0] or rank(i)[1]]  # ranked first
    kept = set(candidates[: max(MAX_DRAWN, len(always))])
    drawn = [runs[i] for i in candidates if i in kept]
    for i, run in enumerate(runs):
        run.dropped = not run.hidden and i not in kept
    _distinct_colors(drawn)
    return drawn


def _distinct_colors(drawn: list[RunSeries]) -> None:
    """Recolour the drawn runs that share a colour with one drawn before them (in rank order)."""
    seen: set[str] = set()
    clashing = []
    for run in drawn:
        if run.color in seen:
            clashing.append(run)
        seen.add(run.color)
    free = [c for c in COLORS if c not in seen]
    for run, color in zip(clashing, free, strict=False):
        run.color = color
