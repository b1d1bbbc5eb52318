"""The load dialog at 80x24 keeps what tells ctrl+s's file names apart: the time and the
number a second save in the same second gets ("…034224-2"), the shared beginning cut."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import make_app, small_session, wait_for
from screen_text import screen_text
from textual.widgets import DataTable

from tui.screens.load import LoadScreen

# As ctrl+s names them: corpus-model-sampling-date-time, "-2", "-3" for more in one second.
NAMES = (
    "jaychou-scratch-random-20261207-034224",
    "jaychou-scratch-random-20261207-034224-2",
    "jaychou-scratch-random-20261207-034224-3",
    "jaychou-scratch-random-20261207-052733",
    "jaychou-rnn-random-20261207-033249",
)


async def test_saves_of_one_second_keep_their_time_and_number(save_dir: Path,
                                                              tmp_path: Path) -> None:
    made = small_session(tmp_path, "scratch", 1)
    save_dir.mkdir()
    for name in NAMES:
        shutil.copy(made, save_dir / f"{name}.rnnplay")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
        table = app.screen.query_one("#saves", DataTable)
        await wait_for(pilot, lambda: table.row_count == len(NAMES), what="listed")
        await pilot.pause(0.1)
        shown = {str(row.value): str(table.get_row(row)[-1]) for row in table.rows}
        assert len(set(shown.values())) == len(NAMES), shown
        for path, name in shown.items():
            # Its own end: the time, and the number where it has one.
            end = Path(path).stem.split("20261207-", 1)[1]
            assert name.endswith(end), (name, end)
            assert name in screen_text(app)  # shortened, not cut
