"""↑/↓ in the setup form move the focus between its fields, as in a form: they scrolled the form
and left the focus in a field scrolled out of sight, where the tester's typing then went."""

from __future__ import annotations

from helpers import make_app, wait_for
from textual.widgets import RadioSet

from tui.widgets.setup import SetupPane


async def test_up_and_down_move_the_focus_between_fields_and_typing_follows() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        form = app.query_one(SetupPane)
        fields = [w for w in form.query("Input, RadioSet") if w.focusable]
        await wait_for(pilot, lambda: app.focused is fields[0], what="the first field focused")
        first = fields[0].value
        await pilot.press("down", "down")
        assert app.focused is fields[2]
        await pilot.press("ctrl+u", *"42")  # what the tester typed lands in the field shown
        await pilot.pause(0.1)
        assert fields[2].value == "42" and fields[0].value == first
        region = fields[2].region
        assert region.height > 0 and form.region.contains_region(region)  # scrolled into view
        await pilot.press("up")
        assert app.focused is fields[1]
        # To the last field and past the text fields: the device buttons keep ↑/↓ themselves.
        for _ in range(len(fields)):
            await pilot.press("down")
        device = form.query_one("#device", RadioSet)
        assert device.has_focus
        await pilot.press("up")
        assert device.has_focus  # a button up, within the buttons
