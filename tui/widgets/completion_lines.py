"""The prompt's lines for several runs: once runs are marked (m in the runs table), each one's
completion of the typed text, one line per run in its curve's colour, the selected run's first,
so that the same prompt reads side by side under each run's current weights.

Plain state and Text building for PromptPane (tui/widgets/prompt.py); the core computes every
completion (Playground.complete reports one Completion per run).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.color import Color

from engine.playground import RunSummary
from tui.labels import shown


def still_fits(done_for: str, completion: str, now: str) -> str:
    """What of a completion computed for `done_for` still continues `now`.

    If the user typed exactly what the model predicted, the rest of the old rollout is still
    the greedy answer, so it stays on screen instead of flickering off until the new one comes.
    """
    if now == done_for:
        return completion
    if now.startswith(done_for):
        typed = now[len(done_for) :]
        if completion.startswith(typed):
            return completion[len(typed) :]
    return ""


def shown_chars(completion: str, blanks: bool = True) -> str:
    """A line break (predicted or typed) would break the pane's layout, and a completion of
    nothing but spaces (what an early model often predicts) looks like none: both are shown as
    signs (the spaces only with `blanks`). One character each, so positions stay."""
    blank = blanks and bool(completion) and not completion.strip()
    return completion.translate({ord("\n"): "↵", **({ord(" "): "·"} if blank else {})})


def _rich(color: str | None) -> str:
    """A curve's colour (a Textual colour name such as "orange") as a Rich style's colour."""
    return Color.parse(color).hex if color else ""


@dataclass(frozen=True)
class RunLine:
    """A run with a line in the prompt: its id, label and curve colour."""

    run_id: int
    label: str
    color: str


@dataclass(frozen=True)
class _Shown:
    text: str  # the prompt text it completes
    completion: str
    error: str | None


class RunCompletions:
    """Which runs have a line (none while no run besides the selected one is marked), and the
    latest completion each run reported."""

    def __init__(self) -> None:
        self.runs: tuple[RunLine, ...] = ()
        self._shown: dict[int, _Shown] = {}

    def set_runs(
        self, runs: Sequence[RunSummary], selected: int | None, colors: Mapping[int, str]
    ) -> bool:
        """The lines for the marked runs, the selected one first; returns whether they
        changed."""
        first = [run for run in runs if run.id == selected]
        others = [run for run in runs if run.marked and run.id != selected]
        lines = tuple(
            RunLine(run.id, shown(run), _rich(colors.get(run.id))) for run in first + others
        )
        lines = lines if others else ()
        changed = lines != self.runs
        self.runs = lines
        return changed

    def show(self, run_id: int, text: str, completion: str, error: str | None) -> bool:
        """Keep a run's completion; returns whether it has a line (and the pane must repaint)."""
        self._shown[run_id] = _Shown(text, completion, error)
        return any(line.run_id == run_id for line in self.runs)

    def answered(self, now: str) -> bool:
        """Whether every run with a line has reported its completion of `now` (yes with none)."""
        return all(
            (shown := self._shown.get(line.run_id)) is not None and shown.text == now
            for line in self.runs
        )

    def visible(self, run_id: int, now: str) -> str:
        """The run's completion that still fits the typed text `now`."""
        shown = self._shown.get(run_id)
        return still_fits(shown.text, shown.completion, now) if shown is not None else ""

    def lines(self, now: str, width: int, sizing: bool) -> list[Text]:
        """One row per run (cut at the pane's width: rows stay aligned, one per run); with
        `sizing`, what the height is measured on."""
        label_width = max((len(line.label) for line in self.runs), default=0)
        out = []
        for line in self.runs:
            row = Text(no_wrap=True, overflow="ellipsis")
            row.append(line.label.ljust(label_width) + "  ", style=f"bold {line.color}".strip())
            shown = self._shown.get(line.run_id)
            if shown is not None and shown.error:
                row.append(f"completion failed: {shown.error}", style="red")
            elif not sizing:
                row.append(
                    shown_chars(self.visible(line.run_id, now)), style=f"italic {line.color}"
                )
            row.truncate(width, overflow="ellipsis")
            out.append(row)
        return out
