"""What a headless run survives without losing its training: outputs that vanish (a closed pipe,
a full disk, a terminal gone) and signals (Ctrl-C, SIGTERM, SIGHUP), whatever moment they land.

Training, not its progress lines, is what matters: a failed write is reported once (where that is
still possible) and that output stops; the run goes on, and the session keeps the full history.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterable
from types import FrameType
from typing import IO, TYPE_CHECKING

from engine.training.events import RunState

if TYPE_CHECKING:  # `rnnplay complete --help` imports this module and must not wait for torch
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
    """One text stream a command reports to (stdout or a --jsonl file) that may stop working.

    `command` names the command in the one line said when it does ("train"); `after_failure`
    says what happens next. `failed` tells a command whose output is all it does to stop.
    """

    def __init__(self, stream: IO[str], name: str, after_failure: str,
                 command: str = "train") -> None:
        self.stream: IO[str] | None = stream
        self.name, self.after_failure, self.command = name, after_failure, command
        self.failed = False

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
        self.failed = True
        if stream in (sys.stdout, sys.stderr):
            _silence(stream)
            reason = "it was closed" if isinstance(err, BrokenPipeError) else err.strerror
        else:
            reason = err.strerror or str(err)
            try:
                stream.close()  # retries the flush, which fails the same way: drop it
            except OSError:
                pass
        end = f"; {self.after_failure}" if self.after_failure else ""
        say(f"rnnplay {self.command}: cannot write to {self.name} ({reason}){end}")

    def close(self) -> None:
        if self.stream is not None and self.stream not in (sys.stdout, sys.stderr):
            try:
                self.stream.close()
            except OSError as err:
                self._fail(err)


def print_lines(command: str, lines: Iterable[str]) -> int:
    """Write `lines` to stdout as they come, for a command whose output is all it does
    (`complete`, `inspect`): 0 when all were written, else 1, said in one line (a closed pipe
    such as `| head`, a full disk) with no traceback."""
    out = Output(sys.stdout, "stdout", "", command)
    for line in lines:
        out.write(line)
        if out.failed:
            return 1
    return 0


class StopSignals:
    """Ctrl-C, SIGTERM and SIGHUP for a headless run (install with `with`).

    Before training has begun, the first one aborts (nothing is lost: nothing was trained).
    While training, the first one of any kind stops it between batches, so the state is
    consistent and is saved. Then only Ctrl-C again aborts at once (possibly mid-step, so
    nothing is saved): SIGTERM and SIGHUP come in bursts that nobody typed (a closing SSH
    session sends SIGHUP then SIGTERM), and must not cost the run. Once an abort or the end of
    training is under way, every signal is noted and ignored: the final save must finish. After
    one has arrived, leaving the `with` ignores them instead of restoring the old handlers: the
    process is only finishing, and Ctrl-C pressed again during the interpreter's shutdown must
    not print a traceback.
    """

    def __init__(self) -> None:
        self.trainer: Trainer | None = None
        self.first: int | None = None  # the signal that stopped training
        self.over = False  # training ended, or an abort was raised: nothing more to decide
        self.before_training = False  # the first signal came before training began
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
        """trainer.run() under these rules; "aborted" when a second Ctrl-C cut it short."""
        self.trainer = trainer
        try:
            return trainer.run()
        except KeyboardInterrupt:
            if self.before_training:  # before a batch ran: the caller says so
                raise
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
            self.before_training = True
            self.over = True  # one KeyboardInterrupt unwinds the start-up; more would pile up
            raise KeyboardInterrupt  # before training: there is nothing to keep
        if self.first is None:
            self.first = signum
            what = _name(signum)
            say(f"\nrnnplay train: {what}: stopping after this batch and saving "
                "(Ctrl-C again aborts without saving)")
            trainer.stop()
            return
        if signum != signal.SIGINT:
            say(f"rnnplay train: {_name(signum)}: already stopping after this batch")
            return
        self.over = True
        raise KeyboardInterrupt


def _name(signum: int) -> str:
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
