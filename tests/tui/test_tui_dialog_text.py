"""What the dialogs say is all on screen at 80x24: the F8 dialog's refusal whole, the help's
way out on its border."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text
from textual.app import App
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label

from tui.screens.help import HelpScreen

SMALL = (80, 24)
LONG = "100000"


def squeezed(text: str) -> str:
    """Text with borders and the spaces and line ends of wrapping taken out."""
    return "".join(ch for ch in text if ch not in " │\n")


def inside(app: App, widget: Widget) -> str:
    """The screen's text over `widget`'s region, line by line."""
    region = widget.region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)


async def test_the_lr_dialogs_refusal_is_shown_whole_at_80x24() -> None:
    app = make_app(train=True, epochs=LONG)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        await pilot.press("f8")
        await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="the dialog")
        app.screen.query_one("#new-lr", Input).value = "1e40"
        await pilot.press("enter")
        error = app.screen.query_one("#lr-error", Label)
        await wait_for(pilot, lambda: str(error.render()).strip() != "", what="the refusal")
        await pilot.pause(0.1)
        message = str(error.render())
        assert "1e+40" in message or "1e40" in message
        dialog = app.screen.query_one(Vertical)
        assert squeezed(message) in squeezed(inside(app, dialog)), inside(app, dialog)
        await pilot.press("escape")
        await pilot.press("f7")


async def test_the_help_says_how_to_close_it_on_its_border() -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        await pilot.pause(0.1)
        top = app.screen.query_one(VerticalScroll).region.y
        assert "Esc closes" in screen_text(app).splitlines()[top]
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
