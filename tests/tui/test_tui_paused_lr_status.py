"""A tester's finding: F8 on a paused run said the new lr comes on resume, while the status line
showed the new lr as the one it trains at, with nothing saying it waits. The core reports the lr
the run trained at (RunSummary.paused_lr) and the line says "lr 100→30 on resume" until it
resumes; setting the old lr back leaves nothing waiting."""

from __future__ import annotations

from helpers import make_app, new_lr, pause_once_running, wait_for
from screen_text import screen_text
from textual.app import App

from tui.widgets.status import StatusPane


def _numbers(app: App) -> str:
    return str(app.query_one(StatusPane).query_one("#numbers").render())


def _says_it_waits(app: App) -> None:
    # The dialog says when the lr applies: a paused run's once it resumes.
    assert "once the run resumes" in screen_text(app)


async def test_a_paused_runs_new_lr_shows_as_waiting_for_the_resume() -> None:
    app = make_app(train=True, epochs="100000", lr="100")
    async with app.run_test(size=(80, 24)) as pilot:
        await pause_once_running(pilot, app)
        await new_lr(pilot, app, "30", lambda: _says_it_waits(app))
        await wait_for(pilot, lambda: "lr 100→30 on resume (F8)" in _numbers(app),
                       what="the lr waiting")  # fmt: skip
        summary = app.playground.summary(1)
        assert summary is not None and summary.paused_lr == 100 and summary.config.lr == 30
        await pilot.press("f6")
        await wait_for(pilot, lambda: "lr 30 (F8)" in _numbers(app), what="the lr taken up")
        assert "on resume" not in _numbers(app) and app.playground.summary(1).paused_lr is None


async def test_the_old_lr_set_back_while_paused_waits_for_nothing() -> None:
    app = make_app(train=True, epochs="100000", lr="100")
    async with app.run_test(size=(120, 40)) as pilot:
        await pause_once_running(pilot, app)
        await new_lr(pilot, app, "30", lambda: _says_it_waits(app))
        await new_lr(pilot, app, "50", lambda: _says_it_waits(app))
        await wait_for(pilot, lambda: "lr 100→50 on resume" in _numbers(app), what="100→50")
        await new_lr(pilot, app, "100", lambda: _says_it_waits(app))
        await wait_for(pilot, lambda: "lr 100 (F8)" in _numbers(app), what="nothing waits")
        assert app.playground.summary(1).paused_lr is None
        await pilot.press("f7")
