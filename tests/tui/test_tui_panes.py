"""Pilot tests of each pane and action, on the real playground core and a tiny corpus."""

from __future__ import annotations

import gc
import time

from helpers import TINY_TEXT, greedy, make_app, notified, wait_for
from screen_text import screen_text
from textual import events
from textual.widgets import Input

from engine.playground.events import Completion
from engine.training.events import EpochEnd
from tui.messages import EngineReport
from tui.numbers import perplexity_text
from tui.widgets.curves import CurvesPlot
from tui.widgets.prompt import PromptPane
from tui.widgets.runs_columns import LABEL, NUMBERS, SETTINGS
from tui.widgets.samples import SamplesLog
from tui.widgets.status import StatusPane

SIZE = (100, 30)
LONG = "100000"  # epochs: a run that goes on until the test stops it


def prompt_of(app) -> PromptPane:
    return app.query_one(PromptPane)


def trainer_of(app, run_id: int = 1):
    return app.playground._runs[run_id].trainer


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


async def test_prompt_completion_follows_keystrokes_backspace_paste_unknown():
    app = make_app(train=True)
    async with app.run_test(size=SIZE) as pilot:
        prompt = prompt_of(app)
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("分", "开")
        await wait_for(pilot, lambda: prompt._completed_for == "分开", what="completion")
        first = prompt.visible_completion()
        assert len(first) == 50 and set(first) <= set(TINY_TEXT)
        await pilot.press("backspace")
        await wait_for(pilot, lambda: prompt._completed_for == "分", what="recomputed")
        await pilot.press("X")  # not in the corpus's vocabulary: marked, never a crash
        await wait_for(pilot, lambda: "X" in prompt._unknown, what="unknown mark")
        await pilot.pause()
        assert "not in vocabulary" in screen_text(app)
        prompt.post_message(events.Paste("我不\n能"))
        # The tiny corpus has line breaks: a pasted one stays (issue 23).
        await wait_for(pilot, lambda: prompt.text == "分X我不\n能", what="paste")
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


async def test_completion_follows_the_weights_while_training():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("分")
        versions: set[int] = set()

        def seen_three() -> bool:
            shown = app.main.last_completion
            if shown is not None:
                versions.add(shown.version)
            return len(versions) >= 3

        await wait_for(pilot, seen_three, timeout=20, what="reloads")
        await pilot.press("f7")


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
        assert "#1 scratch·random" in text and "#2 scratch·consecutive" in text
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
        assert "no runs yet" not in screen_text(app)
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
        await wait_for(pilot, lambda: notified(app, "#1 scratch·random is kept, unsaved"))
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 2)


async def test_help_screen_and_command_palette():
    app = make_app(epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: "F5: New run" in screen_text(app), what="help drawn")
        text = screen_text(app)
        assert "Keys" in text and "F6: Pause/resume/train on" in text, "keys come first"
        await pilot.press("escape")
        await pilot.pause()
        assert "F5: New run" not in screen_text(app)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"New run", "Load session", "Help"} <= titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"new run")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.state in ("running", "finished"), what="started")


async def test_footer_shows_keys_and_ctrl_c_hints_quit():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        footer = text.splitlines()[-1]
        for key in ("Setup", "f5 New run", "f6 Pause/resume/train on", "Stop", "Save", "Load",
                    "Quit"):  # fmt: skip
            assert key in footer, footer
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


async def test_divergence_keeps_its_reason_on_screen():
    app = make_app(train=True, lr="1e30", clip="1e30")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "diverged", what="diverged")
        # The samples log writes after a refresh: under load that can take a while.
        await wait_for(pilot, lambda: "F5 starts a new run" in screen_text(app), what="hint")
        text = screen_text(app)
        assert "training diverged" in text, "the reason stays on the status line"
        assert "diverged in epoch 1" in text, "the plot says why it is empty"
        assert "no runs yet" not in text
        assert "F5 starts a new run" in text, "what to do about it"
        # Its row's numbers stay apart, however big (ppl 3.8e+09 and val 6.0e+12 once ran
        # together in their 7-wide columns).
        # The runs table catches up twice a second: its row may come after the plot's title
        # ("#1 scratch·random: diverged in epoch 1"), which names the run too.
        def table_row() -> str | None:
            return next((line for line in screen_text(app).splitlines()
                         if "#1" in line and "diverged" in line and "1e+30" in line), None)

        await wait_for(pilot, lambda: table_row() is not None, what="the run's row")
        row = table_row()
        values = row.split("diverged", 1)[1].split()
        assert "1e+30" in values and all(len(v) <= 7 for v in values), row


