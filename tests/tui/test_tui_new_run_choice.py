"""F5 while runs train asks how the new runs start: each answer says whom it moves and until
when, for one new run or several ("q: queue it after" read cut, and "it" for four runs)."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text
from textual.widgets import Input

from tui.screens.choice import ChoiceScreen

LONG = "100000"


async def test_the_answers_name_the_new_runs_and_until_when_they_wait() -> None:
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="#1 trains")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        text = screen_text(app)
        assert "a: train it alongside" in text and "q: queue it until no run trains" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChoiceScreen), what="closed")
        app.query_one("#lr", Input).value = "10, 30"  # two new runs
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        text = screen_text(app)
        assert "start 2 new runs how?" in text
        assert "a: train them alongside" in text and "q: queue them until no run trains" in text
        await pilot.press("escape")
        await pilot.press("f7")
