"""A tester's finding: ctrl+o's dialog said "#6 … is unsaved" of a run saved a minute before
and trained since, as of one never saved; it says since which epoch (the core reports the epoch
its newest file holds)."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, notified, wait_for
from textual.widgets import Static

from engine.session import load_session
from tui.screens.load import LoadScreen

LONG = "100000"  # epochs: a run that trains until it is stopped


async def test_the_load_dialog_says_since_which_epoch_a_saved_run_is_unsaved(
    save_dir: Path,
) -> None:
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.playground.training_runs() == [1], timeout=30,
                       what="training")  # fmt: skip
        await wait_for(pilot, lambda: app.playground.summary(1).epoch >= 1, timeout=30,
                       what="an epoch")  # fmt: skip
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), timeout=20, what="saved")
        (path,) = save_dir.glob("*.rnnplay")
        saved = load_session(path).epoch
        await wait_for(pilot, lambda: app.playground.summary(1).epoch > saved
                       and app.playground.summary(1).unsaved, timeout=30,
                       what="trained since")  # fmt: skip
        assert app.playground.summary(1).saved_epoch == saved
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        warning = str(app.screen.query_one("#load-warning", Static).render())
        assert warning == f"#1 scratch is unsaved since epoch {saved}: loading keeps it"
