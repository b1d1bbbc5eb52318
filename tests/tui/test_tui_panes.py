"""Pilot tests of each pane and action, driven by the scripted fake engine."""

from __future__ import annotations

import time

from conftest import make_app, wait_for
from fake_engine import Completer, Script, Trainer
from screen_text import screen_text
from textual import events
from textual.widgets import Input, RadioButton, Select, Static

from tui.messages import CompletionReady, EpochPoint
from tui.widgets.curves import CurvesPlot
from tui.widgets.prompt import PromptPane
from tui.widgets.samples import SamplesLog
from tui.widgets.setup import SetupPane
from tui.widgets.status import StatusPane

SIZE = (100, 30)


def prompt_of(app) -> PromptPane:
    return app.query_one(PromptPane)


async def test_train_at_launch_runs_to_the_end_with_prompt_focused():
    app = make_app(train=True, epochs="60")
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is prompt_of(app)
        await wait_for(pilot, lambda: app.state == "finished", what="run to finish")
        status = app.query_one(StatusPane)
        assert status.epoch == 60 and status.epochs == 60
        assert status.perplexity is not None and status.perplexity < 2
        plot = app.query_one(CurvesPlot)
        assert len(plot.runs) == 1 and len(plot.runs[0].epochs) == 60
        await pilot.pause(0.3)  # the plot redraws from a timer
        text = screen_text(app)
        assert "epoch 60/60" in text and "finished" in text
        assert "uniform baseline = vocab" in text
        assert any("\u2800" <= ch <= "\u28ff" for ch in text), "no braille curve drawn"
        # pred_period 50: one sample per prefix at epoch 50.
        assert len(app.query_one(SamplesLog).lines) >= 3


async def test_model_change_carries_book_lr_unless_edited():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lr = app.query_one("#lr", Input)
        assert lr.value == "100"
        app.query_one("#model", Select).value = "gru"
        await pilot.pause()
        assert lr.value == "0.001"
        lr.value = "0.01"
        await pilot.pause()
        app.query_one("#model", Select).value = "scratch"
        await pilot.pause()
        assert lr.value == "0.01", "a user's lr must survive a model change"


async def test_invalid_values_refused_at_the_field():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lr = app.query_one("#lr", Input)
        for bad, words in (("-1", "positive"), ("nan", "finite"), ("abc", "number")):
            lr.value = bad
            await pilot.pause()
            assert words in str(app.query_one("#setup-error", Static).render())
            await pilot.press("f5")
            await pilot.pause()
            assert app.state == "idle"
        lr.value = "100"
        # Too large for the corpus: only the engine's check knows, the run is refused.
        app.query_one("#batch_size", Input).value = "5000"
        await pilot.press("f5")
        await wait_for(
            pilot,
            lambda: (
                app.state == "idle"
                and "batch" in str(app.query_one("#setup-error", Static).render())
            ),
            what="refusal",
        )
        assert app.focused is app.query_one("#batch_size", Input)
        assert app.query_one(CurvesPlot).runs == []


async def test_unavailable_device_is_greyed_with_reason():
    app = make_app()
    async with app.run_test(size=SIZE):
        cuda = [b for b in app.query(RadioButton) if b.name == "cuda"][0]
        assert cuda.disabled
        assert "no CUDA device" in screen_text(app)
        assert app.query_one(SetupPane).selected_device() == "auto"


async def test_prompt_completion_follows_keystrokes_backspace_paste_unknown():
    app = make_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        prompt = prompt_of(app)
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("分", "开")
        await wait_for(pilot, lambda: prompt.visible_completion() != "", what="completion")
        assert prompt.text == "分开"
        first = prompt.visible_completion()
        assert len(first) == 50
        await pilot.press("backspace")
        await wait_for(pilot, lambda: prompt._completed_for == "分", what="recomputed")
        assert prompt.visible_completion() != first
        await pilot.press("X")  # not in the fake corpus's vocabulary
        await wait_for(pilot, lambda: "X" in prompt._unknown, what="unknown mark")
        await pilot.pause()
        assert "not in vocabulary" in screen_text(app)
        prompt.post_message(events.Paste("我不\n能"))
        await wait_for(pilot, lambda: prompt.text == "分X我不 能", what="paste")
        await pilot.press("pageup")
        await wait_for(pilot, lambda: len(prompt.visible_completion()) == 60, what="longer")
        await pilot.press("pagedown", "pagedown")
        await wait_for(pilot, lambda: len(prompt.visible_completion()) == 40, what="shorter")


