"""The prompt's title always shows how often the completion takes up new weights (issue 21):
the length, then the decoding give way, then a long run label is cut, never the rate (the
border cut the title's end, the rate, at 80 and at 120 columns: "· 50 chars · wei…"; a tester
read the run's name cut first, "#4 scratch·c… · T 0.5 · seed 0 · …")."""

from __future__ import annotations

from helpers import TINY_TEXT, make_app, wait_for
from screen_text import screen_text
from textual import events

from engine.generation import prompt_follower
from tui.widgets.decoding_keys import CompletionSettings

LONG_LABEL = "#6 scratch·sampling consecutive, lr 10"


def test_the_rate_stays_whole_at_every_width_and_the_label_is_cut_first() -> None:
    settings = CompletionSettings()
    for width in range(20, 90):
        title = settings.title(LONG_LABEL, 125, width)
        assert title.endswith(" · weights every 2 min"), (width, title)
        assert len(title) <= width or title == "prompt · weights every 2 min", (width, title)
    shorter = settings.title(LONG_LABEL, 42, 80)
    assert LONG_LABEL in shorter and "greedy" in shorter and "50 chars" not in shorter, shorter
    assert settings.title(LONG_LABEL, 42, 74) == f"prompt · {LONG_LABEL} · weights every 42 s"
    # Too narrow for the whole name beside the rate: the name is cut, not below "#6 scr…".
    cut = settings.title(LONG_LABEL, 42, 50)
    assert cut == "prompt · #6 scratch·sampling… · weights every 42 s", cut
    # With room, nothing is cut.
    assert settings.title(LONG_LABEL, 42, 200) == settings.title(LONG_LABEL, 42)


async def test_a_rationed_long_prompt_shows_its_rate_at_80_columns(monkeypatch) -> None:
    monkeypatch.setattr(prompt_follower, "REPLAY_SHARE", 0.001)
    # A grid of four runs: each label names what tells it from the others.
    app = make_app(train=True, epochs="100000", sampling="random, consecutive", lr="10, 30")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "running", timeout=60, what="training")
        prompt = app.main.prompt
        prompt.focus()
        prompt.post_message(events.Paste((TINY_TEXT.replace("\n", " ") * 20)[:2000]))
        await wait_for(
            pilot,
            lambda: prompt.weights_every > 0,
            timeout=60,
            what="the long prompt's replays rationed",
        )
        await pilot.pause()
        every = prompt.settings.title("", prompt.weights_every).rsplit(" · ", 1)[1]
        assert "consec" in prompt.follows and "lr 30" in prompt.follows, prompt.follows
        rows = [row for row in screen_text(app).splitlines() if "prompt ·" in row]
        assert len(rows) == 1, screen_text(app)
        assert every in rows[0], rows[0]
        # The grid's label is short enough now to stay whole beside the rate ("consec").
        assert prompt.follows in rows[0], rows[0]
