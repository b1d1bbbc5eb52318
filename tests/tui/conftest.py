"""Fixtures for the app's tests: a per-test save folder, one torch thread, a frozen clock."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

import engine.generation.prompt_follower
import engine.training.trainer


@pytest.fixture(autouse=True)
def save_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sessions (saves, autosaves on quit) go to a per-test folder, never the checkout's."""
    folder = tmp_path / "saves"
    monkeypatch.setenv("RNNPLAY_SAVE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def one_torch_thread_each(one_torch_thread: None) -> None:
    """Tiny models: a second torch thread only adds contention."""


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