async def test_quit_while_training_is_prompt():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused")
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 2.0
    assert app.return_value == 0


async def test_quit_after_pasting_a_long_prompt_while_training_is_prompt():
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "running")
        prompt_of(app).post_message(events.Paste("分开 我不能再想 " * 500))
        await wait_for(pilot, lambda: len(prompt_of(app).text) > 1000, what="pasted")
        await pilot.pause(0.2)
        started = time.monotonic()
        await pilot.press("ctrl+q")
    assert time.monotonic() - started < 2.0


async def test_thread_messages_after_shutdown_are_dropped():
    # Textual drains queued messages after removing the screens; a late completion or epoch
    # from a thread must not end the app with a traceback (seen once in CI).
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
    app.on_engine_report(EngineReport(1, Completion("分开", "我想", (), 9)))
    app.on_engine_report(EngineReport(1, EpochEnd(9, 9, 2.0, 0.1, 100.0, 0.5, 1.0)))


async def test_prompt_line_editing_in_the_middle_and_the_end():
    app = make_app(train=True, epochs="10")
    async with app.run_test(size=SIZE) as pilot:
        prompt = prompt_of(app)
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press(*"我不要再想")
        await pilot.press("left", "left", "left")
        assert prompt.cursor == 2
        await pilot.press("delete")  # the 要 goes
        assert prompt.text == "我不再想"
        await pilot.press("能")
        assert prompt.text == "我不能再想" and prompt.cursor == 3
        await pilot.press("home", "分", "end", " ")
        assert prompt.text == "分我不能再想 " and prompt.cursor == len(prompt.text)
        await pilot.press("ctrl+w")  # the word before the cursor, and the space after it
        assert prompt.text == ""
        await pilot.press(*"分开 我")
        await pilot.press("left", "left", "left", "backspace")
        assert prompt.text == "开 我" and prompt.cursor == 0
        # The completion always continues from the end of the text.
        await wait_for(pilot, lambda: prompt._completed_for == "开 我", what="completion")
        completion = prompt.visible_completion()
        trainer = trainer_of(app)
        assert completion and completion == greedy(trainer, "开 我", prompt.length)


async def test_decoding_switches_in_the_prompt_and_says_so():
    app = make_app(train=True, epochs="10")
    async with app.run_test(size=SIZE) as pilot:
        prompt = prompt_of(app)
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press(*"分开")
        await wait_for(pilot, lambda: prompt._completed_for == "分开", what="greedy")
        greedy = prompt.visible_completion()
        assert "greedy" in prompt.border_title
        await pilot.press("ctrl+t", "ctrl+t", "ctrl+t")  # T 1.0
        assert prompt.decoding.temperature == 1.0 and "T 1 · seed 0" in prompt.border_title
        await wait_for(pilot, lambda: app.main.last_completion.completion != greedy, what="sampled")
        sampled = prompt.visible_completion()
        await pilot.press("ctrl+r")  # another seed: another draw
        await wait_for(pilot, lambda: prompt.visible_completion() != sampled, what="rerolled")
        await pilot.press("ctrl+k")  # top-5
        assert "top-k 5" in prompt.border_title
        await pilot.press("ctrl+t", "ctrl+t")  # back to greedy
        assert prompt.decoding.greedy and "greedy" in prompt.border_title
        await wait_for(pilot, lambda: prompt.visible_completion() == greedy, what="greedy again")


async def test_the_prompt_follows_the_run_chosen_in_the_runs_table():
    app = make_app(train=True, epochs="10")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        app.query_one("#model", Input).value = "gru"
        app.query_one("#lr", Input).value = "0.05"
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 2)
        await wait_for(pilot, lambda: app.state == "finished", what="second run")
        prompt = prompt_of(app)
        assert "#2 gru·random" in prompt.border_title
        await pilot.press(*"分开")
        await wait_for(pilot, lambda: app.main.last_completion.follows == 2, what="gru completes")
        table = app.main.runs
        await wait_for(pilot, lambda: table.row_count == 2, what="table rows")
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.playground.selected == 1, what="chosen")
        assert "#1 scratch·random" in prompt.border_title
        await wait_for(
            pilot, lambda: app.main.last_completion.follows == 1, what="scratch completes"
        )
        assert app.main.last_completion.completion == greedy(trainer_of(app, 1), "分开", 50)
        await pilot.pause(0.4)
        assert "▶ #1 scratch·random" in screen_text(app)
        # Space hides a curve, Delete removes a run that is not training (unsaved: once asked).
        await pilot.press("space")
        assert app.main.plot.runs[0].hidden
        await pilot.press("delete")
        await wait_for(pilot, lambda: "remove it without saving" in screen_text(app))
        await pilot.press("d")
        await wait_for(pilot, lambda: [s.id for s in app.playground.summaries()] == [2])
        assert app.playground.selected == 2 and "#2 gru·random" in prompt.border_title


