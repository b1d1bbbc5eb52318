"""A setting's field longer than the form shows its start once the focus leaves it: a grid such
as "random, consecutive" showed its end, "dom, consecutive", read as a value of its own."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text
from textual.widgets import Input


async def test_a_grid_longer_than_its_field_reads_from_its_start_once_left() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f4")
        field = app.query_one("#sampling", Input)
        field.focus()
        await wait_for(pilot, lambda: app.focused is field, what="the sampling field focused")
        await pilot.press("end", *", consecutive")
        assert field.value.endswith("random, consecutive") and field.scroll_x > 0
        await pilot.press("down")
        await wait_for(pilot, lambda: app.focused is not field, what="the focus moved on")
        row = next(line for line in screen_text(app).splitlines() if "sampling " in line)
        assert "random, consec" in row, row
        field.focus()  # back in it: typing goes on at its end, as before
        await pilot.press("x")
        assert field.value.endswith("consecutivex")
