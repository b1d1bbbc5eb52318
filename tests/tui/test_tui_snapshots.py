"""Snapshots of the main screen after a finished run on the real engine (seeded, one torch thread,
the trainer's clock frozen: the frame is exact)."""

from __future__ import annotations

import pytest
from helpers import make_app, wait_for
from textual.pilot import Pilot

from tui.widgets.curves import CurvesPlot
from tui.widgets.runs_table import RunsTable
from tui.widgets.samples import SamplesLog

pytestmark = pytest.mark.usefixtures("frozen_clock")


async def finished_with_completion(pilot: Pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.state == "finished", what="finished")
    trainer = app.playground._runs[1].trainer
    final = trainer.snapshots.latest()[0]
    # The prompt shows the completion under the final weights, not an earlier one.
    await wait_for(
        pilot,
        lambda: app.main.last_completion is not None and app.main.last_completion.version == final,
        what="final completion",
    )
    # The prompt shrinks to what its text needs once typing (here: completions) pauses.
    await wait_for(pilot, lambda: app.main.prompt.height_settled, what="prompt height settled")
    # The runs table rebuilds its rows when its columns change (a resize, a refresh) and takes
    # its height from them when idle: wait until it holds its runs on screen.
    table = app.query_one(RunsTable)
    await wait_for(pilot, lambda: table.row_count and table.region.height > table.row_count,
                   what="the runs table's rows on screen")
    plot = app.query_one(CurvesPlot)
    # The plot redraws from a timer: wait until the frame holds every point.
    await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="plot drawn")
    # RichLog follows new lines with a deferred scroll whose timing varies: pin it to the end.
    app.query_one(SamplesLog).scroll_end(animate=False, immediate=True)
    await pilot.pause(0.1)
    await pilot.wait_for_scheduled_animations()


@pytest.mark.parametrize(
    "size", [(80, 24), (120, 40), (160, 50)], ids=["80x24", "120x40", "160x50"]
)
def test_main_screen(snap_compare, size: tuple[int, int]) -> None:
    app = make_app(train=True, prompt="分开", epochs="20")
    assert snap_compare(app, terminal_size=size, run_before=finished_with_completion)


def test_help_screen(snap_compare) -> None:
    async def open_help(pilot: Pilot) -> None:
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_help)
