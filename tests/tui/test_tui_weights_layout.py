"""The weights over time and the minibatch layout inside the model (F10; issue 18 §2, §3), on the
real core: each draws what the core reports (EpochEnd.weights, Playground.batch_layout), ←/→
step through parameters and batches, and the prompt's warm-up (ctrl+y) is named in its title
and in the layout view."""

from __future__ import annotations

import pytest
from helpers import make_app, wait_for
from screen_text import screen_text
from test_tui_snapshots import finished_with_completion
from textual.pilot import Pilot

from engine.playground.events import EpochEnd, ParamStats
from tui.widgets.inside import VIEWS, InsidePane
from tui.widgets.layout_lines import strip_cells

pytestmark = pytest.mark.usefixtures("flow_every_epoch")
SIZES = [(80, 24), (120, 40)]


def presses_to(view: str) -> int:
    """F10 presses from closed to `view`."""
    return [v.name for v in VIEWS].index(view) + 1


def view_text(pane: InsidePane) -> str:
    """Every line of the view the pane shows, scrolled into sight or not."""
    return "\n".join(strip.text for strip in pane._view_lines(pane.content_region.width))


async def open_view(pilot: Pilot, view: str) -> InsidePane:
    app = pilot.app
    await wait_for(pilot, lambda: app.state == "finished", what="finished")
    for _ in range(presses_to(view)):
        await pilot.press("f10")
    pane = app.query_one(InsidePane)
    assert pane.view == view
    await pilot.pause(0.2)
    return pane


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_the_weights_view_shows_each_parameter_as_the_trainer_measured_it(size) -> None:
    app = make_app(train=True, prompt="分开", epochs="6")
    async with app.run_test(size=size) as pilot:
        pane = await open_view(pilot, "weights")
        history = app.playground._runs[1].trainer.history
        assert all(e.weights for e in history)
        latest = history[-1].weights
        await wait_for(pilot, lambda: "W_xh" in screen_text(app), what="the weights drawn")
        text = screen_text(app)
        first = latest[0]
        assert f"W_xh (1/5) {first.shape[0]}×{first.shape[1]}" in text
        assert f"epoch {history[-1].epoch}" in text and f"norm {first.norm:.3g}" in text
        assert f"update/weight {first.update_ratio:.3g}" in text
        assert "histogram" in text
        pane.focus()
        await pilot.press("down", "down", "down", "down")  # the spread below, at 80x24
        await wait_for(pilot, lambda: "spread over epochs 1…6" in screen_text(app),
                       what="the spread over the epochs")
        await pilot.press("up", "up", "up", "up")
        await pilot.press("right")
        await wait_for(pilot, lambda: "W_hh" in screen_text(app), what="the next parameter")
        assert f"norm {latest[1].norm:.3g}" in screen_text(app)
        await pilot.press("left", "left")
        await wait_for(pilot, lambda: "b_q" in screen_text(app), what="round to the last")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
async def test_the_layout_view_steps_through_the_epochs_batches(size) -> None:
    app = make_app(train=True, prompt="分开", epochs="3", sampling="consecutive")
    async with app.run_test(size=size) as pilot:
        pane = await open_view(pilot, "layout")
        await wait_for(pilot, lambda: pane.minibatches is not None, what="a layout")
        core = app.playground.batch_layout(0, 40)
        text = screen_text(app)
        assert f"consecutive · epoch 4 · batch 1/{core.batches} (finished: the next epoch)" in text
        assert "reset to zeros: the epoch's first batch" in text
        assert "text █" in text  # the strip starts with row 0 of batch 1
        pane.focus()
        await pilot.press("right")
        await wait_for(pilot, lambda: pane.minibatches.batch == 1, what="batch 2")
        text = screen_text(app)
        assert f"batch 2/{core.batches}" in text and "carried from batch 1" in text
        # the prompt's start, and why it matters here (below the fold at 80x24: ↓ scrolls)
        assert "starts from zeros" in view_text(pane)
        second = app.playground.batch_layout(1, 40)
        await pilot.press(*["down"] * 8)  # the rows below, at 80x24
        await wait_for(pilot, lambda: f"row  0 @{second.starts[0]:>6,}" in screen_text(app),
                       what="the batch's first row")
        await pilot.press(*["up"] * 8)
        await pilot.press("escape", "ctrl+y")  # back to the prompt: its warm-up key
        await wait_for(pilot, lambda: "reads 100 characters" in view_text(pane),
                       what="the warm-up named in the view")
        assert "greedy · warm-up 100" in screen_text(app)  # and in the prompt's title
        assert app.main.prompt.decoding.warmup == 100


