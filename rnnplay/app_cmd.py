"""`rnnplay` (the interactive app): options and launch."""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import termios
import time
from collections.abc import Callable
from typing import NoReturn

from engine.config import ConfigError, CorpusConfig, TrainConfig, spec_of
from rnnplay.options import add_settings, given

# Python hands the GIL between threads every 5 ms by default; while the trainer thread runs
# Python between torch ops, the UI and completion threads wait that long for each hand-over, and a
# 50-step greedy rollout hands over hundreds of times. 1 ms keeps keystrokes responsive.
GIL_SWITCH_INTERVAL_S = 0.001

# Textual draws a changed screen at the next tick of its frame timer, 60 a second by default.
# A completion waited ~22 ms (p50) for that tick here while training ran; at 120 ~8 ms, for the
# same number of frames drawn (frames follow changes, not the clock). TEXTUAL_FPS, if set, wins.
FRAMES_PER_SECOND = 120

APP_THREADS = 1  # more threads fight the UI for a small CPU and can run far slower


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the interactive app; each setting option only pre-fills the setup form."""
    parser.add_argument(
        "--train", action="store_true", help="start training at launch (the prompt has the focus)"
    )
    add_settings(parser, CorpusConfig)
    add_settings(
        parser,
        TrainConfig,
        lambda spec: bool(spec.setting.label) or spec.name == "threads",
        notes={"threads": f"default {APP_THREADS}: more threads fight the UI for a small CPU "
               "and can run far slower"},
    )
    parser.add_argument("--prompt", default="", help="text to put in the prompt at launch")
    parser.add_argument(
        "--load",
        metavar="PATH",
        help="open a saved session (its settings, curves, samples and prompt); F6 trains it "
        "on, --train at once, --epochs N to epoch N (other setup options fill the setup form, "
        "for new runs: F5)",
    )


def prepare_process(threads: int, *, warm_torch: bool = True) -> None:
    """What the app's process needs before Textual is imported: torch warm (the app itself
    warms it behind its first frame: warm_torch=False), the GIL handed over often, the frame
    rate."""
    if warm_torch:
        _warm_torch(threads)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))  # read when textual loads


def _warm_torch(threads: int) -> None:
    """Pay torch's lazy imports now: the first optimizer otherwise costs ~1 s with the GIL held,
    which would freeze the UI right after training starts."""
    import torch

    torch.set_num_threads(threads)
    param = torch.nn.Parameter(torch.zeros(2))
    for opt in (torch.optim.SGD([param], lr=0.1), torch.optim.Adam([param], lr=1e-3)):
        opt.zero_grad()
        (param * 2).sum().backward()
        torch.nn.utils.clip_grad_norm_([param], 1.0)
        opt.step()


def hold_keys() -> Callable[[], None]:
    """Keys typed while the app loads (Textual, then its first frame) stay in the terminal,
    unechoed and as typed, for the app to read once it is up: the terminal otherwise echoed them
    raw ("分开^[[15~") above the app and again after it ended, and took Backspace and Enter for
    line editing. As Textual's own raw mode does, less the signals (ctrl+c still interrupts the
    load). Returns what puts the terminal back as it was (Textual's own exit restores what it
    found: this)."""
    try:
        fd = sys.stdin.fileno()
        before = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error):  # not a terminal: nothing to hold
        return lambda: None
    held = termios.tcgetattr(fd)
    held[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN)
    held[0] &= ~(termios.IXON | termios.IXOFF | termios.ICRNL | termios.INLCR | termios.IGNCR)
    held[6][termios.VMIN], held[6][termios.VTIME] = 1, 0
    termios.tcsetattr(fd, termios.TCSANOW, held)

    def restore() -> None:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, before)
        except termios.error:  # the terminal is gone (an SSH drop)
            pass

    return restore


def setup_values(args: argparse.Namespace) -> dict[str, str]:
    """The setting options given, as the setup form's text (field name -> text)."""
    values = {}
    for cls in (CorpusConfig, TrainConfig):
        for name, value in given(args, cls).items():
            if spec_of(cls, name).setting.label:
                values[name] = spec_of(cls, name).text(value)
    return values


def run(args: argparse.Namespace) -> int:
    """Launch the app; returns the process exit status."""
    try:  # the form would refuse them too, but threads are set before it exists
        TrainConfig(**given(args, TrainConfig)).check_values()
        CorpusConfig(**given(args, CorpusConfig)).check()
    except ConfigError as err:
        print(f"rnnplay: {err}", file=sys.stderr)
        return 2
    threads = getattr(args, "threads", APP_THREADS)
    started = time.monotonic()
    restore_terminal = hold_keys()
    # Until the app's loop takes them over (on mount), a signal ends the process at once,
    # which is right: nothing has started yet (the terminal is put back first).
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _ended_by)
    try:
        result = _launch(args, threads, started)
    finally:
        restore_terminal()
    _print_exit_notes(result[1])
    _end_process(result[0])


def _launch(args: argparse.Namespace, threads: int, started: float) -> tuple[int, list[str]]:
    """The app, run to its end: its exit status and the notes to print once the terminal is
    back."""
    prepare_process(threads, warm_torch=False)  # torch loads behind the first frame

    from tui.app import AppOptions, RnnplayApp

    app = RnnplayApp(
        AppOptions(
            train=bool(getattr(args, "train", False)),
            setup=setup_values(args),
            prompt=getattr(args, "prompt", "") or "",
            handle_signals=True,
            # A bad file is reported inside the app, which then starts fresh.
            load=getattr(args, "load", None),
            threads=threads,
            warm_up=functools.partial(_warm_torch, threads),
        ),
    )
    if os.environ.get("RNNPLAY_LAUNCH_TRACE"):
        print(f"rnnplay: launch prep {time.monotonic() - started:.2f}s", file=sys.stderr)
    result = app.run()
    return int(result or 0), app.exit_notes


def _ended_by(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # through run()'s finally: the terminal put back


def _end_process(code: int) -> NoReturn:
    """End the process without Python's finalization: its module teardown runs full garbage
    collections over torch's and Textual's objects, 2.7 s of a 3 s quit with no run at all and
    more the longer a run went (bench/quit_time.py). Nothing is left to finish by then: the
    autosave is written and synced, the terminal restored, the notes printed."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _print_exit_notes(notes: list[str]) -> None:
    """Where the autosave went, once the terminal is back; after an SSH drop there is no
    terminal left, and that must not turn a clean exit into a traceback."""
    for note in notes:
        try:
            print(note, file=sys.stderr)
        except OSError:
            return
