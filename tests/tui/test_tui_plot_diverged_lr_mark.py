"""A tester's finding: an lr change (F8) that made a run diverge got no ▾ on the plot, while
every other change did: the divergence guard stops the run before the epoch ends, so no epoch's
record carries the new lr. The plot marks it at the run's last epoch, where its curve ends."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text
from textual.widgets import Input

from tui.widgets.curves import CurvesPlot


async def test_an_lr_change_that_made_the_run_diverge_is_marked() -> None:
    # Many short batches an epoch: the new lr rarely meets an epoch's last batch (see below).
    app = make_app(train=True, epochs="100000", lr="1", batch_size="1", num_steps="4")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: (run := app.playground.summary(1)) is not None
                       and run.epoch >= 2, what="two epochs")  # fmt: skip
        assert "▾" not in screen_text(app)
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="the lr dialog")
        app.screen.query_one("#new-lr", Input).value = "1e30"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state == "diverged", timeout=20, what="diverged")
        plot = app.query_one(CurvesPlot)
        (series,) = plot.runs
        last = series.epochs[-1]
        # Usually no epoch ends at the new lr: the mark is placed at the curve's end. Where the
        # change met an epoch's last batch (it lands between two batches), that epoch carries
        # it and is marked as any change is; a full run once met it.
        if series.lr[-1] == 1:
            await wait_for(pilot, lambda: series.lr_changes() == [(last, 1e30)],
                           what="the change")  # fmt: skip
        else:
            assert series.lr_changes() == [(last, 1e30)], series.lr_changes()
        await wait_for(pilot, lambda: "▾" in screen_text(app), what="▾ on the plot")
