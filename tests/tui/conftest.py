"""Fixtures for the app's tests: a scripted fake engine and helpers to wait on the UI."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

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


def make_app(train: bool = False, prompt: str = "", **setup: str) -> RnnplayApp:
    setup.setdefault("epochs", "20")
    setup.setdefault("max_chars", "0")
    return RnnplayApp(fake_engine(), AppOptions(train=train, setup=setup, prompt=prompt))


async def wait_for(
    pilot: Pilot, condition: Callable[[], bool], timeout: float = 5.0, what: str = ""
) -> None:
    """Let the app run until `condition` holds (the threads post to it asynchronously)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.02)
    await asyncio.sleep(0)
