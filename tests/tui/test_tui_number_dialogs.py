"""The dialogs that ask for one number (F8's learning rate, F6's epoch target) show the run's
label whole and as written at 80x24: a long one wraps, brackets are not read as markup."""

from __future__ import annotations

from screen_text import screen_text, squeezed
from textual.app import App
from textual.screen import Screen

from tui.screens.lr import LrScreen
from tui.screens.target import TargetScreen

SMALL = (80, 24)
# As a session file may name its run: longer than the dialog is wide, with markup's brackets.
LABEL = "#3 scratch·[bold]lr 0.5[/bold] hidden 512 steps 35 clip 1 seed 7 sampling consecutive"


async def shown(dialog: Screen) -> str:
    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(dialog)

    app = Host()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause(0.1)
        return squeezed(screen_text(app))


async def test_the_epoch_target_question_shows_a_long_label_whole() -> None:
    text = await shown(TargetScreen(LABEL, 5, 10))
    assert squeezed(f"{LABEL} reached its target at epoch 5: train it on to epoch") in text


async def test_the_learning_rate_question_shows_a_label_as_written() -> None:
    text = await shown(LrScreen(0.5, LABEL))
    assert squeezed(f"new learning rate for {LABEL} (now 0.5)") in text


async def test_the_learning_rate_question_says_when_the_new_lr_applies() -> None:
    assert squeezed("Enter applies it at the next batch") in await shown(LrScreen(0.5, LABEL))
    paused = await shown(LrScreen(0.5, LABEL, paused=True))
    assert squeezed("Enter applies it once the run resumes") in paused
