"""A key typed while a run completes the prompt is drawn with its completion, in one frame; if
the completion does not come, the key is drawn on its own (ECHO_WAIT_S later). Real core, tiny
corpus, Pilot; the one narrow patch holds the core's answer back."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text

from tui.widgets.prompt import PromptPane
from tui.widgets.prompt_echo import ECHO_WAIT_S


async def test_a_key_whose_completion_never_comes_is_still_drawn(monkeypatch):
    app = make_app(train=True, epochs="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="the run")
        prompt = app.query_one(PromptPane)
        await wait_for(pilot, lambda: bool(prompt.follows), what="the run followed")
        monkeypatch.setattr(app.playground, "complete", lambda *args, **kwargs: None)
        await pilot.press("q")
        await pilot.pause(ECHO_WAIT_S + 0.2)
        assert "› q" in screen_text(app)


async def test_a_key_is_drawn_with_its_completion():
    app = make_app(train=True, epochs="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="the run")
        prompt = app.query_one(PromptPane)
        await wait_for(pilot, lambda: bool(prompt.follows), what="the run followed")
        await pilot.press("t")
        await wait_for(pilot, lambda: prompt._completed_for == "t", what="its completion")
        await pilot.pause(0.05)
        text = screen_text(app)
        assert "› t" + prompt.visible_completion()[:10] in text.replace("\n", "")
