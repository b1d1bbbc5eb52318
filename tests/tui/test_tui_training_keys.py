"""Pilot tests of training from the app (F5-F8, F3, ctrl+e, ctrl+d), on the real playground
core and a tiny corpus: a run to its end, a refused one, pause/resume/stop, a new lr, runs side
by side and cleared, a divergence, progress within a long epoch, export and device timing."""

from __future__ import annotations

from helpers import make_app, notified, prompt_of, trainer_of, wait_for
from screen_text import screen_text
from textual.widgets import Input

from tui.widgets.curves import CurvesPlot
from tui.widgets.samples import SamplesLog
from tui.widgets.status import StatusPane

SIZE = (100, 30)
LONG = "100000"  # epochs: a run that goes on until the test stops it



async def test_train_at_launch_runs_to_the_end_with_prompt_focused():
    app = make_app(train=True, epochs="20")
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is prompt_of(app)
        await wait_for(pilot, lambda: app.state == "finished", what="run to finish")
        status = app.query_one(StatusPane)
        assert status.epoch == 20 and status.epochs == 20
        assert status.perplexity is not None and status.perplexity < 3
        plot = app.query_one(CurvesPlot)
        assert len(plot.runs) == 1 and len(plot.runs[0].epochs) == 20
        await pilot.pause(0.3)  # the plot redraws from a timer
        text = screen_text(app)
        assert "epoch 20/20" in text and "finished" in text
        assert "uniform baseline = vocab" in text
        assert any("\u2800" <= ch <= "\u28ff" for ch in text), "no braille curve drawn"
        # pred_period 10: one sample per prefix at epochs 10 and 20, after the run's note.
        assert len(app.query_one(SamplesLog).lines) >= 3


async def test_invalid_values_refused_at_the_field():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # Too large for the corpus: only the engine's check knows, the run is refused.
        app.query_one("#batch_size", Input).value = "5000"
        await pilot.press("f5")
        await wait_for(pilot, lambda: notified(app, "batch"), what="refusal")
        await wait_for(pilot, lambda: app.state == "idle", what="idle again")
        field = app.query_one("#batch_size", Input)
        await wait_for(pilot, lambda: app.focused is field, what="the field at fault focused")
        assert app.query_one(CurvesPlot).runs == []
        assert app.playground.summaries() == []


async def test_pause_resume_stop_and_one_epoch_counter():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one(StatusPane)
        await wait_for(pilot, lambda: status.epoch >= 2, what="training")
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        # Completed epochs, the same number the trainer holds (no off-by-one on pausing).
        await pilot.pause(0.2)
        assert status.epoch == trainer_of(app).epoch
        assert f"epoch {status.epoch}/" in screen_text(app) and "paused" in screen_text(app)
        assert "chars/s" not in screen_text(app), "no stale speed while paused"
        epoch = status.epoch
        await pilot.pause(0.3)
        assert status.epoch == epoch
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "running", what="resumed")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        assert "stopped" in screen_text(app)


async def test_change_lr_while_running_is_marked_and_the_setup_form_keeps_what_was_typed():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="dialog")
        app.screen.query_one("#new-lr", Input).value = "20"
        await pilot.press("enter")
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: plot.runs[0].lr_changes(), timeout=20, what="lr mark")
        assert plot.runs[0].lr_changes()[0][1] == 20
        # The run's lr is on the status line; the form is the next run's input, untouched.
        await wait_for(pilot, lambda: "lr 20 (F8)" in screen_text(app), what="status lr")
        assert app.query_one("#lr", Input).value == "30"
        await pilot.press("f7")


