"""The load dialog's list of saves at 80x24 (Pilot): Home and End go to the first and the last
save (tester: after ctrl+o, End left the highlight on row 1; DataTable's own End only scrolls
sideways), and a load that fills the empty prompt with the save's says so in a note (tester:
"我想" came back without a word and was typed on: "› 我想hello")."""

from __future__ import annotations

import os
from pathlib import Path

from helpers import TINY_FILE, make_app, small_trainer, wait_for
from textual.widgets import DataTable

from engine.data.corpus import load_corpus
from engine.session import save_session
from tui.screens.load import LoadScreen
from tui.widgets.prompt import PromptPane
from tui.widgets.samples import SamplesLog


def _saves(folder: Path, count: int, prompt: str = "") -> None:
    trainer = small_trainer(load_corpus(os.path.relpath(TINY_FILE)), epochs=1)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        save_session(folder / f"run-{n:02}.rnnplay", trainer, prompt=prompt)


async def test_home_and_end_go_to_the_first_and_last_save(save_dir: Path) -> None:
    _saves(save_dir, 14)  # more than the rows in view at 80x24
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == 14 and table.has_focus, what="listed")
        await pilot.press("end")
        await wait_for(pilot, lambda: table.cursor_row == 13, what="the last save")
        await pilot.press("home")
        await wait_for(pilot, lambda: table.cursor_row == 0, what="the first save")
        await pilot.press("end", "enter")  # Enter loads the one highlighted
        last = str(table.coordinate_to_cell_key((13, 0)).row_key.value)
        await wait_for(pilot, lambda: [s.path for s in app.playground.summaries()] == [last],
                       what="the last save loaded")  # fmt: skip


async def test_a_load_that_fills_the_prompt_says_so(save_dir: Path) -> None:
    _saves(save_dir, 1, prompt="我想")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.query_one(PromptPane)
        assert prompt.text == ""
        app.playground.load(save_dir / "run-00.rnnplay")
        await wait_for(pilot, lambda: prompt.text == "我想", what="the save's prompt")
        log = app.query_one(SamplesLog)
        await wait_for(pilot, lambda: "the prompt is the save's: 我想"
                       in [t.plain for t in log._written], what="the note")  # fmt: skip
