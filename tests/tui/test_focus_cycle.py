"""Tab cycles the panes; the setup form's fields join the cycle only once the form has the focus.
From 100 columns the form is always shown beside the panes, and Tab from the prompt used to walk
every one of its fields before it reached the runs table (a tester's `m` went to the prompt)."""

from __future__ import annotations

from helpers import make_app, wait_for
from textual.widgets import Input

from tui.widgets.runs_table import RunsTable
from tui.widgets.setup import SetupPane


def _in_form(app) -> bool:
    return app.query_one(SetupPane).has_focus_within


async def test_tab_from_the_prompt_reaches_the_runs_table_without_the_form_fields() -> None:
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.main.runs.row_count == 1, what="a run's row")
        app.main.prompt.focus()
        seen = []
        for _ in range(6):
            await pilot.press("tab")
            seen.append(app.focused)
            assert not _in_form(app), f"Tab went into the setup form after {seen}"
            if isinstance(app.focused, RunsTable):
                break
        assert isinstance(app.focused, RunsTable), seen
        await pilot.press("shift+tab")
        assert not _in_form(app), "shift+Tab from the table skips the form as well"


async def test_in_the_form_tab_moves_between_its_fields_and_then_out() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.focused is app.main.prompt, what="prompt focused")
        await pilot.press("f4")
        first = app.focused
        assert isinstance(first, Input) and _in_form(app)
        await pilot.press("tab")
        assert _in_form(app) and app.focused is not first, "Tab moves to the next field"
        for _ in range(40):  # through the last field, then out of the form
            await pilot.press("tab")
            if not _in_form(app):
                break
        assert not _in_form(app), "Tab leaves the form after its last field"
