"""Del on a paused run removes it as the README says (unsaved training: it asks first): the core
stops it, then drops it (it said "#1 ... is paused: stop it first")."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, wait_for
from textual.pilot import Pilot

from engine.playground import UnsavedPolicy
from tui.app import RnnplayApp
from tui.screens.choice import ChoiceScreen
from tui.widgets.runs_table import RunsTable


async def pause_the_run(pilot: Pilot, app: RnnplayApp) -> None:
    await wait_for(pilot, lambda: app.state == "running", what="training")
    await pilot.press("f6")
    await wait_for(pilot, lambda: app.state == "paused", what="paused")


async def press_del(pilot: Pilot, app: RnnplayApp) -> RunsTable:
    """Del on the runs table, up to the question about the run's unsaved training."""
    table = app.query_one(RunsTable)
    table.focus()
    await pilot.press("delete")
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the question")
    return table


async def test_del_on_a_paused_run_asks_then_removes_it(save_dir: Path) -> None:
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=(120, 40)) as pilot:
        await pause_the_run(pilot, app)
        table = await press_del(pilot, app)
        await pilot.press("d")
        await wait_for(pilot, lambda: table.row_count == 0, what="the paused run removed")
        assert app.playground.summary(1) is None
        assert app.playground.training_runs() == []
        await wait_for(pilot, lambda: not app.playground.worker.alive(), what="its thread ended")


async def test_a_paused_runs_unsaved_training_is_not_stopped_unasked(save_dir: Path) -> None:
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=(120, 40)) as pilot:
        await pause_the_run(pilot, app)
        why_not = app.playground.remove(1, unsaved=UnsavedPolicy.REFUSE)
        assert why_not and "save it" in why_not, why_not
        await pilot.pause(0.2)
        assert app.playground.summary(1).state == "paused"
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "running", what="it trains on")


async def test_del_on_a_paused_run_can_save_it_first(save_dir: Path) -> None:
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=(120, 40)) as pilot:
        await pause_the_run(pilot, app)
        table = await press_del(pilot, app)
        await pilot.press("s")
        await wait_for(pilot, lambda: table.row_count == 0, timeout=30, what="saved, then removed")
        assert list(save_dir.glob("*.rnnplay"))
