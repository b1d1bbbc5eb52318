"""The runs table shows the run the core newly selects (a loaded run) even while the user has the
table focused, and Home/End take its cursor to the first and last run: with 6 runs at 80x24 a
loaded #7 was selected out of view below the rows, and End did nothing (a tester)."""

from __future__ import annotations

from helpers import make_app, wait_for

from tui.widgets.runs_table import RunsTable

GRID = {"lr": "10, 30", "sampling": "random, consecutive"}  # 4 runs, more than 80x24 shows


def _at_cursor(table: RunsTable) -> int:
    return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def test_a_loaded_run_is_brought_into_view_and_end_reaches_the_last(tmp_path) -> None:
    app = make_app(train=True, epochs="2", **GRID)
    async with app.run_test(size=(80, 24)) as pilot:
        core = app.playground
        await wait_for(pilot, lambda: len(core.summaries()) == 4
                       and all(s.state == "finished" for s in core.summaries()),
                       timeout=60, what="4 runs finished")  # fmt: skip
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press("home")
        assert table.cursor_row == 0, "Home: the first run"
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1, "End: the last run"
        await pilot.press("home")
        path = tmp_path / "first.rnnplay"
        core.save(path=str(path), run_id=1)
        await wait_for(pilot, path.is_file, what="saved")
        core.load(str(path))
        await wait_for(pilot, lambda: len(core.summaries()) == 5, what="loaded as a fifth run")
        loaded = core.selected
        await wait_for(pilot, lambda: table.row_count == 5 and _at_cursor(table) == loaded,
                       what=f"the cursor on the loaded #{loaded}")
        top = table.scroll_offset.y
        in_view = table.scrollable_content_region.height - 1  # under the header
        assert top <= table.cursor_row < top + in_view, "its row is in view"
