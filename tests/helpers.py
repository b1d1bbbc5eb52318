"""What the tests share besides fixtures: a small trainer, the command line (in a process or in
this one), and the app on the real core with a tiny corpus, with its waits.

Imported by name (`from helpers import make_app`): pytest puts tests/ on the path (pyproject's
`pythonpath`), so no test imports a conftest.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from engine.data.corpus import Corpus
from engine.training.build import build_trainer
from engine.training.events import TrainerEvent
from engine.training.trainer import Trainer
from rnnplay.cli import main
from tui.app import AppOptions, RnnplayApp

REPO_ROOT = Path(__file__).resolve().parent.parent

# An epoch of a few thousand characters in milliseconds; tests that rely on a size pass it.
SMALL_SETTINGS: dict[str, Any] = {
    "hidden": 16, "batch_size": 4, "num_steps": 8, "epochs": 2, "device": "cpu", "threads": 1,
}


def small_trainer(
    corpus: Corpus, on_event: Callable[[TrainerEvent], None] | None = None, **settings: Any
) -> Trainer:
    """A new run's trainer on `corpus`, built as the app and `rnnplay train` build one
    (engine.training.build), with SMALL_SETTINGS unless `settings` (TrainConfig fields) say."""
    return build_trainer(corpus, {**SMALL_SETTINGS, **settings}, on_event)


def _cli_env() -> dict[str, str]:
    # The checkout's packages whatever the working directory, and UTF-8 whatever the locale.
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONIOENCODING": "utf-8"}


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m rnnplay ARGS` in a new process, to its end; its exit code and its output."""
    return subprocess.run([sys.executable, "-m", "rnnplay", *args], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=timeout, env=_cli_env())


def start_cli(*args: str) -> subprocess.Popen[str]:
    """`python -m rnnplay ARGS` started in a new process (for signals and closed pipes)."""
    return subprocess.Popen([sys.executable, "-m", "rnnplay", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT, env=_cli_env())


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`rnnplay ARGS` in this process: (exit code, stdout, stderr)."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err

# Small enough that an epoch takes milliseconds, long enough for the book's two prefixes. Kept
# in the repository and named relative to the working directory, so snapshots show one path.
TINY_FILE = Path(__file__).parent / "tui" / "tiny_lyrics.txt"
TINY_TEXT = TINY_FILE.read_text(encoding="utf-8")
TINY_SETUP = {
    "max_chars": "0",
    "hidden": "16",
    "batch_size": "4",
    "num_steps": "8",
    "lr": "30",
    "epochs": "20",
    "pred_period": "10",
    "pred_len": "20",
    "device": "cpu",
}

def make_app(
    train: bool = False, prompt: str = "", load: str | None = None, **setup: str
) -> RnnplayApp:
    values = {"corpus": os.path.relpath(TINY_FILE), **TINY_SETUP, **setup}
    return RnnplayApp(AppOptions(train=train, setup=values, prompt=prompt, load=load))


async def wait_for(
    pilot: Pilot, condition: Callable[[], bool], timeout: float = 15.0, what: str = ""
) -> None:
    """Let the app run until `condition` holds (the threads post to it asynchronously).

    The timeout is generous: it only bounds a hang, and a busy 2-core CI box is slow.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)
    await asyncio.sleep(0)


def notified(app: RnnplayApp, words: str) -> bool:
    """Whether a toast containing `words` (in its title or message) was shown."""
    return any(words in f"{n.title} {n.message}" for n in app._notifications)

