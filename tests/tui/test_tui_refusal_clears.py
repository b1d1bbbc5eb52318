"""A tester's finding: a refused load's reason stayed in the setup column after it no longer
applied (another file loaded fine, and the column still said "cannot load ...: no such file").
A refusal of no setting goes once the user moves on; an error in the form stays."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, small_session, wait_for
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from tui.screens.load import LoadScreen


def _setup_error(app: App) -> str:
    return str(app.main.setup.query_one("#setup-error", Static).render())


async def _load(pilot: Pilot, app: App, path: str) -> None:
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="the load dialog")
    field = app.screen.query_one("#load-path", Input)
    field.value = path
    field.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, LoadScreen), what="dialog gone")


async def test_a_refused_loads_reason_goes_once_another_loads(tmp_path: Path) -> None:
    good = small_session(tmp_path, "rnn", 1)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _load(pilot, app, str(tmp_path / "missing.rnnplay"))
        await wait_for(pilot, lambda: "cannot load" in _setup_error(app), what="the refusal")
        await _load(pilot, app, str(good))
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 1, what="loaded")
        await wait_for(pilot, lambda: _setup_error(app) == "", what="the refusal gone")