async def test_export_from_the_app(save_dir):
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: notified(app, "exported"), what="exported")
        assert sorted(p.suffix for p in save_dir.glob("curves-*")) == [".csv", ".jsonl"]


async def test_narrow_terminal_hides_setup_until_f4():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "model" not in screen_text(app).split("\n")[2], "setup hidden below 100 columns"
        await pilot.press("f4")
        await pilot.pause()
        assert app.main.setup.display and app.focused in list(app.main.setup.query("*"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is prompt_of(app)
        assert not app.main.has_class("-setup-open")


async def test_time_devices_from_the_app():
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: "CPU, 1 thread:" in screen_text(app), timeout=30)
        assert "GPU" in screen_text(app), "the verdict says what a GPU buys (or that there is none)"


async def test_a_long_epoch_shows_progress_within_it_and_a_per_step_curve():
    # One character a batch: hundreds of batches in one epoch of the tiny text.
    app = make_app(train=True, epochs=LONG, batch_size="1", num_steps="1")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "into 1" in screen_text(app), what="in-epoch progress")
        await pilot.press("f2", "f2")  # perplexity -> grad norm -> per step
        plot = app.query_one(CurvesPlot)
        assert plot.view == "per step"
        await wait_for(pilot, lambda: len(plot.runs[0].steps) > 3, what="batch reports")
        await pilot.pause(0.4)
        assert "per optimizer step" in screen_text(app)
        await pilot.press("f7")


async def test_the_running_app_keeps_its_objects_out_of_garbage_collections():
    # A full collection walked every widget and torch object: ~200 ms with the screen frozen.
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0  # given back when the app goes


async def test_a_completion_of_only_spaces_is_shown_not_blank():
    # An early model often predicts nothing but spaces: the pane says so instead of looking empty.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptPane)
        prompt.insert("我想")
        prompt.show_completion("我想", " " * 5, ())
        await pilot.pause()
        assert "我想 ·····  (only spaces so far)" in screen_text(app)
        prompt.show_completion("我想", "要 你 ", ())
        await pilot.pause()
        text = screen_text(app)
        assert "我想 要 你" in text and "我想 ·" not in text and "only spaces" not in text


async def test_the_prompt_keeps_its_height_until_typing_pauses(monkeypatch):
    # Clearing a long prompt shrank the pane at once, and the plot above it jumped (and drew
    # itself again: 20-40 ms of the screen while training) as the next keystrokes grew it back.
    monkeypatch.setattr("tui.widgets.prompt.SHRINK_AFTER_S", 0.5)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = prompt_of(app)
        prompt.insert("我" * 80)  # three lines at 100 columns
        await pilot.pause()
        tall = prompt.region.height
        assert tall >= 5
        prompt.action_clear()
        await pilot.pause(0.2)
        prompt.insert("分")  # still typing: the height stays
        await pilot.pause(0.2)
        assert prompt.region.height == tall and "分" in screen_text(app)

        def completed() -> bool:  # training's completions keep coming: they do not postpone it
            prompt.show_completion("分", "开", ())
            return prompt.region.height < tall

        await wait_for(pilot, completed, timeout=3.0, what="the pause's shrink")
        assert prompt.region.height == 3  # one line and the border


async def test_the_runs_table_fits_its_columns_to_its_room_and_keeps_its_rows():
    # From 100 to ~114 columns the setup form beside the table left it too little room: its
    # last columns were cut off. And a resize after training had ended left it empty.
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="finished")
        await pilot.pause(0.6)
        ppl = perplexity_text(app.playground.summary(1).perplexity)
        names = {c.name for c in (LABEL, *SETTINGS, *NUMBERS)}
        for width in (120, 100, 80, 120):
            await pilot.resize_terminal(width, 30)
            await pilot.pause(0.3)
            lines = screen_text(app).splitlines()
            row = next((line for line in lines if "#1" in line), "(no row)")
            assert "finished" in row and f" {ppl} " in row, (width, row)
            # Where the room is short, columns give way whole: the last one shown is not cut.
            header = next(line for line in lines if " status " in line and " epoch " in line)
            last = header.rstrip(" │")
            assert any(last.endswith(f" {name}") for name in names), (width, header)
