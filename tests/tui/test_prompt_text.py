"""The prompt's edits as plain values (tui/widgets/prompt_text.py): what each key does to the
text and the cursor, without an app."""

from __future__ import annotations

from tui.widgets.prompt_text import MAX_PROMPT_CHARS, PromptText


def test_edits_at_the_cursor() -> None:
    edit, note = PromptText().inserted("我不再想")
    assert (edit.text, edit.cursor, note) == ("我不再想", 4, "")
    edit = edit.moved(-2).inserted("能")[0]
    assert (edit.text, edit.cursor) == ("我不能再想", 3)
    assert edit.backspaced() == PromptText("我不再想", 2)
    assert edit.deleted() == PromptText("我不能想", 3)
    assert edit.moved(-10).backspaced() == edit.moved(-10), "nothing before the start"
    assert edit.moved_to(-1).deleted() == edit.moved_to(-1), "nothing after the end"
    assert edit.moved_to(0).cursor == 0 and edit.moved(99).cursor == len(edit.text)


def test_a_word_goes_with_the_spaces_after_it_as_in_shells() -> None:
    edit = PromptText().inserted("分开 我不能  ")[0]
    assert edit.word_deleted() == PromptText("分开 ", 3)
    assert edit.word_deleted().word_deleted() == PromptText("", 0)


def test_breaks_and_tabs_become_spaces_and_the_length_is_capped() -> None:
    assert PromptText().inserted("a\tb\r\nc\nd")[0].text == "a b c d"
    edit, note = PromptText().inserted("x" * (MAX_PROMPT_CHARS + 5))
    assert len(edit.text) == MAX_PROMPT_CHARS and str(MAX_PROMPT_CHARS) in note
