"""Seconds from ctrl+q to the end of the app's process (issue 23: the promise is 2 s), the app
in a pseudo-terminal of 120x40, idle or after training the book's run for a while (the autosave
included). Medians over rounds.

    python -m bench.quit_time --rounds 3 --train-seconds 0 20 60

Measured once: Python's own finalization after the app had ended (module teardown running full
garbage collections over torch's and Textual's objects) took 2.7 s of a 3 s idle quit, and
more the longer a run went, until the exit guard ended the process at 4.2 s; rnnplay/app_cmd.py
now ends the process itself once the notes are printed.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import sys
import tempfile
import termios
import time

CTRL_Q = b"\x11"


def _drain(fd: int, seconds: float) -> bytes:
    """Read what the app drew for `seconds` (a full pty would block it)."""
    out = b""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        try:
            out += os.read(fd, 65536)
        except OSError:
            break
    return out


def one_quit(train_seconds: float, save_dir: str) -> float:
    """Launch the app (training if train_seconds > 0), wait, ctrl+q; seconds until it ended."""
    args = ["-m", "rnnplay.cli", *(["--train"] if train_seconds else [])]
    env = {**os.environ, "RNNPLAY_SAVE_DIR": save_dir}
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    while b"F5" not in seen:  # the first frame: the app listens for keys from here
        seen += _drain(fd, 0.5)
    _drain(fd, max(1.0, train_seconds))
    started = time.monotonic()
    os.write(fd, CTRL_Q)
    while True:
        _drain(fd, 0.01)
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train-seconds", type=float, nargs="+", default=[0.0, 20.0])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as save_dir:
        for seconds in args.train_seconds:
            times = [one_quit(seconds, save_dir) for _ in range(args.rounds)]
            what = "idle" if not seconds else f"after {seconds:g} s of training"
            print(f"quit {what}: median {statistics.median(times):.2f} s "
                  f"(max {max(times):.2f} s, {args.rounds} rounds)")  # fmt: skip


if __name__ == "__main__":
    main()
