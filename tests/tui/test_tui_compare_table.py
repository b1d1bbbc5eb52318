"""The runs table as a comparison table (TensorBoard's HParams view): the settings that differ
between the runs first, columns that give way by width, sorting by a column, a hidden curve
marked in its row."""

from __future__ import annotations

import os
import time

import pytest
from helpers import TINY_FILE, make_app, wait_for
from rich.text import Text
from screen_text import screen_text
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from engine.playground import Grid, Playground, RunSummary
from tui.widgets.runs_table import RunsTable

GRID = {"lr": "10, 30", "sampling": "random, consecutive"}  # 4 runs


def _header(app: App) -> str:
    """The table's header line as the screen shows it."""
    return " ".join(str(column.label) for column in app.query_one(RunsTable).columns.values())


def _rows(app: App) -> list[str]:
    return [str(row.value) for row in app.query_one(RunsTable).rows]


def _lrs_by_row(app: App) -> list[float]:
    lrs = {str(s.id): s.config.lr for s in app.playground.summaries()}
    return [lrs[key] for key in _rows(app)]


async def _grid_trained(pilot: Pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: len(app.playground.summaries()) == 4, what="4 runs")
    await wait_for(pilot, lambda: all(s.state == "finished" for s in app.playground.summaries()),
                   timeout=60, what="4 runs finished")  # fmt: skip
    await pilot.pause(0.3)


async def test_the_settings_that_differ_come_first_and_the_table_sorts_by_a_column() -> None:
    app = make_app(train=True, epochs="3", **GRID)
    async with app.run_test(size=(120, 40)) as pilot:
        await _grid_trained(pilot)
        header = _header(app)
        # lr and sampling differ between the runs: they lead, before the runs' numbers; the
        # settings all four share (hidden, batch...) come after, or give way for room.
        assert header.index("lr") < header.index("sampling") < header.index("status")
        assert "hidden" not in header or header.index("hidden") > header.index("held-out")
        for name in ("status", "epoch", "ppl", "held-out"):
            assert name in header
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press("s")  # the first column after the label: lr
        await pilot.pause()
        assert "lr▲" in _header(app)
        assert _lrs_by_row(app) == [10.0, 10.0, 30.0, 30.0]
        await pilot.press("S")
        await pilot.pause()
        assert "lr▼" in _header(app)
        assert _lrs_by_row(app) == [30.0, 30.0, 10.0, 10.0]
        await pilot.press("s")  # sampling, still descending
        await pilot.pause()
        assert "sampling▼" in _header(app) and "lr▼" not in _header(app)


async def test_at_80_columns_label_state_epoch_ppl_and_held_out_stay() -> None:
    app = make_app(train=True, epochs="3", **GRID)
    async with app.run_test(size=(80, 24)) as pilot:
        await _grid_trained(pilot)
        header = _header(app)
        for name in ("run", "status", "epoch", "ppl", "held-out"):
            assert name in header, header
        assert app.query_one(RunsTable).virtual_size.width <= 80


async def test_a_hidden_curve_is_marked_in_its_row() -> None:
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="finished")
        table = app.query_one(RunsTable)
        table.focus()
        await wait_for(pilot, lambda: app.focused is table, what="the table focused")
        await pilot.press("space")
        # The label stays whole (it is the run's name): too long for "(hidden)" beside it in
        # the column, it is marked by its style alone, dimmed and struck through.
        await wait_for(pilot, lambda: "strike" in str(_label_cell(table).spans), what="struck")
        # On screen too (a loaded machine may lay the table out at its next catch-up).
        await wait_for(pilot, lambda: "▶ #1 scratch" in screen_text(app), what="the row shown")
        assert "…" not in _label_cell(table).plain
        await pilot.press("space")
        await wait_for(pilot, lambda: "strike" not in str(_label_cell(table).spans),
                       what="shown again")


def _label_cell(table: RunsTable) -> Text:
    return table.get_row_at(0)[0]


# -- a snapshot of the table alone: the real core's runs, trained one after another, so the
# frozen clock gives each the same speed on every run of the test.
def _trained_grid() -> list[RunSummary]:
    playground = Playground(lambda run_id, event: None)
    playground.start()
    base = dict(hidden=16, batch_size=4, num_steps=8, epochs=3, device="cpu", pred_period=0)
    try:
        for n, settings in enumerate(Grid(GRID, {}).runs(), start=1):
            playground.new_run(os.path.relpath(TINY_FILE), 0, {**base, **settings})
            deadline = time.monotonic() + 60
            while not (len(playground.summaries()) == n
                       and playground.summaries()[-1].state == "finished"):  # fmt: skip
                assert time.monotonic() < deadline, "a run of the grid did not finish"
                time.sleep(0.02)
        return playground.summaries()
    finally:
        playground.close(timeout=5)


class TableApp(App[None]):
    def __init__(self, runs: list[RunSummary]) -> None:
        super().__init__()
        self.runs = runs

    def compose(self) -> ComposeResult:
        yield RunsTable(id="runs")

    def on_mount(self) -> None:
        table = self.query_one(RunsTable)
        colors = ("#4ea1ff", "#ffa94d", "#69db7c", "#f783ac")
        table.curve_colors = {run.id: color for run, color in zip(self.runs, colors, strict=True)}
        table.hidden = {self.runs[1].id}
        table.show_runs(self.runs, self.runs[-1].id)


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_comparison_table_snapshot(snap_compare, size: tuple[int, int]) -> None:
    async def sorted_by_lr(pilot: Pilot) -> None:
        pilot.app.query_one(RunsTable).focus()
        await pilot.press("s")
        await pilot.pause()

    app = TableApp(_trained_grid())
    assert snap_compare(app, terminal_size=size, run_before=sorted_by_lr)
