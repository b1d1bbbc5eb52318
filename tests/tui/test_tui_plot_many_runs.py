"""More runs than the plot has colours (a grid of seven): the plot draws the selected run and the
marked ones first, then those training, then the newest; the runs table says which rows are not
drawn (dimmed, not in a curve's colour), and the plot's title counts them (real core, Pilot)."""

from __future__ import annotations

from helpers import make_app, wait_for
from textual.pilot import Pilot

from tui.app import RnnplayApp
from tui.widgets.curve_choice import MAX_DRAWN
from tui.widgets.curves import CurvesPlot
from tui.widgets.runs_table import NOT_DRAWN

SIZE = (120, 40)
LRS = "1, 2, 3, 4, 5, 6, 7"


async def seven_runs(pilot: Pilot) -> CurvesPlot:
    app = pilot.app
    assert isinstance(app, RnnplayApp)
    await pilot.press("f5")
    await wait_for(pilot, lambda: len(app.playground.summaries()) == 7
                   and all(s.epoch == 2 for s in app.playground.summaries()),
                   timeout=120, what="seven runs trained")  # fmt: skip
    return app.main.plot


async def choose_row(pilot: Pilot, run_id: int, key: str) -> None:
    table = pilot.app.main.runs
    table.focus()
    await wait_for(pilot, lambda: table.row_count == 7, what="seven rows")
    table.move_cursor(row=[str(row.value) for row in table.rows].index(str(run_id)))
    await pilot.press(key)


def drawn_ids(plot: CurvesPlot) -> set[int]:
    return {line.run_id for line in plot.drawn.lines}


async def redrawn(pilot: Pilot, plot: CurvesPlot) -> None:
    await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="plot drawn")


async def test_the_selected_and_marked_runs_are_drawn_and_the_rest_are_said_not_to_be():
    app = make_app(lr=LRS, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        plot = await seven_runs(pilot)
        await choose_row(pilot, 1, "enter")
        await wait_for(pilot, lambda: app.playground.selected == 1, what="#1 selected")
        await choose_row(pilot, 2, "m")
        await wait_for(pilot, lambda: app.playground.marked() == [2], what="#2 marked")
        await redrawn(pilot, plot)
        drawn = drawn_ids(plot)
        assert {1, 2} <= drawn, "the selected and the marked run are drawn"
        assert len(drawn) == MAX_DRAWN and drawn == {1, 2, 5, 6, 7}, "then the newest"
        assert len({line.color for line in plot.drawn.lines}) == MAX_DRAWN, "a colour each"
        assert "2 runs not drawn" in plot.border_title
        # The table: the runs left out are dimmed, not in a curve's colour ("#3 scratch·lr 3"
        # leaves the column no room to say "(not drawn)"); the drawn ones are in their curve's.
        table = app.main.runs
        labels = {int(key.value): table.get_row(key)[0] for key in table.rows}
        colors = {line.run_id: line.color for line in plot.drawn.lines}
        for run_id in (3, 4):
            styles = [str(span.style) for span in labels[run_id].spans]
            assert styles == ["dim italic"], styles
        for run_id in drawn:
            assert NOT_DRAWN not in labels[run_id].plain
            assert colors[run_id] in str(labels[run_id].spans[-1].style)

        # Hiding a drawn run lets the next one in: #4 (newer than #3).
        await choose_row(pilot, 7, "space")
        await redrawn(pilot, plot)
        assert drawn_ids(plot) == {1, 2, 4, 5, 6}
        assert "1 run not drawn" in plot.border_title
