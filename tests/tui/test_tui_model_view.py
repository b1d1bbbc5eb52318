"""The model view (F10 to it): the selected run's equations and shapes with the live values of
the prompt character at the cursor, as engine/inspect/step.py computed them, on the real core."""

from __future__ import annotations

import pytest
from helpers import make_app, wait_for
from rich.console import Console
from rich.style import Style
from screen_text import screen_text
from textual.pilot import Pilot

from engine.inspect.step import CharStep, ModelShape
from tui.widgets.inside import VIEWS, InsidePane
from tui.widgets.inside_lines import Lines, shown_char
from tui.widgets.model_lines import _num, _p, _prediction
from tui.widgets.samples import SamplesLog

MODEL_VIEW = [view.name for view in VIEWS].index("model") + 1  # F10 presses to reach it


async def open_model_view(pilot: Pilot) -> None:
    """Train the tiny run to its end, open the model view and wait for its steps under the
    final weights."""
    app = pilot.app
    await wait_for(pilot, lambda: app.state == "finished", what="finished")
    await pilot.press(*["f10"] * MODEL_VIEW)
    final = app.playground._runs[1].trainer.snapshots.latest()[0]
    await wait_for(
        pilot,
        lambda: (c := app.main.last_completion) is not None
        and c.inspection is not None
        and c.inspection.model is not None
        and c.version == final
        and c.text == app.main.prompt.text,
        what="the model's steps under the final weights",
    )
    await wait_for(pilot, lambda: app.main.prompt.height_settled, what="prompt height settled")
    await pilot.pause(0.3)


def steps_of(app):
    return app.main.last_completion.inspection.model


@pytest.mark.parametrize("model", ["scratch", "gru", "lstm"])
async def test_the_model_view_shows_the_equations_shapes_and_the_step_at_the_cursor(model: str):
    app = make_app(train=True, prompt="分开", epochs="10", model=model, lr="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_model_view(pilot)
        pane = app.query_one(InsidePane)
        assert pane.view == "model"
        steps = steps_of(app)
        vocab = steps.shape.vocab
        text = screen_text(app)
        # The cursor is at the end: the step of '开', its one-hot index and the row it reads.
        last = steps.steps[-1]
        assert last.char == "开"
        assert f"X_t '开' = index {last.index} of {vocab}" in text
        equation = {
            "scratch": "H_t = tanh(X_t W_xh + H_(t-1) W_hh + b_h)",
            "gru": "H_t = Z_t⊙H_{t-1} + (1−Z_t)⊙H~_t",
            "lstm": "C_t = F_t⊙C_{t-1} + I_t⊙C~_t",
        }[model]
        assert equation in text
        # Live numbers: H_t's norm and the likeliest next character's probability as computed.
        assert f"‖{_num(last.layers[0].hidden.norm)}‖" in text
        ch, logit, p = last.top[0]
        # In full, or in the summary that comes first where the full step does not fit.
        summary = f"softmax: '{shown_char(ch)}' {_p(p)}"
        assert f"O {logit:.2f} p {p:.3f}" in text or summary in text
        if model == "scratch":  # the gated cells' rows push it below: the scroll test sees it
            assert "perplexity: best 1" in text and f"uniform = V = {vocab}" in text
            assert "worst +∞" in text
        # ←/→ in the prompt move the step: '分' shows its own index, with '开' next.
        await pilot.press("left")
        await pilot.pause(0.2)
        first = steps.steps[0]
        text = screen_text(app)
        assert f"X_t '分' = index {first.index} of {vocab}" in text
        assert first.actual[0] == "开"
        if model == "scratch":
            assert f"next in the prompt '开' p {first.actual[1]:.3g}" in text


async def test_the_views_scroll_shows_the_shapes_and_parameter_counts():
    app = make_app(train=True, prompt="分开", epochs="10", model="lstm", layers="2", lr="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_model_view(pilot)
        shape = steps_of(app).shape
        pane = app.query_one(InsidePane)
        await pilot.click(InsidePane)  # focus it: ↑/↓ scroll, ←/→ move the prompt's cursor
        seen = ""
        for _ in range(30):
            await pilot.press("down")
            await pilot.pause(0.05)
            seen += screen_text(app)
        assert f"perplexity: best 1 · this prompt {steps_of(app).perplexity:.3g}" in seen
        assert f"uniform = V = {shape.vocab}" in seen and "worst +∞" in seen
        text = screen_text(app)
        assert f"{shape.total:,} parameters" in text
        counts = {p.name: p.count for p in shape.parameters}
        w_xh = counts["rnn.weight_ih_l0"]
        assert w_xh == shape.vocab * 4 * shape.hidden
        assert f"[W_xh {shape.vocab}×4·{shape.hidden}: {w_xh:,}]" in text and "×2 layers" in text
        assert pane.scrolled > 0
        await pilot.press("left")
        await pilot.pause(0.2)
        assert app.main.prompt.cursor == 1 and pane.prompt_cursor == 1


async def test_at_80x24_the_model_view_shows_the_step_and_the_equation():
    app = make_app(train=True, prompt="分开", epochs="10")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_model_view(pilot)
        last = steps_of(app).steps[-1]
        text = screen_text(app)
        assert f"'开' = index {last.index} of {steps_of(app).shape.vocab}: row" in text
        assert "H_t = tanh(X_t W_xh" in text
        assert "X_t W_xh " in text and "‖" in text  # a term's row with its norm


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_model_view_snapshot(snap_compare, frozen_clock, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await open_model_view(pilot)
        # RichLog follows new lines with a deferred scroll whose timing varies: pin it to the end.
        pilot.app.query_one(SamplesLog).scroll_end(animate=False, immediate=True)
        await pilot.pause(0.1)
        await pilot.wait_for_scheduled_animations()

    app = make_app(train=True, prompt="分开", epochs="20")
    assert snap_compare(app, terminal_size=size, run_before=run_before)



@pytest.mark.parametrize("width", range(40, 81))
def test_the_output_line_wraps_between_entries_never_inside_one(width: int) -> None:
    """The O_t line broke mid-entry at 80 columns ("'一' O" / "4.14 p 0.027"): each top
    character's logit and probability read whole on one line, whatever the width."""
    shape = ModelShape("scratch", 30, 16, 1, "tanh", None, ())
    top = (("一", 4.14, 0.027), ("的", 3.9, 0.021), (" ", 3.5, 0.014), ("风", 2.56, 0.005),
           ("卷", 2.09, 0.003))  # fmt: skip
    step = CharStep(0, "分", 3, (), top, ("开", 0.0123))
    lines = Lines(width, Style(), Console(width=200))
    _prediction(lines, shape, step)
    shown = [strip.text for strip in lines.strips]
    for ch, logit, p in top:
        entry = f"'{shown_char(ch)}' O {logit:.2f} p {p:.3f}"
        assert any(entry in line for line in shown), (entry, shown)
    assert any("next in the prompt '开' p 0.0123" in line for line in shown), shown
