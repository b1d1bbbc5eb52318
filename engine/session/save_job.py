"""Saving a run while it trains, without catching the model mid-step or blocking anyone.

The snapshot is taken on the trainer's thread between batches (Trainer.call_soon runs
engine.session.session_bytes there, or at once when the trainer is not running), and the bytes are
written on a daemon thread of the job's own: neither a UI nor training waits for the disk, and an
autosave on a hung disk never keeps a process from exiting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.generation.prompt_settings import PromptSettings
from engine.session import SessionError, session_bytes, write_session
from engine.training.trainer import Trainer

# A trainer reaches a batch boundary within one batch; much longer means it is stuck.
CAPTURE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class SaveOutcome:
    path: Path
    error: str | None  # None: saved; else one line saying why not
    mark: int  # the run's progress counter at the snapshot (-1 if none was taken)
    epoch: int = -1  # the epochs the trainer had completed at the snapshot (-1: none taken)


class SaveJob:
    """One save of `trainer` to `path`; `on_done` gets the outcome on the save thread.

    `progress` reads the run's batch counter on the trainer thread, so the outcome says exactly
    how much training the file holds. With `stop_after` (quitting) no batch runs after the
    snapshot. `diverged` gives why the run diverged ("" if it did not), for the file to say.
    """

    def __init__(
        self,
        trainer: Trainer,
        path: Path,
        prompt: str,
        label: str,
        progress: Callable[[], int],
        on_done: Callable[[SaveOutcome], None],
        *,
        stop_after: bool = False,
        timeout: float = CAPTURE_TIMEOUT_S,
        prompt_settings: PromptSettings | None = None,
        diverged: Callable[[], str] = lambda: "",
    ) -> None:
        self.trainer, self.path, self.prompt, self.label = trainer, path, prompt, label
        self.prompt_settings = prompt_settings
        # Why the run diverged ("" if it did not), read with the snapshot: the file says so.
        self.diverged = diverged
        self.progress, self.on_done = progress, on_done
        self.stop_after, self.timeout = stop_after, timeout
        self.captured = threading.Event()  # the snapshot is taken: the write is under way
        self.done = threading.Event()
        self.outcome: SaveOutcome | None = None

    def refuse(self, why: str) -> SaveJob:
        """End the job without starting it: nothing is written, its outcome says why."""
        self.outcome = SaveOutcome(self.path, why, -1)
        self.done.set()
        return self

    def start(self) -> SaveJob:
        threading.Thread(target=self._work, name="rnnplay-save", daemon=True).start()
        return self

    def _work(self) -> None:
        mark = -1
        try:
            data, mark, epoch = self._capture()
            self.captured.set()
            outcome = SaveOutcome(Path(write_session(self.path, data)), None, mark, epoch)
        except SessionError as exc:
            outcome = SaveOutcome(self.path, str(exc), mark)
        except Exception as exc:  # noqa: BLE001 - reported to the user; a save must not crash
            outcome = SaveOutcome(
                self.path, f"cannot save to {self.path}: {type(exc).__name__}: {exc}", mark
            )
        self.outcome = outcome
        self.done.set()
        self.on_done(outcome)

    def _capture(self) -> tuple[bytes, int, int]:
        taken = threading.Event()
        result: list[tuple[bytes, int, int] | BaseException] = []

        def snapshot(trainer: Trainer) -> None:
            try:
                data = session_bytes(trainer, self.prompt, self.label, self.prompt_settings,
                                     self.diverged())
                result.append((data, self.progress(), trainer.epoch))
            except BaseException as exc:  # noqa: BLE001 - handed over to the save thread
                result.append(exc)
            finally:
                taken.set()
                if self.stop_after:
                    trainer.stop()

        self.trainer.call_soon(snapshot)
        if not taken.wait(self.timeout):
            raise SessionError(
                f"cannot save to {self.path}: the trainer did not reach a batch boundary "
                f"within {self.timeout:g} s"
            )
        value = result[0]
        if isinstance(value, BaseException):
            raise value
        return value
