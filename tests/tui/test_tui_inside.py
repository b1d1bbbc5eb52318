"""The views inside the model (F10), on the real core: each shows what engine.inspect.inspection
computed for the prompt, and follows typing and the weights."""

from __future__ import annotations

import math

import pytest
from helpers import make_app, wait_for
from screen_text import screen_text
from textual.pilot import Pilot

from tui.widgets.inside import VIEWS, InsidePane
from tui.widgets.prompt import PromptPane
from tui.widgets.samples import SamplesLog

SIZE = (120, 40)


async def trained_with_views(pilot: Pilot, views: int) -> None:
    """Train the tiny run to its end, type a prompt, open the views and step to one."""
    app = pilot.app
    await wait_for(pilot, lambda: app.state == "finished", what="finished")
    for _ in range(views):
        await pilot.press("f10")
    final = app.playground._runs[1].trainer.snapshots.latest()[0]
    await wait_for(
        pilot,
        lambda: (c := app.main.last_completion) is not None
        and c.inspection is not None
        and c.version == final
        and c.text == app.main.prompt.text,
        what="inspection under the final weights",
    )
    # The prompt shrinks to what its text needs once typing (here: completions) pauses.
    await wait_for(pilot, lambda: app.main.prompt.height_settled, what="prompt height settled")
    await pilot.pause(0.3)


def inside(app) -> InsidePane:
    return app.query_one(InsidePane)


async def test_next_character_odds_follow_the_prompt():
    app = make_app(train=True, prompt="分开", epochs="20")
    async with app.run_test(size=SIZE) as pilot:
        await trained_with_views(pilot, 1)
        odds = app.main.last_completion.inspection.odds
        assert inside(app).view == "odds" and odds is not None
        # The ten likeliest of a distribution over the corpus's characters, likeliest first; the
        # ones not listed share what is left, none more likely than the tenth.
        probs = [p for _, p in odds.top]
        vocab = len(app.playground._runs[1].trainer.corpus.vocab)
        assert len(probs) == 10 < vocab and probs == sorted(probs, reverse=True)
        assert 0 < probs[-1] and 1 - probs[-1] * (vocab - 10) <= sum(probs) <= 1 + 1e-6
        assert odds.entropy <= math.log(vocab) and math.isclose(
            odds.effective_choices, math.exp(odds.entropy))
        text = screen_text(app)
        assert "inside: odds" in text and "entropy" in text
        top_char, top_p = odds.top[0]
        assert f"{top_p:.3f}" in text
        # The greedy completion's first character is the likeliest next one.
        assert app.main.prompt.visible_completion().startswith(top_char)
        await pilot.press("我")
        # The completion is reported first, its views after it (engine.generation.followed_run).
        await wait_for(pilot, lambda: (c := app.main.last_completion).inspection is not None
                       and c.inspection.prompt == "分开我")


async def test_completion_confidence_shades_each_character():
    app = make_app(train=True, prompt="分开", epochs="20")
    async with app.run_test(size=SIZE) as pilot:
        await trained_with_views(pilot, 1)
        prompt = app.query_one(PromptPane)
        completion = app.main.last_completion
        assert len(completion.probs) == len(completion.completion) == prompt.length
        assert all(0.0 < p <= 1.0 for p in completion.probs)
        assert completion.probs == completion.inspection.completion.probs


async def test_hidden_units_colour_the_text_and_step_through_units():
    app = make_app(train=True, prompt="分开", epochs="20")
    async with app.run_test(size=SIZE) as pilot:
        await trained_with_views(pilot, 2)
        pane = inside(app)
        assert pane.view == "units"
        hidden = app.main.last_completion.inspection.hidden
        top = hidden.ranking("variance").units[0]
        assert f"unit {top} of h: #1 of the units ranked by their variance" in screen_text(app)
        # Its score says what it is (it was a bare "(+0.94)")
        header = " ".join(s.text.strip() for s in pane._view_lines(pane.content_region.width))
        score = hidden.ranking("variance").scores[0]
        assert f"ranked by their variance over the text, {score:+.2f} for this unit" in header
        pane.focus()
        await pilot.press("right")
        second = hidden.ranking("variance").units[1]
        await wait_for(pilot, lambda: f"unit {second} of h: #2" in screen_text(app))
        await pilot.press("r")  # the next ranking: asked of the core again, said in words
        await wait_for(pilot, lambda: "correlation with being inside a word" in screen_text(app),
                       what="in-word ranking")


