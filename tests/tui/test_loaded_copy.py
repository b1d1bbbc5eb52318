"""A tester's findings on quitting with a run loaded beside the run it was saved from, and with
runs queued (real core, Pilot): each run goes to a file of its own and the exit names each file's
run; the question about the queue follows the queue while it is open."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import TINY_FILE, make_app, notified, wait_for
from screen_text import screen_text, squeezed
from textual.widgets import DataTable

from engine.session import session_info
from tui.screens.choice import ChoiceScreen
from tui.screens.load import LoadScreen

LONG = "100000"  # epochs: a run that goes on until quitting stops it


def _epoch(app, run_id: int) -> int:
    summary = app.playground.summary(run_id)
    return summary.epoch if summary is not None else -1


async def test_a_run_and_its_loaded_save_quit_into_two_files(save_dir: Path) -> None:
    # ctrl+s #1; ctrl+o, Enter loads it as #2; F6 trains #2; ctrl+q: the exit said "#2 saved
    # to A" while A held #1, and #2's training was in no file.
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: _epoch(app, 1) >= 1, timeout=30, what="training")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: list(save_dir.glob("*.rnnplay")), timeout=20, what="saved")
        (first,) = save_dir.glob("*.rnnplay")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1, what="listed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 2, timeout=30,
                       what="loaded")  # fmt: skip
        await wait_for(pilot, lambda: notified(app, "new file of its own"), what="said so")
        loaded_at = _epoch(app, 2)
        await pilot.press("f6")
        await wait_for(pilot, lambda: _epoch(app, 2) > loaded_at, timeout=30, what="#2 trains")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, timeout=30, what="gone")
    files = {session_info(path).label: path for path in save_dir.glob("*.rnnplay")}
    assert set(files) == {"#1 scratch", "#2 scratch"} and files["#1 scratch"] == first
    assert session_info(files["#2 scratch"]).epoch > loaded_at
    assert sorted(app.exit_notes) == sorted(f"rnnplay: {label} saved to {path}"
                                            for label, path in files.items())  # fmt: skip


async def test_the_question_about_the_queue_follows_the_queue(save_dir: Path) -> None:
    # It said "2 queued runs will not start: #7 ..., #8 ..." while #7 trained.
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: _epoch(app, 1) >= 1, timeout=30, what="training")
        settings = dict(hidden=16, batch_size=4, num_steps=8, lr=30.0, epochs=100000,
                        device="cpu", pred_period=10)  # fmt: skip
        for _ in range(2):
            app.playground.new_run(os.path.relpath(TINY_FILE), 0, settings, queue=True)
        await wait_for(pilot, lambda: len(app.playground.queued()) == 2, timeout=30,
                       what="two queued")  # fmt: skip
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="asked")
        await wait_for(pilot, lambda: "2queuedrunswillnotstart" in squeezed(screen_text(app)),
                       what="two named")  # fmt: skip
        assert app.playground.stop(1)  # the queue's first run starts: one is left
        await wait_for(pilot, lambda: app.playground.queued() == [3], timeout=30,
                       what="#2 started")  # fmt: skip
        await wait_for(pilot, lambda: "1queuedrunwillnotstart#3" in squeezed(screen_text(app)),
                       what="the question redrawn")  # fmt: skip
        assert "#2" not in screen_text(app).split("will not start")[1].split("never")[0]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen), what="stayed")
        app.playground.close()
