"""What a headless run survives without losing its training: outputs that vanish (a closed pipe,
a full disk, a terminal gone) and signals (Ctrl-C, SIGTERM, SIGHUP), whatever moment they land.

Training, not its progress lines, is what matters: a failed write is reported once (where that is
still possible) and that output stops; the run goes on, and the session keeps the full history.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import IO

from engine.training.events import RunState
from engine.training.trainer import Trainer

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
OVER = (RunState.FINISHED, RunState.STOPPED, RunState.DIVERGED, RunState.FAILED)


def say(line: str) -> None:
    """A line on stderr, if there is still one to write to (SIGHUP takes the terminal away)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        _silence(sys.stderr)


def _silence(stream: IO[str]) -> None:
    """Point a standard stream's descriptor at /dev/null, so the interpreter's final flush of
    what is still buffered does not end the process with "Exception ignored ... BrokenPipe"."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class Output:
    """One text stream a run reports to (stdout or a --jsonl file) that may stop working."""

    def __init__(self, stream: IO[str], name: str, after_failure: str) -> None:
        self.stream: IO[str] | None = stream
        self.name, self.after_failure = name, after_failure

    def write(self, line: str) -> None:
        if self.stream is None:
            return
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except OSError as err:
            self._fail(err)

    def _fail(self, err: OSError) -> None:
        stream, self.stream = self.stream, None
        if stream in (sys.stdout, sys.stderr):
            _silence(stream)
            reason = "it was closed" if isinstance(err, BrokenPipeError) else err.strerror
        else:
            reason = err.strerror or str(err)
            try:
                stream.close()  # retries the flush, which fails the same way: drop it
            except OSError:
                pass
        say(f"rnnplay train: cannot write to {self.name} ({reason}); {self.after_failure}")

    def close(self) -> None:
        if self.stream is not None and self.stream not in (sys.stdout, sys.stderr):
            try:
                self.stream.close()
            except OSError as err:
                self._fail(err)


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP for a headless run (install with `with`).

    While training, the first one stops it between batches, so the state is consistent and is
    saved; a second one aborts at once (possibly mid-step, so nothing is saved). Before training
    has begun, one aborts (nothing is lost: nothing was trained). Once training is over, they
    are noted and ignored: the final save must finish. After one has arrived, leaving the
    `with` ignores them instead of restoring the old handlers: the process is only finishing,
    and Ctrl-C pressed again during the interpreter's shutdown must not print a traceback.
    """

    def __init__(self) -> None:
        self.trainer: Trainer | None = None
        self.first: int | None = None  # the signal that stopped training
        self.over = False
        self.received = False
        self._previous: dict[int, Callable | int | None] = {}

    def __enter__(self) -> StopSignals:
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, signal.SIG_IGN if self.received else handler)

    @property
    def exit_status(self) -> int:
        """The shell's status for a run ended by a signal: 128 + its number."""
        return 128 + (self.first or signal.SIGINT)

    def train(self, trainer: Trainer) -> str:
        """trainer.run() under these rules; "aborted" when a second signal cut it short."""
        self.trainer = trainer
        try:
            return trainer.run()
        except KeyboardInterrupt:
            say(f"rnnplay train: aborted in epoch {trainer.epoch + 1}, possibly mid-step, so "
                "this state is not saved")
            return "aborted"
        finally:
            self.over = True

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.received = True
        trainer = self.trainer
        status = trainer.status if trainer is not None else None
        if self.over or status in OVER:
            say("rnnplay train: finishing up, one moment")
            return
        if trainer is None or status != RunState.RUNNING:
            self.first = self.first or signum
            raise KeyboardInterrupt  # before training: there is nothing to keep
        if self.first is None:
            self.first = signum
            what = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
            say(f"\nrnnplay train: {what}: stopping after this batch ({what} again aborts)")
            trainer.stop()
            return
        raise KeyboardInterrupt