async def test_a_pinned_unit_stays_while_training_re_ranks_the_units():
    app = make_app(train=True, prompt="分开不", epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        # Paused while the unit is chosen and pinned: a run training flat out made each key
        # press settle for seconds (and burned a core); it trains again for the re-ranking.
        await wait_for(pilot, lambda: app.state == "running", what="running")
        app.playground.pause(1)
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        await pilot.press("f10", "f10")
        await wait_for(pilot, lambda: (c := app.main.last_completion) is not None
                       and c.inspection is not None and c.inspection.hidden is not None,
                       what="the units view")
        pane = inside(app)
        pane.focus()
        await pilot.press("right", "right", "p")  # the unit ranked #3 now, pinned
        await pilot.pause(0.2)
        pinned = pane.pinned
        assert pinned is not None and f"unit {pinned} of h, pinned" in screen_text(app)
        # New weights re-rank the units every epoch; the view keeps the pinned unit.
        first = app.main.last_completion.version
        app.playground.resume(1)
        for _ in range(4):
            await wait_for(pilot, lambda v=first: app.main.last_completion.version > v,
                           what="new weights")
            first = app.main.last_completion.version
            await pilot.pause(0.1)
            assert pane._shown_unit == pinned
            assert f"unit {pinned} of h, pinned" in screen_text(app)
        app.playground.stop(1)
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        await pilot.press("p")  # unpinned: the view follows the rank again
        await pilot.pause(0.2)
        assert pane.pinned is None and "pinned" not in screen_text(app)


async def test_what_the_prediction_looks_at():
    app = make_app(train=True, prompt="我不能再", epochs="20")
    async with app.run_test(size=SIZE) as pilot:
        await trained_with_views(pilot, 3)
        looks = app.main.last_completion.inspection.saliency
        assert inside(app).view == "looks at" and looks is not None
        assert "predicting" in screen_text(app)
        assert max(v for v in looks.shown if v is not None) == 1.0


async def test_gradient_flow_through_time_and_closing_the_views():
    app = make_app(train=True, prompt="分开", epochs="20")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        for _ in range(4):
            await pilot.press("f10")
        await pilot.pause(0.3)
        assert inside(app).view == "gradient flow"
        text = screen_text(app)
        assert "∂ℓ_T/∂H_t" in text and "clipped in" in text
        # past the last view: closed, and no views asked of the core
        await pilot.press(*["f10"] * (len(VIEWS) - 3))
        await pilot.pause(0.1)
        assert not app.main.has_class("-inside") and not app.main.wants_views


async def test_the_flow_view_keeps_the_last_measured_epoch(monkeypatch: pytest.MonkeyPatch):
    # Any measurement costs too much: only the first epoch (and a run's last) measures the flow.
    # Stopped before its last epoch, the run shows epoch 1's flow beside epoch 1's clipped share
    # (the latest epoch's beside it told of another epoch).
    monkeypatch.setattr("engine.training.probes.FLOW_SHARE", 1e-12)
    app = make_app(train=True, epochs="1000")
    async with app.run_test(size=SIZE) as pilot:
        # Paused while the views open: key presses settle for seconds beside a run training
        # flat out.
        await wait_for(pilot, lambda: app.state == "running", what="running")
        app.playground.pause(1)
        await wait_for(pilot, lambda: app.state == "paused", what="paused")
        for _ in range(4):
            await pilot.press("f10")
        app.playground.resume(1)
        await wait_for(pilot, lambda: app.playground.summary(1).epoch >= 3, what="epoch 3")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        await pilot.pause(0.2)
        summary = app.playground.summary(1)
        assert summary.flow is not None and summary.flow.epoch == 1
        text = screen_text(app)
        assert "epoch 1's last batch" in text
        assert summary.last.epoch > 1 and "of epoch 1's steps" in text


@pytest.mark.parametrize("views", [1, 2, 3, 4], ids=["odds", "units", "looks-at", "flow"])
def test_inside_views_snapshot(snap_compare, frozen_clock, views: int) -> None:
    async def run_before(pilot: Pilot) -> None:
        if views == 4:
            app = pilot.app
            await wait_for(pilot, lambda: app.state == "finished")
            for _ in range(4):
                await pilot.press("f10")
            await wait_for(pilot, lambda: app.main.prompt.height_settled, what="prompt settled")
            await pilot.pause(0.3)
        else:
            await trained_with_views(pilot, views)
        # RichLog follows new lines with a deferred scroll whose timing varies: pin it to the end.
        pilot.app.query_one(SamplesLog).scroll_end(animate=False, immediate=True)
        await pilot.pause(0.1)
        await pilot.wait_for_scheduled_animations()

    app = make_app(train=True, prompt="分开", epochs="20")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("views", [1, 2, 3, 4], ids=["odds", "units", "looks-at", "flow"])
async def test_every_view_fits_a_short_terminal(views: int):
    # At 80x24 the views take the samples' place and fit their rows: nothing is pushed off
    # the screen and the plot keeps its rows.
    app = make_app(train=True, prompt="分开", epochs="20")
    async with app.run_test(size=(80, 24)) as pilot:
        if views == 4:  # the gradient flow asks nothing of the prompt
            await wait_for(pilot, lambda: app.state == "finished")
            for _ in range(4):
                await pilot.press("f10")
            await pilot.pause(0.3)
        else:
            await trained_with_views(pilot, views)
        panes = {w.id: w.region for w in app.main.query("#right > *") if w.display}
        assert "samples" not in panes and panes["inside"].height >= 5
        assert all(region.bottom <= 23 for region in panes.values())  # the footer's row below
        assert panes["curves"].height >= 5
        text = screen_text(app)
        if views == 1:  # the likeliest characters that fit, then the entropy
            assert "entropy" in text and text.count(" 0.") >= 5
        if views == 4:
            assert "∂ℓ_T/∂H_t" in text and "clipped in" in text


def test_odds_view_snapshot_at_80x24(snap_compare, frozen_clock) -> None:
    async def run_before(pilot: Pilot) -> None:
        await trained_with_views(pilot, 1)
        await pilot.wait_for_scheduled_animations()

    app = make_app(train=True, prompt="分开", epochs="20")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", [(100, 32), (110, 34), (120, 40)])
async def test_the_views_share_a_tall_screen_with_the_plot(size: tuple[int, int]):
    # At 110x34 the units view's 14 rows, the plot's and the samples' least heights added up to
    # more than the column had: the plot took 30 rows and pushed everything under it off the
    # screen. The views now share the room left with the plot and the samples.
    app = make_app(train=True, prompt="分开" * 20, epochs="20")
    async with app.run_test(size=size) as pilot:
        await trained_with_views(pilot, 2)
        panes = {w.id: w.region for w in app.main.query("#right > *") if w.display}
        assert all(region.bottom <= size[1] - 1 for region in panes.values()), panes
        assert panes["curves"].height >= 8 and panes["inside"].height >= 5
        assert "unit " in screen_text(app)
