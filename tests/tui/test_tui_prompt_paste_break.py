"""A paste with line breaks into a run whose vocabulary has none says so in the prompt pane, as a
character the model lacks is said: the breaks became spaces, and the note tells why."""

from __future__ import annotations

from helpers import TINY_TEXT, make_app, wait_for
from textual import events

from tui.widgets.prompt_line import prompt_line
from tui.widgets.prompt_text import MAX_PROMPT_CHARS, PromptText


async def test_a_pasted_line_break_the_run_cannot_take_gets_a_note(tmp_path):
    one_line = tmp_path / "one_line.txt"
    one_line.write_text(TINY_TEXT.replace("\n", " "), encoding="utf-8")
    app = make_app(train=True, epochs="2", corpus=str(one_line))
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        await wait_for(pilot, lambda: app.state in ("finished", "diverged", "failed"))
        await wait_for(pilot, lambda: app.playground.summaries(), what="the run")
        assert not app.playground.summaries()[0].line_breaks
        prompt.focus()
        prompt.post_message(events.Paste("分开\n我"))
        await wait_for(pilot, lambda: prompt.text == "分开 我", what="the paste, a space")
        await wait_for(pilot, lambda: prompt._completed_for == prompt.text, what="completed")
        await pilot.pause()
        # The completion that came after the paste left the note, and the pane shows it.
        assert "no line breaks" in prompt.note and "became spaces" in prompt.note
        assert "no line breaks" in str(prompt.render())
        await pilot.press("x")  # read: the next keystroke takes it away
        assert "no line breaks" not in prompt.note
        # A paste without a line break says nothing.
        prompt.post_message(events.Paste("我"))
        await wait_for(pilot, lambda: prompt.text == "分开 我x我", what="the second paste")
        assert "no line breaks" not in prompt.note


def test_a_paste_both_too_long_and_with_breaks_gets_both_notes() -> None:
    edit, note = PromptText().inserted("a\n" * MAX_PROMPT_CHARS)
    assert len(edit.text) == MAX_PROMPT_CHARS and "\n" not in edit.text
    assert "no line breaks" in note and str(MAX_PROMPT_CHARS) in note
    assert PromptText().inserted("a\nb", line_breaks=True)[1] == ""


def test_a_line_break_the_run_lacks_is_named_by_its_sign_in_the_note() -> None:
    # A prompt typed for a run with line breaks, shown for one without: "\n" is unknown.
    line = prompt_line("a\nb", 3, True, "", (), frozenset("\n"), "").plain
    assert "\n" not in line and "(not in vocabulary: ↵)" in line
