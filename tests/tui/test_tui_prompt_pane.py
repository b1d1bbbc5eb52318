"""Pilot tests of the prompt pane on the real playground core and a tiny corpus: the completion
follows keystrokes, edits, the weights and the run chosen; decoding switches; what it shows
before training and for a completion of spaces; its height while typing."""

from __future__ import annotations

from helpers import TINY_TEXT, greedy, make_app, prompt_of, trainer_of, wait_for
from screen_text import screen_text
from textual import events
from textual.widgets import Input

from tui.widgets.prompt import PromptPane

SIZE = (100, 30)
LONG = "100000"  # epochs: a run that goes on until the test stops it



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
        assert "#2 gru" in prompt.border_title
        await pilot.press(*"分开")
        await wait_for(pilot, lambda: app.main.last_completion.follows == 2, what="gru completes")
        table = app.main.runs
        await wait_for(pilot, lambda: table.row_count == 2, what="table rows")
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.playground.selected == 1, what="chosen")
        assert "#1 scratch" in prompt.border_title
        await wait_for(
            pilot, lambda: app.main.last_completion.follows == 1, what="scratch completes"
        )
        assert app.main.last_completion.completion == greedy(trainer_of(app, 1), "分开", 50)
        await pilot.pause(0.4)
        assert "▶ #1 scratch" in screen_text(app)
        # Space hides a curve, Delete removes a run that is not training (unsaved: once asked).
        await pilot.press("space")
        assert app.main.plot.runs[0].hidden
        await pilot.press("delete")
        await wait_for(pilot, lambda: "remove it without saving" in screen_text(app))
        await pilot.press("d")
        await wait_for(pilot, lambda: [s.id for s in app.playground.summaries()] == [2])
        assert app.playground.selected == 2 and "#2 gru" in prompt.border_title


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
    monkeypatch.setattr("tui.widgets.prompt_height.SHRINK_AFTER_S", 0.5)
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