async def open_layout_paused(pilot: Pilot) -> InsidePane:
    """Open the layout view of the app's running run while the core holds it paused, then let
    it train on: beside a run training flat out each F10 settled for seconds."""
    app = pilot.app
    await wait_for(pilot, lambda: app.state == "running", what="running")
    app.playground.pause(1)
    await wait_for(pilot, lambda: app.state == "paused", what="paused")
    for _ in range(presses_to("layout")):
        await pilot.press("f10")
    app.playground.resume(1)
    await wait_for(pilot, lambda: app.state == "running", what="running again")
    return app.query_one(InsidePane)


async def test_the_layout_follows_a_random_run_while_it_trains() -> None:
    app = make_app(train=True, prompt="分开", epochs="100000", sampling="random")
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_layout_paused(pilot)
        # each batch trained asks for the layout again (an epoch here is a few batches)
        await wait_for(pilot, lambda: pane.minibatches is not None
                       and pane.minibatches.trained > 0, timeout=60, what="a layout mid-epoch")
        assert "random" in screen_text(app) and "reset to zeros" in screen_text(app)
        epochs = pane.minibatches.epoch
        await wait_for(pilot, lambda: pane.minibatches.epoch > epochs, timeout=60,
                       what="the next epoch")
        app.playground.stop()


@pytest.mark.parametrize("view", ["weights", "layout"])
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_view_snapshot(snap_compare, frozen_clock, view: str, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await finished_with_completion(pilot)
        for _ in range(presses_to(view)):
            await pilot.press("f10")
        pane = pilot.app.query_one(InsidePane)
        if view == "layout":  # asked of the core once the pane has its width
            await wait_for(pilot, lambda: pane.minibatches is not None and len(
                pane.minibatches.strip) == strip_cells(pane.content_region.width), what="layout")
        await finished_with_completion(pilot)

    sampling = "consecutive" if view == "layout" else "random"
    # no samples: at 120x40 their pane's scrollbar came and went with their timing
    app = make_app(train=True, prompt="分开", epochs="20", sampling=sampling, pred_period="0")
    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_an_epoch_a_summary_brought_already_is_not_drawn_twice() -> None:
    """The summary (on a refresh) can hold an epoch whose EpochEnd report is still on its way
    to the pane: the report then adds no second column."""
    stats = ParamStats("W_xh", (2, 2), (0.0, 0.1, 0.2, 0.3, 0.4), 1.0, 0.1, (1, 1, 1, 1))
    ends = [EpochEnd(i, 3, 9.0, 0.1, 1e3, 0.5, 1.0, weights=(stats,)) for i in (1, 2, 3)]
    pane = InsidePane()
    pane.follow_weights(tuple(ends[:2]))
    pane.show_epoch(ends[1], 0.01)
    assert [e.epoch for e in pane.weights] == [1, 2]
    pane.show_epoch(ends[2], 0.01)
    assert [e.epoch for e in pane.weights] == [1, 2, 3]


async def test_the_layout_of_a_stopped_run_says_it_stopped_not_training() -> None:
    # F7 on a run the layout view follows: its place in the epoch is where it stopped, in the
    # state the core reports ("training at 2" of a stopped run misled the tester).
    app = make_app(train=True, epochs="100000", sampling="consecutive")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_layout_paused(pilot)
        await wait_for(pilot, lambda: pane.minibatches is not None
                       and pane.minibatches.trained > 0, timeout=60, what="a layout mid-epoch")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        await wait_for(pilot, lambda: pane.minibatches.run == "stopped", what="its layout again")
        await pilot.pause(0.1)
        layout = pane.minibatches
        header = view_text(pane).splitlines()[0]
        where = (f"(stopped at batch {layout.trained + 1})" if layout.trained
                 else "(stopped: the next epoch)")
        assert where in header and "training" not in header, header
        assert header in screen_text(app)
