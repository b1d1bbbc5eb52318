"""The row the user types in stays on screen when the prompt pane is short of rows: with three
or four runs' lines at 80x24 (the views open or not), and after a long paste at 120x40, whose
note on the characters the model lacks stays short (real core, tiny corpus, Pilot)."""

from __future__ import annotations

import pytest
from helpers import make_app, wait_for
from screen_text import screen_text

from tui.widgets.prompt import PromptPane
from tui.widgets.runs_table import RunsTable


def _pane_rows(app) -> list[str]:
    """The focused prompt pane's rows, between its heavy borders."""
    prompt = app.query_one(PromptPane)
    assert prompt.has_focus
    lines = screen_text(app).splitlines()
    return [row.split("┃")[-2] for row in lines[prompt.region.y + 1 : prompt.region.bottom - 1]]


async def _runs(app, pilot, count: int) -> None:
    for n in range(1, count + 1):
        await wait_for(pilot, lambda n=n: len(app.playground.summaries()) == n
                       and app.state == "finished", timeout=60, what=f"run {n}")
        if n < count:
            await pilot.press("f5")


@pytest.mark.parametrize("inside", [False, True])
async def test_the_typed_line_stays_in_view_while_marked_runs_lines_give_way_at_80x24(
    inside: bool,
):
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24)) as pilot:
        await _runs(app, pilot, 4)
        table, prompt = app.query_one(RunsTable), app.query_one(PromptPane)
        await wait_for(pilot, lambda: table.row_count == 4, what="table rows")
        selected = app.playground.selected
        # Three runs besides the selected one; with the views open, the selected one too.
        marks = [run.id for run in app.playground.summaries() if inside or run.id != selected]
        table.focus()
        for run_id in marks[-4 if inside else -3 :]:
            table.move_cursor(row=table.get_row_index(str(run_id)))
            await pilot.press("m")
        await wait_for(pilot, lambda: len(prompt.marked.runs) == 4, what="four lines")
        if inside:
            await pilot.press("f10")
        prompt.focus()
        await pilot.press(*"分开")
        await pilot.pause(1.5)  # the prompt's height settles once typing pauses
        rows = _pane_rows(app)
        assert any(row.strip().startswith("› 分开") for row in rows), rows
        # The selected run's completion (its line comes first) shows, and the count of the
        # lines left off.
        assert prompt.marked.runs[0].label in "\n".join(rows), rows
        assert "marked run" in rows[-1], rows
