"""A run named by its grid's lr ("#2 scratch·lr 30") that F8 gives another lr keeps its name
(a session file and its samples hold it) but shows the change wherever it is named now:
"#2 scratch·lr 30→20" in the runs table, the prompt's title and its line for a marked run,
the load dialog's unsaved list and later samples."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text
from textual.widgets import Input

from tui.app import RnnplayApp
from tui.labels import label_now
from tui.widgets.runs_table import RunsTable

LONG = "100000"


def states(app: RnnplayApp) -> list[str]:
    return [s.state for s in app.playground.summaries()]


def stop_both(app: RnnplayApp) -> None:
    for run_id in (1, 2):
        app.playground.stop(run_id)


def test_a_label_shows_its_lr_changed_and_only_then() -> None:
    assert label_now("#2 scratch·lr 30", 20.0) == "#2 scratch·lr 30→20"
    assert label_now("#2 scratch·lr 30", 30.0) == "#2 scratch·lr 30"
    assert label_now("#3 rnn·lr 0.001, hidden 64", 0.01) == "#3 rnn·lr 0.001→0.01, hidden 64"
    assert label_now("#1 scratch·random", 20.0) == "#1 scratch·random"  # no lr to correct
    assert label_now("#4 scratch·clip 1", 5.0) == "#4 scratch·clip 1"


async def test_f8_shows_the_new_lr_in_the_label_and_keeps_the_runs_name() -> None:
    app = make_app(train=True, epochs=LONG, lr="10, 30", pred_period="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(
            pilot, lambda: app.playground.training_runs() == [1, 2], timeout=30, what="both train"
        )
        assert app.playground.selected == 2
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="dialog")
        app.screen.query_one("#new-lr", Input).value = "20"
        await pilot.press("enter")
        table = app.query_one(RunsTable)
        await wait_for(
            pilot,
            lambda: "#2 scratch·lr 30→20" in table.get_row("2")[0].plain,
            timeout=20,
            what="the row's label",
        )
        assert "#1 scratch·lr 10" in table.get_row("1")[0].plain
        assert "→" not in table.get_row("1")[0].plain
        stop_both(app)  # what follows needs no training: each key settles slowly beside two
        await wait_for(
            pilot,
            lambda: "prompt · #2 scratch·lr 30→20" in screen_text(app),
            what="the prompt's title",
        )
        assert app.playground.summary(2).label == "#2 scratch·lr 30"  # its name, as saved


async def test_a_marked_runs_prompt_line_and_the_load_dialog_show_its_new_lr() -> None:
    app = make_app(train=True, epochs=LONG, lr="10, 30")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(
            pilot, lambda: app.playground.training_runs() == [1, 2], timeout=30, what="both train"
        )
        # Paused by the core while the runs are marked, stopped once the lr is changed: each
        # key settles slowly beside two runs training flat out. F8 acts on a running run.
        for run_id in (1, 2):
            app.playground.pause(run_id)
        await wait_for(pilot, lambda: states(app) == ["paused", "paused"], what="paused")
        table, prompt = app.main.runs, app.main.prompt
        await wait_for(pilot, lambda: table.row_count == 2, what="table rows")
        table.focus()
        for row in (0, 1):
            table.move_cursor(row=row)
            await pilot.press("m")
        await wait_for(pilot, lambda: len(prompt.marked.runs) == 2, what="two lines")
        for run_id in (1, 2):
            app.playground.resume(run_id)
        await wait_for(pilot, lambda: states(app) == ["running", "running"], what="running")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="dialog")
        app.screen.query_one("#new-lr", Input).value = "20"
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: prompt.marked.runs[0].label == "#2 scratch·lr 30→20",
            timeout=20,
            what="the marked run's line",
        )
        assert prompt.marked.runs[1].label == "#1 scratch·lr 10"
        stop_both(app)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "#2 scratch·lr 30→20" in screen_text(app), what="the list")
        await pilot.press("escape")
