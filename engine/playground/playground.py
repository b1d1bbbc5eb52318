"""The playground core: the runs of one session of rnnplay and the threads that serve them, behind
the one facade a UI drives.

Each job has its own module: the registry of runs with what each state allows (registry.py,
lifecycle.py), the training threads (worker.py: each run trains on a thread of its own, several
at once, or waits in a queue; cores.py shares the machine's cores between them), loads on
threads of their own (loader.py), saving (saving.py), which runs complete the prompt (prompt.py,
over engine.generation.prompt_follower's thread), and how a built or loaded run joins
(joining.py). Everything the core learns it reports as `(run_id, event)` through the one
callback it was given (engine.playground.events); run_id is None for reports that concern no
run (a refused start or load).

Any thread may call its commands; none blocks on training or on the disk. It knows nothing of
Textual: a UI shows what it reports and forwards what the user asks (tui/ does exactly that),
and its tests drive it directly.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from engine.config import TrainConfig, spec_of
from engine.data.layout import BatchLayout, batch_layout
from engine.generation.decoding import Decoding
from engine.generation.generate import GREEDY
from engine.generation.prompt_follower import Views
from engine.playground.cores import CoreShare
from engine.playground.events import RunRefused, RunRemoved, TargetChanged
from engine.playground.joining import Joining
from engine.playground.lifecycle import Action, UnsavedPolicy
from engine.playground.loader import Loader
from engine.playground.prompt import PromptRuns
from engine.playground.registry import ClearPlan, Registry, name_now
from engine.playground.reporter import Report
from engine.playground.runs import Run, RunSummary
from engine.playground.saving import Saver
from engine.playground.worker import TrainerWorker
from engine.session.save_job import SaveJob
from engine.training.events import RunState


class Playground:
    def __init__(
        self, report: Report, *, threads: int | None = None, save_dir: Path | None = None
    ) -> None:
        """threads: torch intra-op threads, what the runs that train share (default: torch's
        count now) and what a loaded run trains with (default: as saved)."""
        self._report = report
        self._closing = threading.Event()
        self._registry = Registry()
        self._runs = self._registry.runs  # the live runs by id (tests reach trainers through it)
        self._prompt = PromptRuns(self._registry, report)
        self.prompt = self._prompt.follower  # the prompt's thread (tests watch what it follows)
        self._saver = Saver(self._registry, report, save_dir, lambda: self._prompt.settings)
        cores = CoreShare(self._registry, threads or torch.get_num_threads())
        joining = Joining(self._registry, report, self._prompt, self._closing)
        self.worker = TrainerWorker(self._registry, report, joining, self._closing, cores)
        self._loader = Loader(report, joining, self.worker, self._closing, threads)

    # -- life -------------------------------------------------------------------------------
    def start(self) -> None:
        self.prompt.start()

    def close(self, timeout: float = 0.0) -> None:
        """Stop training and end the threads (a run in progress stops at its next batch);
        waits up to `timeout` seconds for them. They are daemons: a process that is leaving
        need not wait."""
        self._closing.set()
        for run in self._registry.training():
            run.trainer.stop()
        self.prompt.close(timeout)
        self.worker.close(timeout)

    # -- the registry -----------------------------------------------------------------------
    @property
    def selected(self) -> int | None:
        """The run that save, train-on and the prompt act on (the newest unless chosen)."""
        return self._registry.selected

    def training_runs(self) -> list[int]:
        """The runs that train now (running or paused), oldest first."""
        return [run.id for run in self._registry.training()]

    def queued(self) -> list[int]:
        """The runs waiting to start once no run trains (a paused one does not), first to start
        first."""
        return self.worker.queued()

    def summaries(self) -> list[RunSummary]:
        return self._registry.summaries()

    def summary(self, run_id: int) -> RunSummary | None:
        return self._registry.summary(run_id)

    def select(self, run_id: int) -> bool:
        """Make `run_id` the run that commands and the prompt act on."""
        with self._registry.lock:
            run = self._registry.get(run_id)
            if run is None:
                return False
            self._registry.selected = run_id
        self._prompt.follow()
        return True

    def remove(
        self, run_id: int, *, unsaved: UnsavedPolicy = UnsavedPolicy.REFUSE, prompt: str = ""
    ) -> str | None:
        """Drop a run that is not training; returns why not, or None. A run holding training
        that no file holds is kept under REFUSE, saved first under SAVE (with `prompt`, as
        `save`; it leaves once the save succeeded: Saved, then RunRemoved; a failed save keeps
        it), dropped under DISCARD. A paused run is stopped first and goes once its trainer
        has parked it (a refusal then comes as RunRefused). If it was the selected run, the
        newest one left is selected instead."""
        paused = self._registry.get(run_id)
        if paused is not None and paused.state == RunState.PAUSED:
            if paused.unsaved and unsaved == UnsavedPolicy.REFUSE:  # not stopped for nothing
                return f"{name_now(paused)} has training no file holds: save it, or discard it"
            paused.trainer.stop()
            self.worker.when_parked(
                run_id, lambda: self._remove_later(run_id, unsaved, prompt)
            )
            return None
        if unsaved == UnsavedPolicy.SAVE:
            run = self._registry.get(run_id)
            if run is not None and run.unsaved and run.allows(Action.REMOVE):
                self._saver.save(run, None, prompt, then=lambda: self._remove_later(run_id))
                return None
        why_not, _ = self._registry.take(run_id, unsaved)
        if why_not is not None:
            return why_not
        self._report(run_id, RunRemoved())
        self._prompt.follow()  # the selection may have moved, and a marked run may have gone
        return None

    def _remove_later(
        self, run_id: int, unsaved: UnsavedPolicy = UnsavedPolicy.REFUSE, prompt: str = ""
    ) -> None:
        # Trained on again while the save was written: it holds new work, so it stays. After a
        # stop (a paused run), the user's answer about its unsaved training still holds.
        why_not = self.remove(run_id, unsaved=unsaved, prompt=prompt)
        if why_not is not None:
            self._report(run_id, RunRefused(why_not))

    def clear_plan(self) -> ClearPlan:
        """The runs `clear` would remove: those done for good (finished, diverged, failed, or
        loaded at their epochs; never a stopped, loaded short of them or training one), except
        the selected run."""
        return self._registry.clear_plan()

    def clear(self, unsaved: UnsavedPolicy = UnsavedPolicy.REFUSE, prompt: str = "") -> list[str]:
        """Remove the runs of `clear_plan()`, the unsaved ones under `unsaved` (as `remove`,
        with `prompt`); returns why not for each run kept."""
        plan = self.clear_plan()
        runs = plan.saved + plan.unsaved
        why_nots = (self.remove(s.id, unsaved=unsaved, prompt=prompt) for s in runs)
        return [why for why in why_nots if why is not None]

    # -- training --------------------------------------------------------------------------------
    def new_run(
        self, corpus: str, max_chars: int, settings: Mapping[str, Any], *, queue: bool = False,
        tag: str = "",
    ) -> None:
        """Train a new run (selected once built: RunAdded), beside the runs training already;
        with `queue`, once no run trains, paused ones aside (it waits unselected, QUEUED, its
        notes say so; queued runs start one at a time). A refusal comes as RunRefused.

        `settings` are TrainConfig fields by name; prefixes default to the corpus's own. `tag`
        tells the run from the others of its grid in its label (grid_tags: "lr 10").
        """
        self.worker.new_run(corpus, max_chars, settings, queue=queue, tag=tag)

    def load(self, path: str | Path, *, train: bool = False, epochs: int | None = None) -> None:
        """Open a session file as a new run (selected once loaded), on a thread of its own: no
        other run is stopped or waited for, and a refused file changes nothing (RunRefused).
        With `train`, train it on (to `epochs`), unless another run trains (its notes say so)."""
        self._loader.load(path, train, epochs)

    def train_on(self, epochs: int | None = None) -> str | None:
        """Continue the selected run if it is parked, beside any run training (a queued one
        starts now); returns why not, or None."""
        run = self._registry.chosen()
        if run is None:
            return "no run yet: start one first"
        why_not = self._registry.why_not(run, Action.TRAIN_ON)
        if why_not is not None:
            return why_not
        target = epochs if epochs is not None else run.trainer.target_epochs
        if run.trainer.epoch >= target:
            trained = run.trainer.epoch
            return f"{name_now(run)} has trained {trained} epochs: raise epochs to train on"
        self.worker.train_on(run.id, target)
        return None

    def time_devices(self) -> str | None:
        """Time a few batches of the selected run's setup on every device of this machine (a
        DevicesTimed report follows); returns why not, or None. Needs the trainer thread and
        the CPU to itself, so not while a run trains."""
        run = self._registry.chosen()
        if run is None:
            return "no run yet: start one first"
        training = self._registry.training()
        if training:
            busy = name_now(training[0])
            return f"{busy} is training: timing devices needs the machine to itself"
        self.worker.time_devices(run.id)
        return None

    # Pause, resume, stop and lr act on one run, the selected one unless `run_id` names another;
    # each returns False when that run's state does not allow it (lifecycle.py's table).
    def _run_allowing(self, action: Action, run_id: int | None) -> Run | None:
        run = self._registry.get(run_id if run_id is not None else self.selected)
        return run if run is not None and run.allows(action) else None

    def pause(self, run_id: int | None = None) -> bool:
        run = self._run_allowing(Action.PAUSE, run_id)
        if run is not None:
            run.trainer.pause()
        return run is not None

    def resume(self, run_id: int | None = None) -> bool:
        run = self._run_allowing(Action.RESUME, run_id)
        if run is not None:
            run.trainer.resume()
        return run is not None

    def stop(self, run_id: int | None = None) -> bool:
        run = self._run_allowing(Action.STOP, run_id)
        if run is not None:
            run.trainer.stop()
        return run is not None

    def set_lr(self, lr: float, run_id: int | None = None) -> bool:
        """Change a training run's learning rate at its next batch (TargetChanged follows): a
        paused run's once it resumes, its summary's paused_lr the lr it trained at until then;
        ConfigError if the setting's own bounds refuse `lr`."""
        spec_of(TrainConfig, "lr").check(lr)
        run = self._run_allowing(Action.SET_LR, run_id)
        if run is None:
            return False
        with self._registry.lock:
            if run.state == RunState.PAUSED:
                # It trains at the new lr only once it resumes: until then the one it trained
                # at is kept beside it, and a second change keeps the first one's.
                trained = run.paused_lr if run.paused_lr is not None else run.trainer.lr
                run.paused_lr = trained if trained != lr else None
        run.trainer.set_lr(lr)
        run.trainer.call_soon(lambda t: self._report(run.id, TargetChanged(t.target_epochs, t.lr)))
        return True

    # -- the prompt ---------------------------------------------------------------------------
    def complete(
        self, text: str, length: int, decoding: Decoding = GREEDY, views: Views | None = None
    ) -> None:
        """Ask for the completion of `text` (a Completion report follows, then with `views`
        asked for the same completion again with them); greedy unless `decoding` samples. The
        selected run completes it first, then each marked run, each from its own current
        weights in a report of its own (Completion.follows); the views are the selected run's
        only."""
        self._prompt.complete(text, length, decoding, views)

    def batch_layout(
        self, batch: int | None = None, cells: int = 60, run_id: int | None = None
    ) -> BatchLayout | None:
        """Where the selected run's (or run_id's) minibatches come from in its training text:
        the epoch in progress, or the next one (a preview that leaves its sampling order alone);
        batch `batch` of it (default: the one training now), the text as a strip of `cells`
        cells. None when there is no such run."""
        run = self._registry.get(self._registry.selected if run_id is None else run_id)
        if run is None:
            return None
        trainer, cfg = run.trainer, run.trainer.config
        cursor = trainer.cursor  # read once: the trainer thread replaces it between epochs
        if cursor is None:
            preview = torch.Generator().set_state(trainer.generator.get_state())
            starts, trained = trainer.epoch_starts(preview), 0
        else:
            starts, trained = cursor.starts, cursor.batch
        return batch_layout(
            starts, trainer.data, trainer.corpus.vocab, sampling=cfg.sampling,
            detach=cfg.detach, num_steps=cfg.num_steps, epoch=trainer.epoch + 1,
            trained=trained, run=str(run.state), batch=trained if batch is None else batch,
            cells=cells,
        )  # fmt: skip

    def mark(self, run_id: int, on: bool) -> bool:
        """Mark a run to complete the prompt beside the selected one (or unmark it); False if
        there is no such run."""
        return self._prompt.mark(run_id, on)

    def marked(self) -> list[int]:
        """The marked runs, oldest first."""
        return self._prompt.marked()

    # -- sessions -----------------------------------------------------------------------------
    def save(
        self,
        run_id: int | None = None,
        path: str | Path | None = None,
        prompt: str = "",
        *,
        quiet: bool = False,
        stop_after: bool = False,
    ) -> SaveJob | None:
        """Save a run (the selected one by default) to `path` (its own file, or a new one in
        the save folder); a Saved report follows. None when there is no such run."""
        run = self._registry.get(run_id if run_id is not None else self.selected)
        if run is None or not run.allows(Action.SAVE):
            return None
        return self._saver.save(run, path, prompt, quiet=quiet, stop_after=stop_after)

    def suggested_path(self, run_id: int) -> Path:
        """A new session file name for the run, in the save folder; it names no epoch."""
        return self._saver.suggested_path(self._registry.runs[run_id])

    def saving(self) -> bool:
        return self._saver.saving()

    def export(self, directory: Path | None = None) -> list[Path]:
        """Every run's curves and samples as CSV and JSON lines in `directory` (the save folder
        by default); returns the files written. OSError if they cannot be."""
        return self._saver.export(directory)

    def autosave(self, prompt: str = "") -> list[SaveJob]:
        """On the way out: save every run with unsaved progress, but those of
        `not_worth_saving()`; training stops at the snapshot, so nothing trains after what the
        file holds. The queue is emptied first: stopping the runs that train starts none."""
        self.worker.unqueue()
        return self._saver.autosave(prompt)

    def not_worth_saving(self) -> list[str]:
        """The labels of the unsaved runs the autosave leaves out: they diverged or failed
        before any epoch ended with a finite loss, so a file would hold nothing learned."""
        return self._saver.not_worth_saving()

