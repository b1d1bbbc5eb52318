"""Saving in the app, on the real engine with a tiny corpus: ctrl+s while idle, running and
paused, save as (F9) and what it refuses, the autosave on quit and a failed one, a failed save.
Files are checked with engine.session itself."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers import jaychou_app, make_app, notified, wait_for
from screen_text import screen_text
from textual.widgets import Input

from engine.session import load_session
from tui.screens.autosave_failed import AutosaveFailedScreen
from tui.screens.save_as import SaveAsScreen
from tui.screens.target import TargetScreen
from tui.widgets.status import StatusPane

SIZE = (100, 30)


pytestmark = pytest.mark.usefixtures("one_torch_thread")



def saved_files(save_dir: Path) -> list[Path]:
    return sorted(save_dir.glob("*.rnnplay"))


async def test_save_while_idle_running_and_paused(save_dir: Path) -> None:
    app = jaychou_app(train=True, prompt="分开")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="tiny run")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="first save")
        (path,) = saved_files(save_dir)
        session = load_session(path)
        assert session.epoch == 3 and session.prompt == "分开"
        assert session.config.hidden == 32 and session.config.batch_size == 8
        summary = app.playground.summary(1)
        assert summary.path == str(path) and not summary.unsaved

        # Train on (F6, past its target: it asks how far), save twice while it runs: the same
        # file each time.
        app.query_one("#epochs", Input).value = "100000"
        await pilot.press("escape", "我")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetScreen), what="how far")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state == "running", what="trains on")
        await wait_for(pilot, lambda: app.playground._runs[1].trainer.epoch >= 5, timeout=20)
        app._notifications.clear()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="save while running")
        assert saved_files(save_dir) == [path]
        session = load_session(path)
        assert session.epoch >= 5 and session.prompt == "分开我"
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        app._notifications.clear()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="save while paused")
        paused_at = app.playground._runs[1].trainer.epoch
        assert load_session(path).epoch == paused_at
        await pilot.press("f7")


async def test_save_as_modal(save_dir: Path) -> None:
    app = jaychou_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="tiny run")
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), what="modal")
        field = app.screen.query_one("#save-path", Input)
        # Pre-filled with a suggested name in the save folder.
        assert field.value.startswith(str(save_dir)) and field.value.endswith(".rnnplay")
        field.value = "mine"
        await pilot.press("enter")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="save as")
        assert saved_files(save_dir) == [save_dir / "mine.rnnplay"]
        assert load_session(save_dir / "mine.rnnplay").epoch == 3
        # The session now lives there: save as offers it, ctrl+s writes it again.
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), what="modal")
        assert app.screen.query_one("#save-path", Input).value == str(save_dir / "mine.rnnplay")
        assert "will be replaced" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)
        assert saved_files(save_dir) == [save_dir / "mine.rnnplay"]


async def test_quit_autosaves_unsaved_progress_while_training(save_dir: Path) -> None:
    app = jaychou_app(train=True, prompt="分开", epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(StatusPane).epoch >= 2, timeout=20)
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 2.0
    (path,) = saved_files(save_dir)
    session = load_session(path)
    assert session.epoch >= 2 and session.prompt == "分开"
    assert app.exit_notes == [f"rnnplay: #1 scratch saved to {path}"]


async def test_quit_with_nothing_new_saves_nothing(save_dir: Path) -> None:
    app = make_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="tiny run")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="save")
        first = saved_files(save_dir)
        await pilot.press("ctrl+q")
    assert saved_files(save_dir) == first and len(first) == 1
    assert app.exit_notes == []


async def test_save_failure_is_shown(save_dir: Path) -> None:
    save_dir.parent.mkdir(parents=True, exist_ok=True)
    save_dir.write_text("a file where the folder should be")
    app = make_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="tiny run")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "not saved"), what="error toast")
        assert app.playground.summary(1).unsaved


async def test_a_failed_autosave_asks_before_anything_is_lost(save_dir: Path) -> None:
    save_dir.parent.mkdir(parents=True, exist_ok=True)
    save_dir.write_text("a file where the folder should be")  # every save fails
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.query_one(StatusPane).epoch >= 1, what="training")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, AutosaveFailedScreen), what="ask")
        assert "autosave failed" in screen_text(app)
        assert app.is_running and app.playground.summary(1).unsaved
        await pilot.press("escape")  # stay: the run is still there
        await wait_for(pilot, lambda: not isinstance(app.screen, AutosaveFailedScreen))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, AutosaveFailedScreen), what="again")
        await pilot.press("q")  # quit without saving, knowingly
        await wait_for(pilot, lambda: not app.is_running, what="gone")
    assert app.return_value == 0


async def test_save_as_never_crashes_on_any_text(save_dir: Path) -> None:
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), what="modal")
        field = app.screen.query_one("#save-path", Input)
        field.value = ""
        for text in ("/", "./", "~/", "..", "/dev/", "a/b/"):
            field.value = ""
            await pilot.press(*text)
            await pilot.pause(0.05)
            assert app.is_running and isinstance(app.screen, SaveAsScreen)
        # A name too long for the file system, checked at every length on its way there as
        # typing it does (a Changed message each), without the pilot's settling time a key.
        for length in range(1, 301):
            field.value = "x" * length
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, SaveAsScreen)
        assert field.value == "x" * 300
        fifo = save_dir.parent / "pipe.rnnplay"
        os.mkfifo(fifo)
        field.value = str(fifo)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, SaveAsScreen), "a FIFO is never saved over"
        assert "not a regular file" in screen_text(app)
        field.value = "/"
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "that is a folder" in screen_text(app)
