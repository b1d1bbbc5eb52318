"""Keys that come in one burst (as tmux or SSH send them, several in one read) act in the order
they were typed: a Backspace in the middle of a burst deletes what came before it, not after.

Pilot's press() waits for each key to be handled before the next, which hides the bug these
tests are about; here the keys are posted to the app all at once, as the terminal driver posts
the keys it parses from one read."""

from __future__ import annotations

from helpers import make_app, wait_for
from textual import events

from tui.key_order import STUCK_S, KeyOrder
from tui.screens.lr import LrScreen


def burst(app, *keys: str) -> None:
    """Post the keys to the app back to back, as the driver does with one read's keys."""
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(key, key))
        else:
            app.post_message(events.Key(key, None))


async def typed(keys: tuple[str, ...], before: str = "") -> str:
    app = make_app(prompt=before)
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        await wait_for(pilot, lambda: prompt.has_focus and prompt.text == before, what="start")
        burst(app, *keys)
        await wait_for(pilot, lambda: not app.keys.waiting, what="the keys handled", timeout=5)
        await pilot.pause(0.2)
        return prompt.text


async def test_a_backspace_in_a_burst_deletes_the_character_before_it() -> None:
    assert await typed(("我", "想", "backspace", "你", "的", "backspace", "爱")) == "我你爱"
    assert await typed(("我", "backspace", "想", "你")) == "想你"


async def test_a_burst_that_starts_with_backspace_deletes_what_was_there() -> None:
    assert await typed(("backspace", "想"), before="我爱") == "我想"


async def test_cursor_keys_in_a_burst_move_before_the_next_character() -> None:
    assert await typed(("home", "a", "end", "b"), before="xy") == "axyb"


async def test_the_learning_rate_dialog_takes_a_burst_in_order() -> None:
    app = make_app()
    chosen: list[float | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.main.prompt.has_focus, what="start")
        app.push_screen(LrScreen(0.5, "run 1"), chosen.append)
        await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "new-lr")
        burst(app, "end", "backspace", "backspace", "backspace", "3", "0", "enter")
        await wait_for(pilot, lambda: chosen, what="the dialog closed", timeout=5)
    assert chosen == [30.0]


async def test_keys_behind_one_that_never_comes_back_still_go_on(monkeypatch) -> None:
    # A key whose way up is cut (its widget closed under it) holds the next ones only so long.
    monkeypatch.setattr(KeyOrder, "_after", lambda self, node, event, key: None)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.main.prompt
        await wait_for(pilot, lambda: prompt.has_focus, what="start")
        burst(app, "backspace", "我")
        await pilot.pause(STUCK_S / 2)
        assert prompt.text == "" and app.keys.waiting == 1
        await wait_for(pilot, lambda: prompt.text == "我", what="the key behind", timeout=5)
