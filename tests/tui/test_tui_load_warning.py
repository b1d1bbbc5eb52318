"""ctrl+o's dialog says which runs are unsaved in English: one run is, two runs are."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text
from test_tui_lifecycle import SIZE, finish_new_run

from tui.screens.load import LoadScreen


async def test_the_load_dialog_names_unsaved_runs_in_the_right_number(save_dir):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="#1")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        assert "#1 scratch is unsaved: loading keeps it" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoadScreen), what="closed")
        await finish_new_run(pilot, app, 2)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        text = screen_text(app)
        assert "#1 scratch, #2 scratch are unsaved: loading keeps them" in text
