"""Issue 17 leftovers, comparing runs (real core, Pilot): a run is named alike everywhere (the
log's note on a loaded run and the plot's title as the runs table names it after F8); a row's
epoch and perplexity come from one record; the plot's title counts only curves it leaves off
(a queued run has none); quitting with runs queued says they will not start."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import both_train_then_new_lr, make_app, wait_for

from engine.training import probes
from tui.numbers import perplexity_text
from tui.screens.choice import ChoiceScreen
from tui.widgets import curve_choice
from tui.widgets.curve_series import PER_STEP
from tui.widgets.runs_table import NOT_DRAWN

LONG = "100000"  # epochs: a run that trains until it is stopped
RENAMED = "#2 scratch·lr 30→20"  # "#2 scratch·lr 30" after F8 gave it lr 20


async def test_a_loaded_run_is_named_in_the_log_and_the_plot_as_the_table_names_it(
    save_dir: Path,
) -> None:
    app = make_app(train=True, epochs=LONG, lr="10, 30")
    async with app.run_test(size=(120, 40)) as pilot:
        await both_train_then_new_lr(pilot, app, 20)
        # The plot names it as the table does (its title says a run's name where there is
        # nothing to draw: below, on the loaded run).
        plot = app.main.plot
        await wait_for(pilot, lambda: plot.runs[1].label == RENAMED, what="the plot's name")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: list(save_dir.glob("*.rnnplay")), timeout=20, what="saved")
    (path,) = save_dir.glob("*.rnnplay")

    app = make_app(load=str(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.runs.row_count == 1, timeout=30, what="loaded")
        assert RENAMED in app.main.runs.get_row("1")[0].plain  # the table's name for it (id 1)
        notes = [line.plain for line in app.main.samples._written]
        loaded = [note for note in notes if ": loaded " in note]
        assert loaded and loaded[0].startswith(f"{RENAMED}: loaded "), notes
        # A view with nothing to draw (a session keeps no batch reports) names the run.
        plot = app.main.plot
        while plot.view != PER_STEP:
            plot.toggle_view()
        await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="redrawn")
        assert plot._job().title == f"{RENAMED}: nothing to draw yet"


async def test_a_row_shows_the_epoch_its_perplexity_is_of(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the held-out probe measures epoch 2 (the trainer counted an epoch before its probes
    measured it, and kept its record after), the row must not show epoch 2 beside epoch 1's
    perplexity."""
    measuring, go_on = threading.Event(), threading.Event()
    held_out = probes.HeldOutPerplexity.on_epoch_end

    def slow_held_out(self: probes.HeldOutPerplexity, trainer: Any) -> dict[str, Any]:
        if trainer.epoch + 1 == 2:  # epoch 2's pass (the count moves with its record), slow
            # as a loaded machine makes it
            measuring.set()
            go_on.wait(30)
        return held_out(self, trainer)

    monkeypatch.setattr(probes.HeldOutPerplexity, "on_epoch_end", slow_held_out)
    app = make_app(train=True, epochs="3")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, measuring.is_set, timeout=30, what="epoch 2's held-out pass")
            summary = app.playground.summary(1)
            assert summary.last is not None and summary.epoch == summary.last.epoch == 1
            table = app.main.runs
            ppl = perplexity_text(summary.last.perplexity)
            await pilot.pause(1.0)  # the table is redrawn a few times a second
            await wait_for(pilot, lambda: table.get_cell("1", "ppl").plain.strip() == ppl,
                           what="epoch 1's perplexity")  # fmt: skip
            assert table.get_cell("1", "epoch").plain.strip() == "1/3"
            go_on.set()
            await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="finished")
            assert table.get_cell("1", "epoch").plain.strip() == "3/3"
    finally:
        go_on.set()


async def test_the_plot_title_counts_only_curves_left_off_not_queued_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two colours for three training runs and three queued: one curve is left off; the queued
    runs have none, and they no longer pushed a curve off either."""
    monkeypatch.setattr(curve_choice, "MAX_DRAWN", 2)
    app = make_app(train=True, epochs=LONG, lr="1, 2, 3")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.playground.training_runs() == [1, 2, 3], timeout=30,
                       what="three train")  # fmt: skip
        await wait_for(pilot, lambda: all(s.epoch >= 1 for s in app.playground.summaries()),
                       timeout=30, what="a curve each")  # fmt: skip
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        await pilot.press("q")  # queue them
        await wait_for(pilot, lambda: app.playground.queued() == [4, 5, 6], timeout=30,
                       what="three queued")  # fmt: skip
        plot, table = app.main.plot, app.main.runs
        await wait_for(pilot, lambda: table.row_count == 6, what="six rows")
        await pilot.pause(0.5)
        assert plot.not_drawn() == {1}, "the oldest training run: the other two are drawn"
        assert "1 run not drawn" in str(plot.border_title), plot.border_title
        # Dimmed in the table (the column has no room to say "(not drawn)" beside its name);
        # the queued runs are not: they are not left off, they have nothing to draw yet.
        def styles(run_id: str) -> list[str]:
            return [str(span.style) for span in table.get_row(run_id)[0].spans]

        assert styles("1") == ["dim italic"]
        for run_id in ("4", "5", "6"):
            assert not any("dim" in style for style in styles(run_id)), styles(run_id)
            assert NOT_DRAWN not in table.get_row(run_id)[0].plain
        await pilot.press("f7")


@pytest.mark.parametrize("answer", ["q", "ctrl+q", "escape"])
async def test_quitting_with_runs_queued_says_they_will_not_start(answer: str) -> None:
    app = make_app(train=True, epochs=LONG, lr="10, 30")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.playground.training_runs() == [1, 2], timeout=30,
                       what="both train")  # fmt: skip
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="F5 asks")
        await pilot.press("q")
        await wait_for(pilot, lambda: app.playground.queued() == [3, 4], timeout=30,
                       what="two queued")  # fmt: skip
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="asked")
        question = app.screen
        assert isinstance(question, ChoiceScreen)
        assert question.question == "quit? 2 queued runs will not start"
        assert "#3 scratch·lr 10, #4 scratch·lr 30" in question.body
        await pilot.press(answer)
        if answer == "escape":  # stays, the queue as it was
            await wait_for(pilot, lambda: app.screen is app.main, what="back")
            assert app.is_running and app.playground.queued() == [3, 4]
            await pilot.press("f7")
            return
        await wait_for(pilot, lambda: not app.is_running, timeout=20, what="gone")


async def test_with_every_curve_hidden_the_plot_says_so() -> None:
    """It said "#1 scratch·random: nothing to draw yet" of a run with a curve, hidden."""
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=30, what="finished")
        table, plot = app.main.runs, app.main.plot
        await wait_for(pilot, lambda: table.row_count == 1, what="the row")
        table.focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: plot.runs[0].hidden, what="hidden")
        assert plot._job().title == (
            "every curve is hidden: Space on a run's row in the runs table shows it"
        )
        await pilot.press("space")
        await wait_for(pilot, lambda: not plot.runs[0].hidden, what="shown again")
        assert plot._job().title == ""
