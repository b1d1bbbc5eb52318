"""The samples pane at 80x24, where it can be one row high (the prompt takes six rows: its line
and three marked runs' lines): it shows whole lines from their start, cut at the pane's width,
never the tail of a wrapped one; and what was written while the full-screen setup form hid it is
wrapped at the pane's width once it shows again, not a character a row (real core, tiny corpus,
Pilot)."""

from __future__ import annotations

from helpers import make_app, prompt_settled, wait_for
from screen_text import screen_text

from tui.widgets.prompt import PromptPane
from tui.widgets.runs_table import RunsTable
from tui.widgets.samples import SamplesLog

LONG_NOTE = "a note longer than the pane is wide, " * 4


def _pane_rows(app, widget) -> list[str]:
    lines = screen_text(app).splitlines()
    return [row[1:-1].strip() for row in lines[widget.region.y + 1 : widget.region.bottom - 1]]


async def test_a_one_row_samples_pane_shows_the_newest_line_from_its_start():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24)) as pilot:
        for n in (1, 2, 3):
            await wait_for(pilot, lambda n=n: len(app.playground.summaries()) == n
                           and app.state == "finished", timeout=60, what=f"run {n}")
            if n < 3:
                await pilot.press("f5")
        table, prompt = app.query_one(RunsTable), app.query_one(PromptPane)
        samples = app.query_one(SamplesLog)
        await wait_for(pilot, lambda: table.row_count == 3, what="table rows")
        table.focus()
        for row in range(3):
            table.move_cursor(row=row)
            await pilot.press("m")
        await wait_for(pilot, lambda: len(prompt.marked.runs) == 3, what="three lines")
        prompt.focus()
        await pilot.press(*"分开")
        await prompt_settled(pilot, app)
        assert samples.scrollable_content_region.height == 1, samples.region
        samples.add_note(LONG_NOTE)
        await pilot.pause()
        [row] = _pane_rows(app, samples)
        assert row.endswith("…") and LONG_NOTE.startswith(row[:-1].rstrip()), row
        # Room for two rows again (the runs unmarked): lines wrap whole again.
        table.focus()
        for row in range(3):
            table.move_cursor(row=row)
            await pilot.press("m")
        await wait_for(pilot, lambda: not prompt.marked.runs, what="lines gone")
        await prompt_settled(pilot, app)
        assert samples.scrollable_content_region.height == 2, samples.region
        rows = _pane_rows(app, samples)
        assert all(len(row) > 40 for row in rows) and "…" not in rows[-1], rows


async def test_lines_written_behind_the_setup_form_are_wrapped_once_the_pane_shows():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        samples = app.query_one(SamplesLog)
        await pilot.press("f4")  # the form takes the whole screen below 100 columns
        await pilot.pause()
        assert samples.region.width == 0
        samples.add_note(LONG_NOTE)
        await pilot.press("f4")
        await wait_for(pilot, lambda: samples.region.width > 0, what="the pane back")
        await pilot.pause()
        rows = [row for row in _pane_rows(app, samples) if row]
        assert all(len(row) > 40 for row in rows), rows
        assert " ".join(rows) == LONG_NOTE.strip()
