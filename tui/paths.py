"""Saving sessions from the app without blocking the UI or catching the model mid-step.

A save takes a consistent snapshot on the trainer thread between batches (trainer.call_soon runs
engine.session.session_bytes there, or at once when the trainer is not running) and writes the
bytes on a thread of its own, so neither the UI nor training waits for the disk.

Each save runs on a daemon thread rather than a Textual worker: Textual joins its workers on
exit, and an autosave on a hung disk must never keep the app from quitting.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.engine_port import EnginePort
from tui.runs import ActiveRun

SUFFIX = ".rnnplay"
# The trainer reaches a batch boundary within one batch; much longer means it is stuck.
CAPTURE_TIMEOUT_S = 30.0
# Statuses in which a trainer drains call_soon commands itself.
DRAINING = ("running", "paused")


@dataclass(frozen=True)
class SaveOutcome:
    run_id: int
    path: Path
    error: str | None  # None: saved
    mark: int  # the run's progress counter at the snapshot (-1 if none was taken)


class SaveJob:
    """One save of `run` to `path`; `on_done` gets the outcome on the save thread."""

    def __init__(
        self,
        engine: EnginePort,
        run: ActiveRun,
        path: Path,
        prompt: str,
        on_done: Callable[[SaveOutcome], None],
        *,
        stop_after: bool = False,
        timeout: float = CAPTURE_TIMEOUT_S,
    ) -> None:
        self.engine, self.run, self.path, self.prompt = engine, run, path, prompt
        self.on_done = on_done
        self.stop_after = stop_after  # quitting: no batch may run after the snapshot
        self.timeout = timeout
        self.done = threading.Event()
        self.outcome: SaveOutcome | None = None

    def start(self) -> None:
        threading.Thread(target=self._work, name="rnnplay-save", daemon=True).start()

    def _work(self) -> None:
        SessionError = self.engine.SessionError
        mark = -1
        try:
            data, mark = self._capture()
            written = Path(self.engine.write_session(self.path, data))
            outcome = SaveOutcome(self.run.run_id, written, None, mark)
        except SessionError as exc:
            outcome = SaveOutcome(self.run.run_id, self.path, str(exc), mark)
        except Exception as exc:  # noqa: BLE001 - reported in the UI; a save must not crash it
            message = f"cannot save to {self.path}: {type(exc).__name__}: {exc}"
            outcome = SaveOutcome(self.run.run_id, self.path, message, mark)
        self.outcome = outcome
        self.done.set()
        self.on_done(outcome)

    def _capture(self) -> tuple[bytes, int]:
        """The session bytes, taken on the trainer thread between batches."""
        trainer, run = self.run.trainer, self.run
        result: list[Any] = []
        taken = threading.Event()
        once = threading.Lock()

        def snapshot(t: Any) -> None:
            with once:
                if taken.is_set():
                    return  # a retry that arrived after the first one ran
                try:
                    result.append((self.engine.session_bytes(t, self.prompt), run.progress))
                except BaseException as exc:  # noqa: BLE001 - handed to the save thread
                    result.append(exc)
                finally:
                    taken.set()
                    if self.stop_after:
                        t.stop()

        trainer.call_soon(snapshot)
        deadline = time.monotonic() + self.timeout
        while not taken.wait(0.05):
            if time.monotonic() > deadline:
                raise self.engine.SessionError(
                    f"cannot save to {self.path}: the trainer did not reach a batch boundary "
                    f"within {self.timeout:g} s"
                )
            if getattr(trainer, "status", "") not in DRAINING:
                # The run ended just as the command was queued, so nobody will drain it: ask
                # again; a trainer that is not running runs it at once.
                trainer.call_soon(snapshot)
        value = result[0]
        if isinstance(value, BaseException):
            raise value
        return value


def resolve_save_path(text: str, save_dir: Path) -> Path:
    """What the user typed in "save as": a bare name goes into the save folder, and a name
    without a suffix gets .rnnplay (so the load screen lists it)."""
    path = Path(text.strip()).expanduser()
    if not path.suffix:
        path = path.with_name(path.name + SUFFIX)
    if not path.is_absolute() and len(path.parts) == 1:
        path = save_dir / path
    return path


def shown_path(path: Path | str) -> str:
    """A path as short as it can be shown: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)


def local_time(saved_at: str) -> str:
    """'2026-01-01T12:00:00Z' (UTC, as sessions store it) as local 'YYYY-MM-DD HH:MM'."""
    try:
        return datetime.fromisoformat(saved_at).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return saved_at or "?"


def settings_differ(form: dict[str, object], saved: dict[str, str]) -> list[str]:
    """Setup fields (besides epochs) where the form no longer matches a loaded session."""
    differ = []
    for key, value in saved.items():
        if key == "epochs" or key not in form:
            continue
        mine = form[key]
        if isinstance(mine, int | float) and not isinstance(mine, bool):
            try:
                same = math.isclose(float(mine), float(value), rel_tol=1e-9)
            except ValueError:
                same = False
        else:
            same = str(mine) == value
        if not same:
            differ.append(key)
    return differ
