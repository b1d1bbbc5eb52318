"""One message per user action when runs are queued: F5 that queues a grid says so in one
toast (the core's note on each queued run goes to the notes only), and F6 on a queued run, which
never trained, says that it starts now."""

from __future__ import annotations

from helpers import make_app, notified, wait_for

from tui.screens.choice import ChoiceScreen

LONG = "100000"  # epochs: #1 trains until the test stops it


async def test_a_queued_grid_is_one_toast_and_f6_starts_a_queued_run_now() -> None:
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        app.main.setup.query_one("#lr").value = "10, 30"
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        await pilot.press("q")
        await wait_for(pilot, lambda: app.playground.queued() == [2, 3], timeout=30,
                       what="both queued")  # fmt: skip
        await pilot.pause(0.5)  # the core's reports of both runs taken in
        queued = [n.message for n in app._notifications if "queued" in n.message]
        assert queued == ["2 new runs queued: they start once no run trains "
                          "(#1 scratch training now)"], queued  # fmt: skip
        assert app.playground.select(3)
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.playground.summary(3).state == "running",
                       timeout=30, what="#3 starts")  # fmt: skip
        assert notified(app, "#3 scratch·lr 30 starts now, beside #1 scratch")
        assert not notified(app, "trains on beside")
        await pilot.press("f7")
        assert app.playground.select(1)
        await pilot.press("f7")
