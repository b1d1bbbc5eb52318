"""A full prompt says so at each key it refuses, not only at the paste that filled it (the note
showed once; later keys did nothing and said nothing)."""

from __future__ import annotations

from helpers import TINY_TEXT, make_app, wait_for
from screen_text import screen_text
from textual import events

from tui.widgets import prompt_note
from tui.widgets.prompt_text import MAX_PROMPT_CHARS

FULL = f"the prompt holds at most {MAX_PROMPT_CHARS} characters"


def prompt_says(app: object) -> str:
    """The prompt pane's rows as shown, joined (the note wraps onto a row of its own)."""
    rows = [row.strip("┃ ") for row in screen_text(app).splitlines() if row.startswith("┃")]
    return " ".join(" ".join(rows).split())


async def test_each_key_a_full_prompt_refuses_says_so_again(monkeypatch) -> None:
    monkeypatch.setattr(prompt_note, "EDIT_NOTE_S", 0.5)  # the paste's note goes soon
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        prompt.focus()
        prompt.post_message(events.Paste((TINY_TEXT.replace("\n", " ") * 20)[:2100]))
        await wait_for(pilot, lambda: len(prompt.text) == MAX_PROMPT_CHARS, what="the paste")
        await wait_for(pilot, lambda: FULL in prompt_says(app), what="the paste's note")
        await wait_for(pilot, lambda: FULL not in prompt_says(app), what="the note read")
        # The pane shrinks back once the note has gone (a repaint that would show a note set
        # meanwhile): the keys below come after it, as a learner's do.
        await wait_for(pilot, lambda: prompt.height_settled, what="the pane settled")
        # From here a note stays until the next key: one read late on a busy machine is there.
        monkeypatch.setattr(prompt_note, "EDIT_NOTE_S", 60)
        await pilot.press("a")
        await wait_for(pilot, lambda: FULL in prompt_says(app), what="the note at a refused key")
        assert len(prompt.text) == MAX_PROMPT_CHARS
        # The next key drops the note (read) and, refused too, says it again at once.
        await pilot.press("b")
        await pilot.pause()
        assert FULL in prompt_says(app) and prompt.note == FULL, prompt_says(app)
