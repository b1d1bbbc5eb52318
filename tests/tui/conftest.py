"""Fixtures for the app's tests: a per-test save folder, one torch thread, the pilot's idle wait
capped, a frozen clock."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import textual.app
import textual.pilot
from textual._wait import SLEEP_GRANULARITY, wait_for_idle

import engine.generation.prompt_follower
import engine.training.trainer

# How long the pilot waits, at most, for the process to go idle after a key (Textual's own: 1 s).
IDLE_WAIT_CAP_S = 0.1


@pytest.fixture(autouse=True)
def save_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sessions (saves, autosaves on quit) go to a per-test folder, never the checkout's."""
    folder = tmp_path / "saves"
    monkeypatch.setenv("RNNPLAY_SAVE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def one_torch_thread_each(one_torch_thread: None) -> None:
    """Tiny models: a second torch thread only adds contention."""


@pytest.fixture(autouse=True)
def idle_wait_capped(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual's pilot lets the app settle after each key press (and pause()) by waiting until
    the process's CPU time stops advancing, for up to a second. A run training is CPU time of
    the process, so beside one it never went idle: each key press slept 2 s while the run
    trained on (issue 21: a second or more of CPU a key in 48+ tests). Capped, a press still
    returns only once every message queued before it is handled (Pilot._wait_for_screen), and
    the tests wait on conditions for what comes later.

    Not for snapshots: the picture is taken once the app settles, and capped, a loaded machine
    took it before a repaint came (the model view's 120x40 snapshot failed beside other tests).
    Their runs end before the picture, so the process goes idle and the wait is short anyway."""
    if "snap_compare" in request.fixturenames:
        return

    async def capped(min_sleep: float = SLEEP_GRANULARITY, max_sleep: float = 1) -> None:
        await wait_for_idle(min_sleep, min(max_sleep, IDLE_WAIT_CAP_S))

    monkeypatch.setattr(textual.app, "wait_for_idle", capped)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", capped)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trainer's clock advances 1 ms per reading, so times and speeds on screen are the
    same on every run (for snapshots); nothing else in the process is affected. The prompt's
    replays are not rationed: whether its title says "weights every N s" depends on what a
    replay costs on this machine at this moment (a loaded machine showed it, a quiet one not)."""
    ticks = iter(range(10**9))
    clock = SimpleNamespace(perf_counter=lambda: next(ticks) / 1000)
    monkeypatch.setattr(engine.training.trainer, "time", clock)
    monkeypatch.setattr(engine.generation.prompt_follower, "REPLAY_SHARE", 1.0)
