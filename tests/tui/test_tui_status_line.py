"""The status line with several runs training: the selected run's own facts first and whole
(perplexity, optimizer and lr with F8, speed), the other runs' speeds after them as far as the
width allows; each speed the runs table's for the same run; a long reason cut with a pointer
to the notes, which hold it whole."""

from __future__ import annotations

import dataclasses
import re

from helpers import make_app, wait_for
from screen_text import screen_text
from textual.pilot import Pilot

from tui.widgets.runs_table import RunsTable
from tui.widgets.status import StatusPane

GRID = {"lr": "10, 30", "sampling": "random, consecutive"}  # 4 runs, #4 selected (lr 30)
LONG = "100000"  # epochs: the runs train until the test ends


def _numbers(app) -> str:
    return str(app.query_one(StatusPane).query_one("#numbers").render())


async def _all_trained_an_epoch(pilot: Pilot, runs: int) -> None:
    app = pilot.app

    def ready() -> bool:
        summaries = app.playground.summaries()
        return len(summaries) == runs and all(s.state == "running" and s.epoch >= 1
                                              for s in summaries)  # fmt: skip

    await wait_for(pilot, ready, timeout=90, what=f"{runs} runs through an epoch")
    await pilot.pause(0.3)


async def test_the_selected_runs_optimizer_and_lr_stay_whole_with_four_runs_training() -> None:
    app = make_app(train=True, epochs=LONG, **GRID)
    async with app.run_test(size=(80, 24)) as pilot:
        await _all_trained_an_epoch(pilot, 4)

        def line() -> str:
            return next(line for line in screen_text(app).splitlines() if "ppl " in line)

        # The status line catches up with the runs twice a second (with the runs table): it
        # is read once it shows the others, not at once (it showed 'ppl -' alone once in CI).
        # The others' speeds follow, as many as fit, the rest counted.
        others = re.compile(r"#\d \S+ c/s|\+\d training")
        await wait_for(pilot, lambda: others.search(line()) is not None,
                       what="the other runs on the status line")  # fmt: skip
        assert "SGD lr 30 (F8)" in line(), line()
        assert "chars/s" in line() and "…" not in line(), line()


async def test_a_long_reason_is_cut_with_a_pointer_to_the_notes() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: hasattr(app, "playground"), what="the engine up")
        await pilot.pause(0.2)  # its "idle" shown, which would clear the reason
        reason = ("training diverged: the loss exploded to 78.3 (uniform guessing scores "
                  "6.93) in epoch 2, batch 5; the weights were kept from before that step.")
        app.query_one(StatusPane).set_state("diverged", reason)
        await pilot.pause()
        status = app.query_one(StatusPane)
        line = _numbers(app)
        assert line.startswith("training diverged: the loss exploded to 78.3"), line
        assert line.endswith("… (in full in the notes below)"), line
        assert len(line) <= status.query_one("#numbers").size.width


async def test_the_status_lines_speeds_are_the_runs_tables() -> None:
    app = make_app(train=True, epochs=LONG, lr="10, 30")
    async with app.run_test(size=(160, 40)) as pilot:
        await _all_trained_an_epoch(pilot, 2)
        table = app.query_one(RunsTable)
        for _ in range(3):  # at three moments, each read at once (no await between)
            await pilot.pause(0.5)
            numbers = _numbers(app)
            speeds = {
                str(row.value): str(table.get_cell(row, "speed")).strip() for row in table.rows
            }
            selected = str(app.playground.selected)
            own = re.search(r"(\S+) chars/s", numbers)
            assert own is not None and own.group(1) == speeds[selected], (numbers, speeds)
            for run_id, speed in speeds.items():
                if run_id != selected:
                    assert f"#{run_id} {speed} c/s" in numbers, (numbers, speeds)


async def test_a_new_run_followed_does_not_show_the_last_ones_speed() -> None:
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        status = app.query_one(StatusPane)
        finished = app.playground.summary(1)
        assert finished.last is not None
        status.show_run(finished)
        assert _rate_shown(app) == finished.last.chars_per_sec
        # A run that has finished no epoch yet (as a new one is before its first batch).
        # Read at once: the app's next refresh shows its selected run (#1) again.
        status.show_run(dataclasses.replace(finished, id=2, last=None, epoch=0))
        assert "- chars/s so far · - s/epoch" in _numbers(app), _numbers(app)


def _rate_shown(app) -> float:
    return app.query_one(StatusPane).chars_per_sec


async def test_with_no_run_the_line_says_how_to_start_one_not_empty_numbers() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: hasattr(app, "playground"), what="the engine up")
        await wait_for(pilot, lambda: _numbers(app).startswith("no run yet"), what="the hint")
        await pilot.press("f1")
        await pilot.press("escape")
        await pilot.pause(0.1)
        line = next(line for line in screen_text(app).splitlines() if "no run yet" in line)
        assert "F5 trains one" in line and "ctrl+o opens a saved one" in line, line
        assert "ppl" not in screen_text(app) and "chars/s" not in screen_text(app)


async def test_once_the_last_run_is_removed_the_line_says_how_to_start_one() -> None:
    app = make_app(train=True, epochs="1")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="#1 finished")
        await wait_for(pilot, lambda: _numbers(app).startswith("ppl "), what="its numbers")
        app.main.runs.focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: app.screen.query("#choice-1"), what="Del asks")
        await pilot.press("d")
        await wait_for(pilot, lambda: not app.playground.summaries(), what="#1 removed")
        await wait_for(pilot, lambda: _numbers(app).startswith("no runs: "), what="the hint")
