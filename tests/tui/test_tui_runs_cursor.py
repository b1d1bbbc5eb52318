"""The runs table's cursor stays on its run when the table rebuilds its columns (a resize, a
column that comes or goes): Enter, Space, m and Del act on the row the user put it on."""

from __future__ import annotations

from helpers import make_app, wait_for
from textual.pilot import Pilot

from tui.widgets.runs_table import RunsTable

GRID = {"lr": "10, 30", "sampling": "random, consecutive"}  # 4 runs


async def _grid_trained(pilot: Pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: len(app.playground.summaries()) == 4, what="4 runs")
    await wait_for(pilot, lambda: all(s.state == "finished" for s in app.playground.summaries()),
                   timeout=60, what="4 runs finished")  # fmt: skip
    await pilot.pause(0.3)


def _at_cursor(table: RunsTable) -> str:
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def test_a_resize_keeps_the_cursor_on_its_run() -> None:
    app = make_app(train=True, epochs="2", **GRID)
    async with app.run_test(size=(80, 24)) as pilot:
        await _grid_trained(pilot)
        table = app.query_one(RunsTable)
        table.focus()
        table.move_cursor(row=1, animate=False)
        await pilot.pause()
        chosen = _at_cursor(table)
        assert chosen != str(next(iter(table.rows)).value)  # not the top row
        # More room: columns join, the table rebuilds them (and once cleared its rows with them).
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.3)
        assert _at_cursor(table) == chosen
        await pilot.press("enter")
        await wait_for(pilot, lambda: str(app.playground.selected) == chosen,
                       what=f"#{chosen} followed")
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        await pilot.press("space")
        await pilot.pause(0.3)
        assert table.hidden == {int(chosen)}