async def test_runs_overlay_plot_views_and_clearing():
    app = make_app(train=True, epochs="5")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        app.query_one("#sampling", Input).value = "consecutive"
        await pilot.press("f5")
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: len(plot.runs) == 2 and app.state == "finished")
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "#1 scratch" in text and "#2 scratch·consecutive" in text
        await pilot.press("f2")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "grad norm before clipping" in text and "clip threshold" in text
        await pilot.press("f3")  # #1 is finished and unsaved: F3 asks first
        await wait_for(pilot, lambda: "discard them" in screen_text(app), what="question")
        await pilot.press("d")
        await wait_for(pilot, lambda: [r.label for r in plot.runs] == ["#2 scratch·consecutive"])


async def test_clearing_while_training_keeps_the_live_curve():
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        app.query_one("#epochs", Input).value = LONG
        await pilot.press("f5")
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: len(plot.runs) == 2 and app.state == "running")
        await pilot.press("f3")
        await wait_for(pilot, lambda: "discard them" in screen_text(app), what="question")
        await pilot.press("d")
        await wait_for(pilot, lambda: [r.run_id for r in plot.runs] == [2], what="cleared")
        points = len(plot.runs[0].epochs)
        await wait_for(pilot, lambda: len(plot.runs[0].epochs) > points + 1, what="still drawn")
        await pilot.pause(0.3)
        assert "no runs: F5 starts training" not in screen_text(app)
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped")
        await pilot.press("f6")  # trains the stopped run on: its curve goes on growing
        await wait_for(pilot, lambda: app.state == "running")
        points = len(plot.runs[0].epochs)
        await wait_for(pilot, lambda: len(plot.runs[0].epochs) > points, what="resumed points")
        await pilot.press("f7")


async def test_a_new_run_over_an_unsaved_one_says_it_is_kept():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("f5")
        await wait_for(pilot, lambda: notified(app, "#1 scratch is kept, unsaved"))
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 2)


async def test_divergence_keeps_its_reason_on_screen():
    app = make_app(train=True, lr="1e30", clip="1e30")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "diverged", what="diverged")
        # The samples log writes after a refresh: under load that can take a while.
        await wait_for(pilot, lambda: "F5 starts a new run" in screen_text(app), what="hint")
        text = screen_text(app)
        assert "training diverged" in text, "the reason stays on the status line"
        assert "diverged in epoch 1" in text, "the plot says why it is empty"
        assert "no runs: F5 starts training" not in text
        assert "F5 starts a new run" in text, "what to do about it"
        # Its row's numbers stay apart, however big (ppl 3.8e+09 and val 6.0e+12 once ran
        # together in their 7-wide columns).
        # The runs table catches up twice a second: its row may come after the plot's title
        # ("#1 scratch: diverged in epoch 1"), which names the run too.
        def table_row() -> str | None:
            return next((line for line in screen_text(app).splitlines()
                         if "#1" in line and "diverged" in line and "1e+30" in line), None)

        await wait_for(pilot, lambda: table_row() is not None, what="the run's row")
        row = table_row()
        values = row.split("diverged", 1)[1].split()
        assert "1e+30" in values and all(len(v) <= 7 for v in values), row


async def test_a_long_epoch_shows_progress_within_it_and_a_per_step_curve():
    # One character a batch: hundreds of batches in one epoch of the tiny text.
    app = make_app(train=True, epochs=LONG, batch_size="1", num_steps="1")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "into 1" in screen_text(app), what="in-epoch progress")
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: len(plot.runs[0].steps) > 3, what="batch reports")
        # Held by the core while the view changes: keys settle slowly beside a run training
        # flat out.
        app.playground.pause(1)
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        await pilot.press("f2", "f2")  # perplexity -> grad norm -> per step
        assert plot.view == "per step"
        await pilot.pause(0.4)
        assert "per optimizer step" in screen_text(app)


async def test_export_from_the_app(save_dir):
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: notified(app, "exported"), what="exported")
        assert sorted(p.suffix for p in save_dir.glob("curves-*")) == [".csv", ".jsonl"]


async def test_time_devices_from_the_app():
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: "CPU, 1 thread:" in screen_text(app), timeout=30)
        assert "GPU" in screen_text(app), "the verdict says what a GPU buys (or that there is none)"
