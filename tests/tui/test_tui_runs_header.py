"""The runs table's header keeps two cells between the label column's hints and the next
column's name when sorted by the label ("run▼ · F3 clears · s sorts model" read as one phrase)."""

from __future__ import annotations

from helpers import make_app, wait_for
from rich.cells import cell_len

from tui.widgets.runs_columns import LABEL
from tui.widgets.runs_table import RunsTable


async def test_the_label_header_sorted_keeps_its_gap() -> None:
    app = make_app(train=True, epochs="2", lr="10, 30")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 2
                       and all(s.state == "finished" for s in app.playground.summaries()),
                       timeout=60, what="2 runs finished")  # fmt: skip
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press("S")  # the order the runs were made, reversed: sorted by the label
        await pilot.pause(0.2)
        header = str(next(iter(table.columns.values())).label)
        assert "▼" in header and "F3 clears" in header, header
        assert cell_len(header) <= LABEL.width - 2, header
