"""A tester's finding: F9's dialog did not say which run it saves (the selected one, whose ▶ the
dialog covers): with several runs, "save the session as" could be any of them."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text

from tui.screens.save_as import SaveAsScreen


async def test_save_as_names_the_run_it_saves() -> None:
    app = make_app(lr="1, 3", epochs="1")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 2
                       and all(s.state == "finished" for s in app.playground.summaries()),
                       timeout=30, what="two finished runs")  # fmt: skip
        assert app.playground.select(1)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveAsScreen), what="save as")
        await pilot.pause()
        assert "save #1 scratch·lr 1 as" in screen_text(app), screen_text(app)
        await pilot.press("escape")
