"""The runs table's header counts the runs out of view from the rows in view now: a scrollbar
that takes a row, or a height the Resize event has not reported yet, left it stale until the
next report ("↕ 4 more" over 3 rows of 6, for seconds)."""

from __future__ import annotations

import re

from helpers import make_app, wait_for

from tui.widgets.runs_table import RunsTable


def _counted(table: RunsTable) -> int:
    header = str(next(iter(table.columns.values())).label)
    found = re.search(r"↕ (\d+) more", header)
    return int(found.group(1)) if found else 0


def _out_of_view(table: RunsTable) -> int:
    return max(0, table.row_count - (table.scrollable_content_region.height - 1))


async def test_the_count_follows_a_scrollbar_that_takes_a_row() -> None:
    app = make_app(train=True, epochs="1", lr="1, 2, 3, 4, 5, 6")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(RunsTable)
        await wait_for(pilot, lambda: table.row_count == 6, timeout=60, what="6 runs")
        await wait_for(pilot, lambda: app.playground.training_runs() == [], timeout=60,
                       what="all finished")  # fmt: skip
        await wait_for(pilot, lambda: _counted(table) == _out_of_view(table) > 0, what="counted")
        before = _out_of_view(table)
        table.styles.overflow_x = "scroll"  # a horizontal scrollbar: one row fewer in view
        await wait_for(pilot, lambda: _out_of_view(table) == before + 1, what="a row fewer")
        await wait_for(pilot, lambda: _counted(table) == before + 1, timeout=2,
                       what=f"the header to count {before + 1}")  # fmt: skip
