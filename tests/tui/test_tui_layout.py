"""The screen's layout with many runs and a long prompt: at 80x24 (the smallest size it needs)
and at 120x40 the prompt and the plot's x axis stay on screen; the runs table scrolls."""

from __future__ import annotations

import pytest
from helpers import make_app, prompt_settled, wait_for
from screen_text import screen_text
from textual import events

from tui.main_screen import MIN_HEIGHT, MIN_WIDTH
from tui.widgets.curves import CurvesPlot
from tui.widgets.prompt import PromptPane
from tui.widgets.runs_table import RunsTable

LONG_PROMPT = "the quick brown fox jumps over the lazy dog, " * 4


async def _paste_long_prompt(app, pilot) -> None:
    # Pasted, not typed: the layout with the text is the point, and 180 pilot key presses
    # cost seconds of settling each test.
    prompt = app.query_one(PromptPane)
    prompt.post_message(events.Paste(LONG_PROMPT))
    await wait_for(pilot, lambda: prompt.text == LONG_PROMPT, what="the pasted prompt")


async def _four_runs(app, pilot) -> None:
    for count in range(1, 5):
        await wait_for(pilot, lambda n=count: len(app.playground.summaries()) == n
                       and app.state == "finished", timeout=60, what=f"run {count}")
        if count < 4:
            await pilot.press("f5")


async def _settled(app, pilot) -> None:
    # The prompt at its height, then the plot redrawn at the size that leaves it (the picture
    # is built on a worker after a resize; until then the old one is cut to the new size).
    await prompt_settled(pilot, app)
    plot = app.query_one(CurvesPlot)
    await wait_for(pilot, lambda: plot._lines_key == plot._key(), what="the plot at its size")


def _on_screen(app, widget) -> bool:
    region, screen = widget.region, app.screen.region
    return region.height > 0 and screen.contains_region(region)


def _assert_prompt_and_axis_shown(app) -> None:
    plot, prompt = app.query_one(CurvesPlot), app.query_one(PromptPane)
    assert _on_screen(app, plot) and _on_screen(app, prompt), (plot.region, prompt.region)
    lines = screen_text(app).splitlines()
    # The x axis: its tick labels (epochs 1 2 3) on the row under the plot's bottom edge.
    axis_row = plot.region.bottom - 2
    assert lines[axis_row].split("│")[-2].split() == ["1", "2", "3"], lines[axis_row]
    assert "prompt" in lines[prompt.region.y], lines[prompt.region.y]


@pytest.mark.parametrize("inside", [False, True])
async def test_four_runs_and_a_long_prompt_keep_the_prompt_and_the_axis_on_screen_at_80x24(
    inside: bool,
):
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=(80, 24)) as pilot:
        await _four_runs(app, pilot)
        await _paste_long_prompt(app, pilot)
        if inside:
            await pilot.press("f10")
        await _settled(app, pilot)
        _assert_prompt_and_axis_shown(app)
        # The table shows what fits and scrolls; the selected run (the newest) is in view.
        table = app.query_one(RunsTable)
        text = screen_text(app)
        assert "▶ #4" in text and table.region.height < 6


async def test_four_runs_at_120x40_show_every_row_the_prompt_and_the_axis():
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=(120, 40)) as pilot:
        await _four_runs(app, pilot)
        await _paste_long_prompt(app, pilot)
        await pilot.press("f10")
        await _settled(app, pilot)
        _assert_prompt_and_axis_shown(app)
        text = screen_text(app)
        assert all(f"#{n} scratch" in text for n in range(1, 5))


async def test_below_the_smallest_size_the_screen_says_the_size_it_needs():
    app = make_app()
    async with app.run_test(size=(MIN_WIDTH, MIN_HEIGHT)) as pilot:
        await pilot.pause()
        assert "terminal too small" not in screen_text(app)
        for width, height in ((MIN_WIDTH - 1, MIN_HEIGHT), (MIN_WIDTH, MIN_HEIGHT - 1)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert "terminal too small (need 80x24)" in screen_text(app), (width, height)


async def test_three_marked_runs_each_have_their_line_in_the_prompt_at_80x24():
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=(80, 24)) as pilot:
        for count in range(1, 4):
            await wait_for(pilot, lambda n=count: len(app.playground.summaries()) == n
                           and app.state == "finished", timeout=60, what=f"run {count}")
            if count < 3:
                await pilot.press("f5")
        table, prompt = app.query_one(RunsTable), app.query_one(PromptPane)
        await wait_for(pilot, lambda: table.row_count == 3, what="table rows")
        table.focus()
        for row in range(3):
            table.move_cursor(row=row)
            await pilot.press("m")
        await wait_for(pilot, lambda: len(prompt.marked.runs) == 3, what="three lines")
        prompt.focus()
        await pilot.press(*"分开")
        await wait_for(pilot, lambda: all(prompt.line_of(line.run_id)
                                          for line in prompt.marked.runs), what="completions")
        await _settled(app, pilot)
        _assert_prompt_and_axis_shown(app)
        lines = screen_text(app).splitlines()
        inside = lines[prompt.region.y + 1 : prompt.region.bottom - 1]
        assert not any("more line" in line for line in inside), inside
        for run in prompt.marked.runs:
            completion = prompt.line_of(run.run_id)[:10]
            assert any(run.label in line and completion in line for line in inside), (
                run.label, completion, inside)


async def test_a_grid_of_four_runs_fits_the_table_at_80x24_without_a_horizontal_scrollbar():
    # Four runs that differ in lr and sampling fill 80 columns; once the table had more runs
    # than rows its vertical scrollbar took two of them and a horizontal one took a row.
    app = make_app(epochs="3", lr="10, 30", sampling="random, consecutive")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 4
                       and all(s.state == "finished" for s in app.playground.summaries()),
                       timeout=90, what="the grid's four runs")  # fmt: skip
        await pilot.pause(0.6)
        table = app.query_one(RunsTable)
        assert not table.show_horizontal_scrollbar
        assert table.virtual_size.width <= table.scrollable_content_region.width
        # No scrollbar thumb beside the header ("held-out     ▂▂"): the header says instead
        # that a run is out of view.
        header = screen_text(app).splitlines()[table.region.y]
        assert not any(bar in header for bar in "▁▂▃▄▅▆▇█▔"), header
        assert "↕ 1 more" in header, header
