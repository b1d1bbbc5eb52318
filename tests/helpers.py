"""What the tests share besides fixtures: the app on the real core with a tiny corpus, and waits.

Imported by name (`from helpers import make_app`): pytest puts tests/ on the path (pyproject's
`pythonpath`), so no test imports a conftest.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tui.app import AppOptions, RnnplayApp

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