async def test_prompt_before_training_explains_itself():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause(0.1)
        assert "start training (F5)" in screen_text(app)


async def test_completion_reloads_weights_while_training():
    Trainer.script = Script(batches=4, batch_delay=0.01)
    app = make_app(train=True, epochs="100")
    async with app.run_test(size=SIZE) as pilot:
        Completer.loads.clear()
        await pilot.press("分")
        prompt = prompt_of(app)
        await wait_for(pilot, lambda: len(set(Completer.loads)) >= 3, timeout=6, what="reloads")
        assert Completer.loads == sorted(Completer.loads)
        await wait_for(pilot, lambda: prompt.visible_completion() != "", what="completion")
        await pilot.press("f7")


async def test_pause_resume_stop():
    Trainer.script = Script(batches=4, batch_delay=0.01)
    app = make_app(train=True, epochs="1000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        epoch = app.query_one(StatusPane).epoch
        await pilot.pause(0.2)
        assert app.query_one(StatusPane).epoch <= epoch + 1
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "running", what="resumed")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        assert "stopped" in screen_text(app)


async def test_change_lr_while_running_is_marked_on_the_plot():
    Trainer.script = Script(batches=2, batch_delay=0.01)
    app = make_app(train=True, epochs="1000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="dialog")
        app.screen.query_one("#new-lr", Input).value = "30"
        await pilot.press("enter")
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: plot.runs[0].lr_changes(), what="lr mark")
        assert plot.runs[0].lr_changes()[0][1] == 30
        await pilot.press("f7")


async def test_runs_overlay_and_plot_views():
    app = make_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        app.query_one("#sampling", Select).value = "consecutive"
        await pilot.press("f5")
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: len(plot.runs) == 2 and app.state == "finished")
        await pilot.pause(0.3)
        text = screen_text(app)
        assert "#1 scratch·random" in text and "#2 scratch·consecutive" in text
        await pilot.press("f2")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "grad norm before clipping" in text and "clip threshold" in text
        await pilot.press("f3")
        assert plot.runs == []


async def test_help_screen_and_command_palette():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        text = screen_text(app)
        assert "Perplexity" in text and "clipping" in text
        await pilot.press("escape")
        await pilot.pause()
        assert "Perplexity" not in screen_text(app)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Start training", "Pause training", "Stop training", "Help"} <= titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"start train")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state in ("running", "finished"), what="started")


async def test_footer_shows_keys_and_ctrl_c_hints_quit():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for key in ("Start", "Pause/Go", "Stop", "lr", "View", "Help"):
            assert key in text
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert any("ctrl+q" in str(n.message).lower() for n in app._notifications)
        assert app.is_running


async def test_tiny_terminal_shows_note():
    app = make_app()
    async with app.run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        assert "terminal too small" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert "terminal too small" not in screen_text(app)


async def test_failure_and_divergence_are_shown():
    Trainer.script = Script(fail_at=3)
    app = make_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "error", what="error state")
        assert "scripted failure" in screen_text(app)
        Trainer.script = Script(diverge_at=5)
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.state == "diverged", what="diverged")


async def test_quit_while_training_is_prompt():
    Trainer.script = Script(batches=4, batch_delay=0.02)
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused")
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 2.0
    assert app.return_value == 0


async def test_thread_messages_after_shutdown_are_dropped():
    # Textual drains queued messages after removing the screens; a late completion or epoch
    # from a thread must not end the app with a traceback (seen once in CI).
    app = make_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
    app.on_completion_ready(CompletionReady("分开", "我想", (), version=9))
    app.on_epoch_point(EpochPoint(1, 9, 9, 2.0, 0.1, 100.0, 0.5, 1.0))
