"""Opening a session file as a new run (or every trial of a sweep folder, best first), on a
thread of its own: reading, checking and restoring take seconds for a big model, and neither the
run that trains nor a UI waits for them. A load
touches no other run; a refused one changes nothing and says why (RunRefused).
"""

from __future__ import annotations

import threading
from pathlib import Path

from engine.playground.events import RunRefused
from engine.playground.joining import Joining
from engine.playground.reporter import Report
from engine.playground.runs import Run
from engine.playground.worker import TrainerWorker
from engine.session import SessionError, load_session, restore_trainer
from engine.sweep.folder import is_sweep, trial_paths, trial_tags
from engine.training.events import RunState


class Loader:
    def __init__(
        self,
        report: Report,
        joining: Joining,
        worker: TrainerWorker,
        closing: threading.Event,
        threads: int | None,
    ) -> None:
        self._report, self._joining, self._worker = report, joining, worker
        self._closing = closing
        self._threads = threads  # torch threads for restored trainers (None: as saved)

    def load(self, path: str | Path, train: bool, epochs: int | None) -> threading.Thread:
        """Start reading `path`; the new run joins the registry selected and LOADED (RunAdded),
        or RunRefused says why not. With `train` it trains on to `epochs`, beside any run
        training already."""
        thread = threading.Thread(
            target=self._load, args=(str(path), train, epochs), name="rnnplay-load", daemon=True
        )
        thread.start()
        return thread

    def _load(self, path: str, train: bool, epochs: int | None) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            self._load_file(path, train, epochs, select=True)
            return
        trials = trial_paths(folder) if is_sweep(folder) else []
        if not trials:
            self._report(None, RunRefused(f"{path} is a folder, not a session file or a sweep "
                                          "folder with trial files (rnnplay sweep --out)"))
            return
        # A sweep's trials join best first, the best one selected (and the one trained on with
        # `train`): the runs table lists them in the summary's order.
        tags = trial_tags(folder)
        for rank, trial in enumerate(trials):
            if self._closing.is_set():
                return
            self._load_file(str(trial), train and rank == 0, epochs, select=rank == 0,
                            tag=tags.get(trial, ""))  # fmt: skip

    def _load_file(
        self, path: str, train: bool, epochs: int | None, select: bool, tag: str = ""
    ) -> None:
        reporter = self._joining.new_reporter()
        try:
            session = load_session(path)
            # A run saved diverged comes back diverged: shown, saved, never trained on.
            trainer = restore_trainer(session, reporter, threads=self._threads,
                                      diverged_ok=True)  # fmt: skip
        except SessionError as exc:
            self._report(None, RunRefused(str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - a load must never take the app down
            self._report(None, RunRefused(f"cannot load {path}: {type(exc).__name__}: {exc}"))
            return
        if self._closing.is_set():
            return
        ref = session.corpus
        state = RunState.DIVERGED if session.diverged else RunState.LOADED
        run = Run(ref.name, ref.max_chars, trainer, state, path=Path(session.path),
                  reporter=reporter, saved_epoch=trainer.epoch, message=session.diverged)
        if session.diverged:
            train = False  # never trained on (Registry.claim would refuse it without a word)
        self._joining.adopt(run, reporter, session.label, session.prompt, tuple(session.notes),
                            select, session.prompt_settings, tag)  # fmt: skip
        if train:
            self._worker.train_on(run.id, epochs)
