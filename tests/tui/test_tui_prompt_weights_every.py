"""A long prompt takes up a training run's new weights less often than each snapshot (issue 21):
the prompt's title says how often (real core, tiny corpus, Pilot)."""

from __future__ import annotations

from helpers import TINY_TEXT, make_app, wait_for
from textual import events

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
        await pilot.press(*"the")
        # Not checked before the long text: at this share even an empty prompt's replay is
        # rationed to a second or so once a loaded machine stretches the model copy's set-up
        # (the title said "weights every 1 s" in a loaded run). The next test compares them.
        long = TINY_TEXT.replace("\n", " ")[:400]
        prompt.set_text(long)
        await wait_for(
            pilot, lambda: "weights every" in str(prompt.border_title), timeout=60,
            what="the title to say how often",
        )  # fmt: skip
        # Paused or stopped, the weights do not move: "weights every 1 s" beside a stopped run
        # read as if they did. Said again once the run trains.
        await pilot.press("f6")
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        await wait_for(pilot, lambda: "weights every" not in str(prompt.border_title),
                       what="the title to leave it out while paused")  # fmt: skip
        await pilot.press("f6")
        await wait_for(pilot, lambda: "weights every" in str(prompt.border_title), timeout=30,
                       what="said again while training")  # fmt: skip
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        await wait_for(pilot, lambda: "weights every" not in str(prompt.border_title),
                       what="left out once stopped")  # fmt: skip


async def test_clearing_a_long_prompt_for_a_short_one_follows_the_weights_at_once_again(
    monkeypatch,
):
    # Rationed to a minute or so apart for 2,000 characters (its cost: faster machines less),
    # to seconds at most for three: tens of seconds tell the long one's ration from theirs.
    monkeypatch.setattr(prompt_follower, "REPLAY_SHARE", 0.001)
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "running", what="training")
        prompt = app.main.prompt
        prompt.focus()
        prompt.post_message(events.Paste((TINY_TEXT.replace("\n", " ") * 20)[:2000]))
        await wait_for(pilot, lambda: prompt.weights_every > 20, timeout=60,
                       what="the long prompt's replays rationed")
        long_every = prompt.weights_every
        await pilot.press("ctrl+u", *"the")
        # Its own ration (kept, it would equal the long one's): a fifth at most, as every ration
        # also pays the model copy's set-up, a few ms that a loaded machine stretches.
        await wait_for(pilot, lambda: prompt.weights_every < long_every / 5, timeout=5,
                       what="the short prompt's own ration")
        title = str(prompt.border_title)
        assert f"weights every {long_every:.0f} s" not in title, title
        await pilot.press("f7")

