"""A note about what the user just typed into the prompt is read before it goes: the new
completions that come with each set of weights while a run trains leave it, the next
keystroke takes it away."""

from __future__ import annotations

from helpers import TINY_TEXT, make_app, wait_for

from tui.widgets import prompt_note


async def test_a_line_break_note_outlives_the_completions_while_training(tmp_path, monkeypatch):
    # The note's own 5 s would end it first on a loaded machine (it failed there once, the note
    # gone at the first look): what is tested is that completions do not wipe it.
    monkeypatch.setattr(prompt_note, "EDIT_NOTE_S", 120.0)
    one_line = tmp_path / "one_line.txt"
    one_line.write_text(TINY_TEXT.replace("\n", " "), encoding="utf-8")
    app = make_app(train=True, epochs="100000", corpus=str(one_line), prompt="a")
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        await wait_for(pilot, lambda: app.state == "running" and prompt._completed_for == "a",
                       what="training, the prompt completed")  # fmt: skip
        assert not prompt.line_breaks
        prompt.focus()
        await pilot.press("ctrl+j")
        assert "no line breaks" in prompt.note
        # New weights, new completions: each used to wipe the note at once.
        for _ in range(3):
            seen = app.main.last_completion
            await wait_for(pilot, lambda s=seen: app.main.last_completion is not s,
                           what="a completion from newer weights")  # fmt: skip
        assert "no line breaks" in prompt.note
        assert "no line breaks" in str(prompt.render())
        await pilot.press("b")
        assert prompt.text == "ab" and "no line breaks" not in prompt.note
        await pilot.press("f7")
