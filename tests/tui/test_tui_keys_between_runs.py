"""A tester's findings with several runs on screen (2026-12-07, third round): what F8 says on a run
that cannot take a new lr, Del on a run saved earlier, and F6 on a queued run beside a paused
one."""

from __future__ import annotations

from helpers import make_app, notified, wait_for
from screen_text import screen_text, squeezed

from tui.screens.choice import ChoiceScreen
from tui.widgets.runs_table import RunsTable


async def test_f8_on_a_finished_run_says_where_f8_works_and_how_to_train_it_on() -> None:
    # It said "set lr in the setup pane", which sets the next run's lr, not this one's.
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        await pilot.press("f8")
        await wait_for(pilot, lambda: notified(app, "F8 changes the lr of a run that trains"),
                       what="the answer")  # fmt: skip
        assert notified(app, "#1 scratch is finished: F8 changes the lr of a run that trains or "
                             "is paused; F6 trains it on")  # fmt: skip
        assert not notified(app, "setup pane")


async def test_del_on_a_run_saved_epochs_ago_says_since_when_it_is_unsaved(save_dir) -> None:
    # It said "its training (epoch 4) is not saved in any file" of a run saved at epoch 2.
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not app.playground.summary(1).unsaved, what="saved")
        await pilot.press("f6")  # trains on: the question of how far
        await wait_for(pilot, lambda: app.screen is not app.main, what="the target question")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.playground.summary(1).epoch == 4
                       and app.state == "finished", timeout=60, what="trained on to 4")
        app.query_one(RunsTable).focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the question")
        text = squeezed(screen_text(app))
        assert squeezed("its training since epoch 2 (now 4) is not saved") in text, text
        assert "not saved in any file" not in text
        await pilot.press("escape")


async def test_f6_on_a_queued_run_names_the_runs_training_beside_it_not_a_paused_one() -> None:
    # "#9 … starts now, beside #2 …, #1 scratch" while #2 was paused, training nothing.
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        for lr, answer in (("30", "a"), ("10", "q")):  # #2 alongside #1, then #3 queued
            app.main.setup.query_one("#lr").value = lr
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
            await pilot.press(answer)
            if answer == "a":
                await wait_for(pilot, lambda: app.playground.summary(2) is not None
                               and app.playground.summary(2).state == "running", what="#2")
                assert app.playground.pause(2)
                await wait_for(pilot, lambda: app.playground.summary(2).state == "paused",
                               what="#2 paused")  # fmt: skip
        await wait_for(pilot, lambda: app.playground.queued() == [3], what="#3 queued")
        assert app.playground.select(3)
        await pilot.press("f6")
        await wait_for(pilot, lambda: notified(app, "starts now"), timeout=30, what="#3 starts")
        (said,) = [n.message for n in app._notifications if "starts now" in n.message]
        assert said.endswith("starts now, beside #1 scratch"), said
        for run_id in (3, 2, 1):
            app.playground.stop(run_id)
