"""Several runs training at once, driven as a user would: F5 while a run trains asks whether
the new one trains alongside or queues, both curves advance, F6 and F7 act on the selected run
only and say which, and the status line gives each running run's speed."""

from __future__ import annotations

import re

from helpers import make_app, notified, wait_for
from screen_text import screen_text

from tui.screens.choice import ChoiceScreen
from tui.widgets.curves import CurvesPlot

SIZE = (120, 40)
LONG = "100000"  # epochs: a run that goes on until the test stops it


def _epochs_drawn(app, run_id: int) -> int:
    series = next((r for r in app.query_one(CurvesPlot).runs if r.run_id == run_id), None)
    return len(series.epochs) if series is not None else 0


async def _f5_asks(pilot, app) -> None:
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
    text = screen_text(app)
    assert "#1 scratch is training" in text and "q: queue it until no run trains" in text


async def test_two_runs_train_at_once_and_f6_pauses_only_the_selected_one():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        await _f5_asks(pilot, app)
        await pilot.press("a")
        await wait_for(pilot, lambda: app.playground.training_runs() == [1, 2],
                       timeout=30, what="both train")  # fmt: skip
        assert notified(app, "the new run training alongside #1 scratch")
        for run_id in (1, 2):
            drawn = _epochs_drawn(app, run_id)
            await wait_for(pilot, lambda r=run_id, d=drawn: _epochs_drawn(app, r) > d + 1,
                           timeout=30, what=f"#{run_id}'s curve advances")  # fmt: skip
        # The selected run's own speed, then the other one's.
        await wait_for(pilot, lambda: re.search(r"chars/s .* #1 \S+ c/s",
                                                str(app.main.status.query_one("#numbers").render())),
                       what="each run's speed")  # fmt: skip
        assert app.playground.selected == 2
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.playground.summary(2).state == "paused", what="paused")
        assert notified(app, "#2 scratch pausing")
        assert app.playground.summary(1).state == "running", "#1 trains on"
        drawn = _epochs_drawn(app, 1)
        await wait_for(pilot, lambda: _epochs_drawn(app, 1) > drawn, timeout=30, what="#1 goes on")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.playground.summary(2).state == "stopped", what="#2 stop")
        assert notified(app, "#2 scratch stopping")
        assert app.playground.summary(1).state == "running"
        assert app.playground.select(1)
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.playground.training_runs() == [], what="all stopped")


async def test_f5_can_queue_the_new_run_after_the_training_one():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        app.main.setup.query_one("#epochs").value = "2"
        await _f5_asks(pilot, app)
        await pilot.press("q")
        await wait_for(pilot, lambda: app.playground.queued() == [2], timeout=30, what="queued")
        assert notified(app, "the new run queued: it starts once no run trains "
                             "(#1 scratch training now)")  # fmt: skip
        assert app.playground.summary(2).state == "queued"
        assert app.playground.selected == 1 and app.playground.training_runs() == [1]
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.playground.summary(2).state == "finished",
                       timeout=30, what="#2 ran once #1 stopped")  # fmt: skip


def _row(app, label: str) -> str:
    return next((line for line in screen_text(app).splitlines() if label in line), "")


async def test_f6_pausing_the_training_run_starts_the_queued_one():
    """A paused run trains nothing, so the queue does not wait for it (a paused #1 once kept
    the queued runs 'idle 0/250' for good), and a queued run's row says it is queued."""
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        app.main.setup.query_one("#epochs").value = "2"
        await _f5_asks(pilot, app)
        await pilot.press("q")
        await wait_for(pilot, lambda: app.playground.queued() == [2], timeout=30, what="queued")
        await wait_for(pilot, lambda: " queued " in _row(app, "#2 scratch"), what="its row")
        await pilot.press("f6")  # pauses #1, the selected run
        await wait_for(pilot, lambda: app.playground.summary(2).state == "finished",
                       timeout=30, what="#2 ran while #1 was paused")  # fmt: skip
        assert app.playground.summary(1).state == "paused"
        await pilot.press("f7")


async def test_esc_on_the_question_starts_nothing():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        await _f5_asks(pilot, app)
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert [s.id for s in app.playground.summaries()] == [1]
        await pilot.press("f7")
