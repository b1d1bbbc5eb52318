"""Where a keystroke's milliseconds go, for bench/ui_latency.py --stages.

Stamps each typed text at the stages of its way to the screen (wall clock, perf_counter):
  key     the prompt widget inserts the key (the UI thread; latency counts from here)
  start   the prompt thread begins the selected run's completion of that text
  done    that completion is reported (its first report: a view's inspection comes after it)
  ui      the UI thread takes the report (tui/reports.py)
  shown   the prompt renders the whole completion (the frame that shows it)
and the CPU time (thread_time) the UI thread spends from key to shown, and the prompt thread
from start to done: CPU time counts only what a thread ran, so it moves far less with the
machine's load than wall time, and wall minus CPU on the prompt thread is its wait for the GIL
and a core.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

STAGES = ("key", "start", "done", "ui", "shown")


class StageClock:
    """Stamps per typed text; `patch` wraps the app's prompt thread and report handler."""

    def __init__(self) -> None:
        self.wall: dict[str, dict[str, float]] = {}
        self.cpu: dict[str, dict[str, float]] = {}  # "key"/"shown": UI thread; "start"/"done"
        self._lock = threading.Lock()

    def stamp(self, stage: str, text: str) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        with self._lock:
            self.wall.setdefault(text, {}).setdefault(stage, now)
            self.cpu.setdefault(text, {}).setdefault(stage, cpu)

    def patch(self, app: Any) -> None:  # noqa: ANN401 - an RnnplayApp, imported late
        """Stamp `start` as the prompt thread begins the selected run's completion (the first
        followed), `done` at its first report (the views' report follows it), and `ui` when the
        UI thread takes a completion of the selected run."""
        follower = app.playground.prompt
        complete_one: Callable[..., None] = follower._complete_one
        report: Callable[[Any], None] = follower._report

        def timed_complete_one(one, text, length, decoding, views, **kw) -> None:  # noqa: ANN001
            if follower.following == one.source.run_id:
                self.stamp("start", text)
            complete_one(one, text, length, decoding, views, **kw)

        def timed_report(event) -> None:  # noqa: ANN001
            if event.follows == follower.following:
                self.stamp("done", event.text)
            report(event)

        follower._complete_one = timed_complete_one
        follower._report = timed_report
        reports = app.reports
        completion: Callable[..., None] = reports._completion

        def timed_completion(run_id, event, mine) -> None:  # noqa: ANN001
            if mine:
                self.stamp("ui", event.text)
            completion(run_id, event, mine)

        reports._completion = timed_completion
        reports._handlers[type_of_completion()] = timed_completion

    def report(self, texts: list[str]) -> list[str]:
        """Lines: p50/p90 of each stage-to-stage interval over `texts` (the timed keystrokes),
        and the threads' CPU per keystroke."""
        rows = []
        whole = [t for t in texts if all(s in self.wall.get(t, {}) for s in STAGES)]
        for a, b in zip(STAGES, STAGES[1:], strict=False):
            gaps = [(self.wall[t][b] - self.wall[t][a]) * 1000 for t in whole]
            rows.append(f"{a}->{b} {_p(gaps)}")
        lines = [f"stages, wall ms p50/p90 (n={len(whole)} of {len(texts)}): " + " · ".join(rows)]
        ui_cpu = [(self.cpu[t]["shown"] - self.cpu[t]["key"]) * 1000 for t in whole]
        prompt_cpu = [(self.cpu[t]["done"] - self.cpu[t]["start"]) * 1000 for t in whole]
        prompt_wait = [
            (self.wall[t]["done"] - self.wall[t]["start"]) * 1000 - c
            for t, c in zip(whole, prompt_cpu, strict=True)
        ]
        lines.append(
            f"CPU ms p50/p90: UI thread key->shown {_p(ui_cpu)} · prompt thread start->done "
            f"{_p(prompt_cpu)} (its wall minus CPU, waiting: {_p(prompt_wait)})"
        )
        return lines


def type_of_completion() -> type:
    from engine.playground.events import Completion

    return Completion


def _p(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return f"{statistics.median(values):.1f}/{p90:.1f}"
