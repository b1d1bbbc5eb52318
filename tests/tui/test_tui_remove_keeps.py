"""Removing runs from the runs table keeps what the user had: F3's "save them, then clear"
writes the prompt like ctrl+s does."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, wait_for
from test_tui_lifecycle import SIZE, finish_new_run, labels

from engine.session import load_session
from tui.screens.choice import ChoiceScreen
from tui.widgets.runs_table import RunsTable


async def test_f3_save_then_clear_keeps_the_prompt(save_dir: Path):
    app = make_app(train=True, epochs="2", prompt="the prompt")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="#1")
        await finish_new_run(pilot, app, 2)  # #1 finished, unsaved and not selected
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="question")
        await pilot.press("s")
        await wait_for(pilot, lambda: [lb[:2] for lb in labels(app)] == ["#2"], what="cleared")
        (saved,) = sorted(save_dir.glob("*.rnnplay"))
        assert load_session(saved).prompt == "the prompt"


async def test_del_leaves_the_cursor_on_the_neighbouring_row(save_dir: Path):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="#1")
        await finish_new_run(pilot, app, 2)
        await finish_new_run(pilot, app, 3)
        table = app.query_one(RunsTable)
        table.focus()
        table.move_cursor(row=2)
        await pilot.press("delete")  # #3, the last row: unsaved, so it asks
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="question")
        await pilot.press("d")
        await wait_for(pilot, lambda: table.row_count == 2, what="#3 removed")
        await pilot.pause(0.2)
        assert table.cursor_row == 1, "on the new last row, not the top one"
