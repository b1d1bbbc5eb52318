"""A long prompt takes up a training run's new weights less often than each snapshot (issue 21):
the prompt's title says how often (real core, tiny corpus, Pilot)."""

from __future__ import annotations

from helpers import TINY_TEXT, make_app, wait_for

from engine.generation import prompt_follower
from tui.widgets.decoding_keys import CompletionSettings


def test_the_title_says_how_often_new_weights_are_taken_up() -> None:
    settings = CompletionSettings()
    assert "weights" not in settings.title("#1 scratch")
    assert settings.title("#1 scratch", 42.4).endswith(" · weights every 42 s")
    assert settings.title("#1 scratch", 600).endswith(" · weights every 10 min")


async def test_a_long_prompt_while_training_says_it_follows_the_weights_less_often(monkeypatch):
    # A share this small rations even a short replay: after the first one the title says so.
    monkeypatch.setattr(prompt_follower, "REPLAY_SHARE", 0.001)
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        prompt = app.main.prompt
        prompt.focus()
        assert "weights every" not in str(prompt.border_title)
        await pilot.press(*"the")
        long = TINY_TEXT.replace("\n", " ")[:400]
        prompt.set_text(long)
        await wait_for(
            pilot, lambda: "weights every" in str(prompt.border_title), timeout=60,
            what="the title to say how often",
        )  # fmt: skip
        await pilot.press("f7")
