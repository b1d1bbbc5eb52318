"""Saving the runs: save jobs (engine.session.save_job: a snapshot between batches, the write on
a thread of its own), the autosave on the way out, export of the curves, and the names of new
session files (one per run, kept for its later saves, never handed to two runs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from engine.generation.prompt_settings import PromptSettings
from engine.playground.events import Saved
from engine.playground.registry import Registry, name_now
from engine.playground.reporter import Report
from engine.playground.runs import Run
from engine.session import default_save_dir, suggest_path
from engine.session.export import RunRecords, export_runs
from engine.session.save_job import SaveJob, SaveOutcome
from engine.training.events import RunState


class Saver:
    def __init__(
        self,
        registry: Registry,
        report: Report,
        save_dir: Path | None,
        prompt_settings: Callable[[], PromptSettings | None] = lambda: None,
    ) -> None:
        self._registry, self._report = registry, report
        # How the prompt completes now: every save keeps it beside the prompt's text.
        self._prompt_settings = prompt_settings
        self.save_dir = save_dir  # None: engine.session.default_save_dir()
        self._lock = threading.Lock()
        self._jobs: list[SaveJob] = []
        self._named: set[Path] = set()  # names given to saves here, not all on disk yet

    def save(
        self,
        run: Run,
        path: str | Path | None,
        prompt: str,
        *,
        quiet: bool = False,
        stop_after: bool = False,
        then: Callable[[], None] | None = None,
    ) -> SaveJob:
        """Save `run` to `path` (its own file, or a new one in the save folder); a Saved report
        follows, and `then()` after it once the file holds the run."""
        target = Path(path) if path is not None else (run.path or self._new_path(run))
        holder = self._registry.holder(target, but=run)
        if holder is not None:
            # Never two runs to one file: the second save overwrote the first run's training,
            # and quitting then saved the first over the second's.
            return self._refused(run, target, f"{target.name} holds {name_now(holder)}: "
                                              "save this run to another file")  # fmt: skip

        def done(outcome: SaveOutcome) -> None:
            if outcome.error is None:
                with self._registry.lock:
                    run.path = outcome.path
                    if outcome.mark >= run.saved_progress:  # the newest save: what it holds
                        run.saved_progress, run.saved_epoch = outcome.mark, outcome.epoch
            self._report(run.id, Saved(str(outcome.path), outcome.error, quiet))
            if outcome.error is None and then is not None:
                then()

        job = SaveJob(
            run.trainer, target, prompt, run.label, lambda: run.progress, done,
            stop_after=stop_after, prompt_settings=self._prompt_settings(),
            diverged=lambda: run.message if run.state == RunState.DIVERGED else "",
        )  # fmt: skip
        with self._lock:
            self._jobs = [j for j in self._jobs if not j.done.is_set()] + [job]
        return job.start()

    def _refused(self, run: Run, target: Path, why: str) -> SaveJob:
        """A save not made: its job is done at once, the file untouched, Saved says why."""
        job = SaveJob(run.trainer, target, "", run.label, lambda: run.progress, lambda _: None)
        job.refuse(why)
        self._report(run.id, Saved(str(target), why))
        return job

    def _new_path(self, run: Run) -> Path:
        with self._lock:
            path = suggest_path(run.trainer, self.directory(), taken=self._named,
                                label=run.label)  # fmt: skip
            self._named.add(path)
        return path

    def suggested_path(self, run: Run) -> Path:
        """A new file name for `run` in the save folder (a save-as dialog's first offer), named
        as the run is ("jaychou-scratch-lr1000-<time>")."""
        with self._lock:
            return suggest_path(run.trainer, self.directory(), taken=self._named,
                                label=run.label)  # fmt: skip

    def not_worth_saving(self) -> list[str]:
        """The unsaved runs the autosave leaves out (Run.worth_saving), named as the runs
        table names them (name_now: "#2 scratch·lr 30→1e5", the lr it diverged at)."""
        with self._registry.lock:
            runs = self._registry.runs.values()
            return [name_now(r) for r in runs if r.unsaved and not r.worth_saving]

    def directory(self) -> Path:
        return Path(self.save_dir) if self.save_dir is not None else Path(default_save_dir())

    def saving(self) -> bool:
        with self._lock:
            return any(not job.done.is_set() for job in self._jobs)

    def export(self, directory: Path | None = None) -> list[Path]:
        """Every run's curves and samples as CSV and JSON lines in `directory` (the save folder
        by default); returns the files written. OSError if they cannot be."""
        with self._registry.lock:
            runs = [
                RunRecords(run.label, tuple(run.trainer.history), tuple(run.trainer.samples))
                for run in self._registry.runs.values()
            ]
        return export_runs(runs, Path(directory) if directory is not None else self.directory())

    def autosave(self, prompt: str = "") -> list[SaveJob]:
        """On the way out: save every run with unsaved progress that is worth saving (see
        `not_worth_saving`); training stops at the snapshot, so nothing trains after what the
        file holds."""
        with self._registry.lock:
            unsaved = [r for r in self._registry.runs.values() if r.unsaved and r.worth_saving]
        return [self.save(run, None, prompt, quiet=True, stop_after=True) for run in unsaved]
