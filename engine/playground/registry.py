"""The runs of one session of rnnplay: who they are (ids, unique labels), which one is selected,
and what each may do now (engine.playground.lifecycle's table), all under one lock, since the
trainer threads, the loader, save jobs and a UI reach them at once.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.playground.labels import label_now, run_name, run_tag
from engine.playground.lifecycle import Action, UnsavedPolicy
from engine.playground.runs import Run, RunSummary, summarize
from engine.training.events import RunState

_TROUBLE = (RunState.DIVERGED, RunState.FAILED)


@dataclass(frozen=True)
class ClearPlan:
    """The runs that clearing would remove (those done for good, except the selected one),
    split by whether a file holds all of their training."""

    saved: tuple[RunSummary, ...]
    unsaved: tuple[RunSummary, ...]


class Registry:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.runs: dict[int, Run] = {}
        self.selected: int | None = None  # what save, train-on and the prompt act on
        self._last_id = 0
        # Every "#N" a label has used in this session: a new run never gets one of them, also
        # after its run is removed, so "#1" in the log and the samples always means one run.
        self._numbers: set[int] = set()
        # The file each removed run was bound to, by its number (None: none): a run loaded
        # from it is that run come back, and keeps its number.
        self._gone: dict[int, tuple[str, Path | None]] = {}

    # -- joining and leaving ----------------------------------------------------------------
    def add(
        self, run: Run, saved_label: str = "", *, select: bool = True, tag: str = ""
    ) -> Path | None:
        """Give `run` its id and a unique label, and select it (unless `select` is False and
        another run is selected). A loaded run keeps the label it was saved under (its samples
        say it); where a run on screen has its number, or the number named another run of this
        session (_may_keep), it gets a new number and keeps the rest ("#6 scratch·lr 10" comes
        back as "#7 scratch·lr 10"). A new run is named by its model
        and what sets it apart (labels.run_tag): `tag`, what tells it from the others of its
        grid ("lr 10"), then the settings where it differs from a run on screen.

        No two runs here are bound to one file: each saves to its own, and a second run saving
        there overwrote the first one's training without a word. A run loaded from a file that
        a run here is bound to (or the same file loaded again) is bound to none: its saves go
        to a new file. Returns that file in that case (None: the run keeps its file)."""
        with self.lock:
            self._last_id += 1
            run.id = self._last_id
            source = run.path
            shared = self.holder(source) if source is not None else None
            if shared is not None:
                run.path = None
            run.label = self._label(saved_label, run, tag, source)
            self.runs[run.id] = run
            if select or self.selected is None:
                self.selected = run.id
            return shared.path if shared is not None else None

    def _may_keep(self, number: int, label: str, source: Path | None) -> bool:
        """Whether a run loaded from `source` under `label` keeps its number: no run on screen
        has it, and it named no other run of this session (it is unused, or the removed run
        it named was bound to this file under this label: the same run come back)."""
        if number in {number_of(r.label) for r in self.runs.values()}:
            return False
        if number not in self._numbers:
            return True
        gone_label, gone_path = self._gone.get(number, ("", None))
        return (gone_label == label and gone_path is not None and source is not None
                and same_file(gone_path, source))  # fmt: skip

    def holder(self, path: Path, but: Run | None = None) -> Run | None:
        """The run here (other than `but`) bound to the file `path`, if any."""
        with self.lock:
            return next((r for r in self.runs.values()
                         if r is not but and r.path is not None and same_file(r.path, path)),
                        None)  # fmt: skip

    def _label(self, saved: str, run: Run, tag: str, source: Path | None) -> str:
        kept = re.match(r"#(\d+) (.+)", saved)
        if kept and self._may_keep(int(kept.group(1)), saved, source):
            self._numbers.add(int(kept.group(1)))
            return saved
        number = max(self._numbers, default=0) + 1
        self._numbers.add(number)
        if kept:  # its number is taken: renumbered only, the rest is what tells it apart
            return f"#{number} {kept.group(2)}"
        others = [(r.corpus, r.trainer.config) for r in self.runs.values()]
        name = run_name(run.trainer.config.model, run_tag(run.corpus, run.trainer.config,
                                                          others, tag, number))  # fmt: skip
        return f"#{number} {name}"

    def take(self, run_id: int, unsaved: UnsavedPolicy) -> tuple[str | None, Run | None]:
        """Drop a run if its state allows and, with unsaved training, only under DISCARD.
        Returns (why not, None) or (None, the run selected now, if the selection moved to the
        newest one left)."""
        with self.lock:
            run = self.runs.get(run_id)
            if run is None:
                return f"no run #{run_id}", None
            why_not = self.why_not(run, Action.REMOVE)
            if why_not is None and run.unsaved and unsaved != UnsavedPolicy.DISCARD:
                why_not = (f"{name_now(run)} has training no file holds: save it first, "
                           "or discard it")
            if why_not is not None:
                return why_not, None
            del self.runs[run_id]
            number = number_of(run.label)
            if number is not None:
                self._gone[number] = (run.label, run.path)
            if self.selected != run_id:
                return None, None
            self.selected = max(self.runs, default=None)
            return None, self.runs.get(self.selected) if self.selected is not None else None

    # -- reading ------------------------------------------------------------------------------
    def get(self, run_id: int | None) -> Run | None:
        with self.lock:
            return self.runs.get(run_id) if run_id is not None else None

    def chosen(self) -> Run | None:
        """The selected run."""
        return self.get(self.selected)

    def training(self) -> list[Run]:
        """The runs that hold a trainer thread (running or paused), oldest first."""
        with self.lock:
            return [r for r in self.runs.values() if r.state.active]

    def running(self) -> list[Run]:
        """The runs training now, not paused (a paused run holds its thread but trains
        nothing: the queue does not wait for it)."""
        with self.lock:
            return [r for r in self.runs.values() if r.state == RunState.RUNNING]

    def summaries(self) -> list[RunSummary]:
        with self.lock:
            return [summarize(run) for run in self.runs.values()]

    def summary(self, run_id: int) -> RunSummary | None:
        with self.lock:
            run = self.runs.get(run_id)
            return summarize(run) if run is not None else None

    def clear_plan(self) -> ClearPlan:
        with self.lock:
            done = [
                summarize(r)
                for r in self.runs.values()
                if (r.allows(Action.CLEAR) or _loaded_finished(r)) and r.id != self.selected
            ]
        return ClearPlan(
            saved=tuple(s for s in done if not s.unsaved),
            unsaved=tuple(s for s in done if s.unsaved),
        )

    # -- the lifecycle ------------------------------------------------------------------------
    @staticmethod
    def why_not(run: Run, action: Action) -> str | None:
        """None if the run's state allows `action`, else why not in a line."""
        if run.allows(action):
            return None
        if run.state.active:
            done = action == Action.TRAIN_ON
            return f"{name_now(run)} is {run.state}" + (" already" if done else ": stop it first")
        return f"{name_now(run)} is {run.state}: it cannot {action}"

    def claim(self, run_id: int) -> Run | None:
        """Mark a run as training, if it is still here and may train on (its trainer thread
        calls this just before training it, so a remove meanwhile cannot pull it away)."""
        with self.lock:
            run = self.runs.get(run_id)
            if run is None or not run.allows(Action.TRAIN_ON):
                return None
            run.state = RunState.RUNNING
            return run

    def set_state(self, run_id: int, state: RunState, message: str) -> None:
        with self.lock:
            run = self.runs.get(run_id)
            if run is not None:
                run.state = state
                run.message = message if state in _TROUBLE else ""
                # An lr F8 gave a paused run waits until it trains again: stopped meanwhile,
                # it still trained at the old one only, and F6 trains it on at the new one.
                if state not in (RunState.PAUSED, RunState.STOPPED):
                    run.paused_lr = None


def name_now(run: Run) -> str:
    """The run's label with the lr it trains at now, as the runs table shows it: a message
    that named "#4 scratch·lr 10" beside a row "#4 scratch·lr 10→5" named another run."""
    return label_now(run.label, run.trainer.lr)


def _loaded_finished(run: Run) -> bool:
    """A loaded run that reached its epochs when it was saved (250/250) is finished: F3 clears
    it like one trained here. One that stopped short may yet be trained on, so it stays."""
    return run.state == RunState.LOADED and run.trainer.epoch >= run.trainer.target_epochs


def number_of(label: str) -> int | None:
    """The N of a label "#N ..." (None for one without)."""
    found = re.match(r"#(\d+) ", label)
    return int(found.group(1)) if found else None


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file ("saves/a.rnnplay" and its absolute path do)."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
