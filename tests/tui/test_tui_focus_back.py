"""Esc goes back to the prompt from anywhere, dialogs included (README: "closes the setup form,
help, dialogs"), and the focused pane is always marked: the runs table, which has no border of
its own, gets a heavy bar on its left while it has the focus."""

from __future__ import annotations

from helpers import make_app, wait_for

from tui.screens.lr import LrScreen

SIZE = (100, 30)


async def runs_focused(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.state == "finished", what="the run")
    await wait_for(pilot, lambda: app.main.runs.display, what="the runs table")
    app.main.runs.focus()
    await pilot.pause()


def left_edge(widget) -> str:
    return widget.styles.border_left[0]


async def test_the_runs_table_is_marked_while_it_has_the_focus():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        runs = app.main.runs
        await runs_focused(pilot)
        assert left_edge(runs) == "heavy"
        app.main.prompt.focus()
        await pilot.pause()
        assert left_edge(runs) != "heavy"


async def test_esc_from_a_dialog_opened_on_the_runs_table_goes_back_to_the_prompt():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        await runs_focused(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: app.screen is not app.main, what="help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, what="help closed")
        await pilot.pause()
        assert app.focused is app.main.prompt
        # A dialog: Esc cancels it and goes back to the prompt too.
        app.main.runs.focus()
        app.push_screen(LrScreen(0.5, "#1"))
        await wait_for(pilot, lambda: app.screen is not app.main, what="the dialog")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, what="the dialog closed")
        await pilot.pause()
        assert app.focused is app.main.prompt


async def test_a_dialog_answered_with_enter_leaves_the_focus_where_it_was():
    app = make_app(train=True, epochs="2")
    chosen = []
    async with app.run_test(size=SIZE) as pilot:
        await runs_focused(pilot)
        app.push_screen(LrScreen(0.5, "#1"), chosen.append)
        await wait_for(pilot, lambda: app.screen is not app.main, what="the dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: chosen, what="the dialog answered")
        await pilot.pause()
        assert app.focused is app.main.runs
