"""The status line offers F8 (a new learning rate) only where F8 works: while the selected run
trains. A stopped, finished or loaded run's lr is the one it trained with; F8 there only says
to set lr in the setup pane."""

from __future__ import annotations

from helpers import make_app, wait_for

from tui.widgets.status import StatusPane

SIZE = (120, 40)


def _numbers(app) -> str:
    return str(app.query_one(StatusPane).query_one("#numbers").render())


async def test_f8_is_offered_while_the_run_trains_and_not_once_it_is_parked(save_dir) -> None:
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        await wait_for(pilot, lambda: "(F8)" in _numbers(app), what="F8 offered")
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        assert "(F8)" in _numbers(app), "a paused run's lr changes too"
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        await pilot.pause()
        assert "lr " in _numbers(app) and "(F8)" not in _numbers(app), _numbers(app)


async def test_a_finished_run_shows_its_lr_without_f8() -> None:
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="finished")
        await pilot.pause()
        assert "SGD lr " in _numbers(app) and "(F8)" not in _numbers(app), _numbers(app)
