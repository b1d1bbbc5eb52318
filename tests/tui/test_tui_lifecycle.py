"""What a run's life allows, driven as a user would: F3 and Del never lose unsaved training, a
stopped run is never cleared, a load touches no other run, F5 never stops a run."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, notified, wait_for
from screen_text import screen_text
from textual.widgets import Input

from engine.session import load_session
from tui.screens.choice import ChoiceScreen
from tui.screens.load import LoadScreen
from tui.widgets.curves import CurvesPlot
from tui.widgets.runs_table import RunsTable

SIZE = (100, 30)
LONG = "100000"  # epochs: a run that goes on until the test stops it


async def load_by_path(pilot, app, path: Path) -> None:
    """ctrl+o, then the path typed into the load screen's field."""
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
    field = app.screen.query_one("#load-path", Input)
    field.focus()
    field.value = str(path)
    await pilot.press("enter")


def labels(app) -> list[str]:
    return [run.label for run in app.playground.summaries()]


async def finish_new_run(pilot, app, runs: int) -> None:
    """F5 with a short run; waits until it is the `runs`th and has finished."""
    app.query_one("#epochs", Input).value = "2"
    await pilot.press("f5")
    await wait_for(pilot, lambda: len(labels(app)) == runs and app.state == "finished",
                   timeout=30, what=f"run {runs} finished")  # fmt: skip


async def test_f3_asks_before_unsaved_runs_go_and_never_clears_a_stopped_one(save_dir: Path):
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running" and app.playground.summary(1).epoch,
                       what="training")  # fmt: skip
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        await finish_new_run(pilot, app, 2)
        # #1 stopped (unsaved), #2 finished and selected: there is nothing F3 may clear.
        await pilot.press("f3")
        await wait_for(pilot, lambda: notified(app, "nothing to clear"), what="says so")
        assert notified(app, "stopped runs and the selected one stay")
        assert not isinstance(app.screen, ChoiceScreen)
        await finish_new_run(pilot, app, 3)
        # #2 is finished and unsaved: F3 names it and asks; Esc changes nothing.
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="question")
        text = screen_text(app)
        assert "#2 scratch" in text and "#1" not in text.split("clear the")[1][:200]
        assert "save them, then clear" in text and "discard them" in text
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ChoiceScreen)
        assert len(labels(app)) == 3, "nothing went on Esc"
        # Save, then clear: #2 leaves once its file is written, and the file loads.
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="asked again")
        await pilot.press("s")
        await wait_for(pilot, lambda: [lb[:2] for lb in labels(app)] == ["#1", "#3"],
                       what="#2 cleared once saved")  # fmt: skip
        (saved,) = sorted(save_dir.glob("*.rnnplay"))
        assert load_session(saved).epoch == 2
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: [r.run_id for r in plot.runs] == [1, 3], what="plot")


async def test_f3_clear_only_the_saved_ones_keeps_the_unsaved(save_dir: Path):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="#1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="#1 saved")
        await finish_new_run(pilot, app, 2)
        await finish_new_run(pilot, app, 3)
        # #1 saved, #2 unsaved, #3 selected.
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="question")
        assert "clear only the saved ones" in screen_text(app)
        await pilot.press("o")
        await wait_for(pilot, lambda: [lb[:2] for lb in labels(app)] == ["#2", "#3"],
                       what="only #1 cleared")  # fmt: skip
        assert app.playground.summary(2).unsaved


async def test_del_asks_for_an_unsaved_run_and_says_where_a_saved_one_is(save_dir: Path):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="#1")
        await finish_new_run(pilot, app, 2)
        table = app.query_one(RunsTable)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="question")
        assert "remove #1 scratch?" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert len(labels(app)) == 2, "Esc keeps it"
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="asked again")
        await pilot.press("d")
        await wait_for(pilot, lambda: len(labels(app)) == 1, what="removed unsaved")
        assert notified(app, "removed #1 scratch without saving it")
        # A saved run goes at once, and the message says where its training is.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not app.playground.summary(2).unsaved, what="saved")
        await finish_new_run(pilot, app, 2)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("delete")
        await wait_for(pilot, lambda: len(labels(app)) == 1, what="removed saved")
        assert not isinstance(app.screen, ChoiceScreen)
        (saved,) = save_dir.glob("*.rnnplay")
        assert notified(app, "removed #2 scratch (saved in ") and notified(app, saved.name)


async def test_a_load_while_training_touches_nothing_and_a_refused_one_changes_nothing(
    save_dir: Path, tmp_path: Path
):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="#1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: notified(app, "saved to"), what="#1 saved")
        (good,) = save_dir.glob("*.rnnplay")
        bad = tmp_path / "bad.rnnplay"
        bad.write_bytes(b"not a session at all")
        app.query_one("#epochs", Input).value = LONG
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.state == "running", what="#2 trains")
        status = app.main.status
        await load_by_path(pilot, app, bad)
        await wait_for(pilot, lambda: notified(app, "refused"), timeout=20, what="refusal")
        await pilot.pause(0.3)
        assert app.playground.summary(2).state == "running", "the training run goes on"
        assert status.state == "running", "the status line never stays on loading"
        epoch = app.playground.summary(2).epoch
        await load_by_path(pilot, app, good)
        await wait_for(pilot, lambda: len(labels(app)) == 3, timeout=20, what="loaded")
        await wait_for(pilot, lambda: app.playground.summary(2).epoch > epoch + 1,
                       what="#2 still trains")  # fmt: skip
        assert app.playground.summary(2).state == "running"
        assert len(set(labels(app))) == 3, "labels stay unique"
        await pilot.press("f7")


async def test_f5_while_training_never_stops_that_run():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        await pilot.press("a")
        await wait_for(pilot, lambda: notified(app, "training alongside #1 scratch"))
        await wait_for(pilot, lambda: len(labels(app)) == 2 and app.state == "running")
        assert app.playground.summary(1).state == "running"
        await pilot.press("f7")
        assert app.playground.select(1)
        await pilot.press("f7")
