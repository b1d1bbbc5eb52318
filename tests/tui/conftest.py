"""Fixtures for the app's tests: a scripted fake engine and helpers to wait on the UI."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_engine import Script, Trainer, fake_engine
from textual.pilot import Pilot

from tui.app import AppOptions, RnnplayApp


@pytest.fixture(autouse=True)
def fake_script() -> Iterator[Script]:
    """Each test starts from the default script (fast, no failures)."""
    Trainer.script = Script()
    yield Trainer.script
    Trainer.script = Script()


@pytest.fixture(autouse=True)
def save_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sessions (saves, autosaves on quit) go to a per-test folder, never the checkout's."""
    folder = tmp_path / "saves"
    monkeypatch.setenv("RNNPLAY_SAVE_DIR", str(folder))
    return folder


def make_app(
    train: bool = False, prompt: str = "", load: str | None = None, **setup: str
) -> RnnplayApp:
    setup.setdefault("epochs", "20")
    setup.setdefault("max_chars", "0")
    options = AppOptions(train=train, setup=setup, prompt=prompt, load=load)
    return RnnplayApp(fake_engine(), options)


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
