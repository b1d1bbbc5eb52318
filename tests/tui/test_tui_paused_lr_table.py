"""A tester's finding: the runs table's lr column showed a paused run's new lr from F8 as the lr
it trains at while the status line said "lr 100→30 on resume", and after F7 (no resume) both
showed 30 as if the run had trained at it. The table writes the change as the status line does
("100→30") until the run trains again; stopped first, F6 trains it on at the new lr."""

from __future__ import annotations

from helpers import make_app, new_lr, pause_once_running, trainer_of, wait_for
from textual.app import App

from engine.config import TrainConfig
from engine.playground import RunSummary
from engine.playground.events import RunState
from tui.widgets.runs_columns import fitted, layout
from tui.widgets.status import StatusPane


def _lr_cell(app: App) -> str:
    table = app.main.runs
    names = [column.name for column in table._layout]
    return table.get_row("1")[names.index("lr")].plain.strip()


def _numbers(app: App) -> str:
    return str(app.query_one(StatusPane).query_one("#numbers").render())


async def test_the_table_shows_a_paused_runs_lr_change_until_it_trains_again() -> None:
    app = make_app(train=True, epochs="100000", lr="100")
    async with app.run_test(size=(80, 24)) as pilot:
        await pause_once_running(pilot, app)
        await new_lr(pilot, app, "30")
        await wait_for(pilot, lambda: _lr_cell(app) == "100→30", what="100→30 in the table")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        # Stopped before it resumed: it trained at 100 only, and trains on at 30.
        await wait_for(pilot, lambda: "lr 100→30 from F6" in _numbers(app), what="the status")
        assert _lr_cell(app) == "100→30"
        assert app.playground.summary(1).paused_lr == 100 and trainer_of(app).lr == 30
        await pilot.press("f6")
        await wait_for(pilot, lambda: _lr_cell(app) == "30", what="30 taken up")
        assert app.playground.summary(1).paused_lr is None and trainer_of(app).lr == 30
        await pilot.press("f7")


def _run(lr: float, paused_lr: float | None) -> RunSummary:
    return RunSummary(id=1, label="#1 scratch", state=RunState.PAUSED,
                      config=TrainConfig(lr=lr), epoch=1, last=None, flow=None,
                      best_perplexity=None, device="cpu", path=None, unsaved=True, message="",
                      paused_lr=paused_lr)  # fmt: skip


def test_a_waiting_lr_fits_its_column_and_is_no_difference_of_setting() -> None:
    runs = [_run(3e-4, 1e-3), _run(3e-4, None)]
    columns = {column.name: column for column in layout(runs, 200)}
    assert fitted(columns["lr"], runs[0]) == "0.001→3e-4"  # whole, not "0.0…"
    # Both train at 3e-4 next: the lr is a shared setting, not one that tells them apart.
    assert [c.name for c in layout(runs, 200)].index("lr") > 5
