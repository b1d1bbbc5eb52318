"""The choice dialog (F3, F5, Del) shows its question and every answer whole at 80x24:
they wrap to its width instead of running off its right edge."""

from __future__ import annotations

from screen_text import screen_text, squeezed
from textual.app import App
from textual.containers import Vertical

from tui.screens.choice import Choice, ChoiceScreen

# The longest of what F5 and F3 ask: two runs training, and all three answers to clearing.
QUESTION = "#1 scratch·random, #2 scratch·random are training: start a new run how?"
CHOICES = [Choice("s", "save them, then clear", 1), Choice("d", "discard them", 2),
           Choice("o", "clear only the saved ones", 3)]  # fmt: skip


async def test_the_question_and_its_answers_are_whole_at_80x24() -> None:
    app = App()
    async with app.run_test(size=(80, 24)) as pilot:
        await app.push_screen(
            ChoiceScreen(QUESTION, "saved, cleared from the screen only", CHOICES)
        )
        await pilot.pause(0.1)
        dialog = app.screen.query_one(Vertical).region
        lines = screen_text(app).splitlines()[dialog.y : dialog.bottom]
        shown = squeezed("\n".join(line[dialog.x : dialog.right] for line in lines))
        for text in [QUESTION] + [f"{c.key}:{c.label}" for c in CHOICES]:
            assert squeezed(text) in shown, "\n".join(lines)
        await pilot.press("o")
        assert not isinstance(app.screen, ChoiceScreen)
