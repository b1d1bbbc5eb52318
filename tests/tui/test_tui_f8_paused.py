"""F8 on a paused run: the new lr is taken up once the run resumes, and the note says so (it said
"marked on the plot" while no mark could come until the run trained again)."""

from __future__ import annotations

from helpers import make_app, pause_once_running, wait_for
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from tui.widgets.status import StatusPane


def _numbers(app) -> str:
    return str(app.query_one(StatusPane).query_one("#numbers").render())


def _notes(app) -> list[str]:
    return [line.plain for line in app.main.samples._written]


async def _set_lr_30(pilot: Pilot, app: App) -> str:
    """F8, lr 30, Enter: the note that answers it."""
    await pilot.press("f8")
    await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="the lr dialog")
    app.screen.query_one("#new-lr", Input).value = "30"
    await pilot.press("enter")
    await wait_for(pilot, lambda: any("lr 100→30" in n for n in _notes(app)), what="the note")
    (note,) = [n for n in _notes(app) if "lr 100→30" in n]
    return note


async def test_f8_on_a_paused_run_says_the_lr_comes_when_it_resumes() -> None:
    app = make_app(train=True, epochs="100000", lr="100")
    async with app.run_test(size=(120, 40)) as pilot:
        await pause_once_running(pilot, app)
        assert "lr 100 (F8)" in _numbers(app), _numbers(app)
        note = await _set_lr_30(pilot, app)
        assert "once it resumes" in note, note
        await pilot.press("f6")
        await wait_for(pilot, lambda: "lr 30 (F8)" in _numbers(app), what="the new lr shown")


async def test_f8_on_a_running_run_is_marked_at_its_next_batch() -> None:
    app = make_app(train=True, epochs="100000", lr="100")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        note = await _set_lr_30(pilot, app)
        assert "resumes" not in note and "marked on the plot" in note, note
        await wait_for(pilot, lambda: "lr 30 (F8)" in _numbers(app), what="the new lr shown")
