"""A tester's findings in the load dialog at 80x24: saves named in one second (quitting saves
every run at once) read alike, their names cut in the middle to keep the time they all share
("…ra…002924" twice); and a terminal resized while the dialog was open left its columns fitted
to the old width. The shared time gives way to what tells the names apart, and the columns are
fitted again at a new width."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, wait_for
from textual.widgets import DataTable

from tui.screens.load import LoadScreen, shortened


def _files(app) -> list[str]:
    table = app.screen.query_one("#saves", DataTable)
    return [table.get_row_at(i)[-1].plain for i in range(table.row_count)]


async def _open_four_saves(pilot, app) -> None:
    """Four runs of a grid saved at once (as quitting saves them), then ctrl+o."""
    await pilot.press("f5")
    await wait_for(pilot, lambda: len(app.playground.summaries()) == 4
                   and all(s.state == "finished" for s in app.playground.summaries()),
                   timeout=60, what="four finished runs")  # fmt: skip
    jobs = app.playground.autosave()
    assert all(job.done.wait(30) and job.outcome.error is None for job in jobs)
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen)
                   and app.screen.query_one("#saves", DataTable).row_count == 4,
                   what="the saves listed")  # fmt: skip
    await pilot.pause()


async def test_saves_of_one_second_read_apart_at_80x24() -> None:
    app = make_app(sampling="random, consecutive", num_steps="8, 35", epochs="1")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_four_saves(pilot, app)
        files = _files(app)
        assert len(set(files)) == 4, files
        await pilot.press("escape")


async def test_the_dialog_fits_its_columns_again_when_resized(save_dir: Path) -> None:
    app = make_app(sampling="random, consecutive", num_steps="8, 35", epochs="1")
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_four_saves(pilot, app)
        files = _files(app)
        await pilot.resize_terminal(120, 40)
        stems = sorted(p.stem for p in save_dir.iterdir())
        await wait_for(pilot, lambda: sorted(_files(app)) == stems, what="whole names at 120")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: _files(app) == files, what="cut again at 80")
        await pilot.press("escape")


def test_the_time_stays_where_nothing_else_tells_names_apart() -> None:
    names = ["tiny-scratch-20261208-002825", "tiny-scratch-20261208-002825-2"]
    assert shortened(names, 10) == ["…002825", "…002825-2"]
