"""Wording a tester found wrong in the app: the gradient-flow caption of a GRU blamed tanh, the
per-step plot said "smoothed" with smoothing at 0, the status line counted other runs in two
wordings and kept a removed run's state."""

from __future__ import annotations

import math
import re

from helpers import TINY_FILE, listed_saves, make_app, small_trainer, wait_for
from rich.console import Console
from rich.style import Style
from screen_text import screen_text

from engine.data.corpus import load_corpus
from engine.playground.events import EpochEnd
from engine.session import save_session
from tui.numbers import tick_text
from tui.screens.choice import ChoiceScreen
from tui.widgets.curve_controls import PlotControls
from tui.widgets.curve_readout import title
from tui.widgets.curve_series import PER_STEP, RunSeries
from tui.widgets.inside import InsidePane
from tui.widgets.inside_lines import Lines, flow_lines
from tui.widgets.runs_table import RunsTable
from tui.widgets.status import StatusPane

VANISHING = (1e-6, 1e-4, 1e-2, 1.0)


def _caption(cell: str) -> str:
    lines = Lines(300, Style(), Console(width=400))
    flow = EpochEnd(epoch=3, epochs=9, perplexity=5.0, seconds=1.0, chars_per_sec=1.0,
                    grad_norm=1.0, lr=1.0, grad_through_time=VANISHING, clipped_share=0.5)
    flow_lines(lines, flow, clip=1.0, cell=cell)
    return lines.strips[0].text


def test_a_vanishing_gradient_is_explained_by_the_models_own_kind():
    # A GRU's read "(usual with tanh: far characters steer learning little)".
    assert "usual with tanh" in _caption("tanh")
    for cell, gates in (("gru", "this GRU's update gates"), ("lstm", "this LSTM's forget gates")):
        caption = _caption(cell)
        assert "tanh" not in caption and gates in caption, caption
        assert "it vanishes back through time" in caption, caption
    assert "tanh" not in _caption("relu")


async def test_a_gru_runs_flow_view_neither_blames_tanh_nor_mixes_epochs():
    app = make_app(train=True, model="gru", lr="0.01", epochs="3")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        for _ in range(4):
            await pilot.press("f10")
        pane = app.query_one(InsidePane)
        await wait_for(pilot, lambda: "back to t=1" in screen_text(app), what="the caption")
        assert pane.cell == "gru"
        text = " ".join(screen_text(app).split())
        caption = text[text.index("from t="):text.index("|∂ℓ_T/∂H_t| on epoch")]
        assert "tanh" not in caption, caption
        flow = pane.flow
        assert flow is not None and f"of epoch {flow.epoch}'s steps" in caption, caption
        assert f"on epoch {flow.epoch}'s last batch" in text


def test_the_per_step_plot_says_smoothed_only_when_it_is_and_reads_as_drawn():
    # It said "(log, smoothed)" with smoothing 0, and the readout gave no raw value: the curve
    # was a moving average of the batch reports, always.
    plain = title(PER_STEP, PlotControls(smoothing=0.0))
    assert "(log)" in plain and "smooth" not in plain, plain
    assert "(log, smoothing 0.6)" in title(PER_STEP, PlotControls(smoothing=0.6))
    run = RunSeries(1, "#1 scratch", 28, 1.0, steps=[10, 20, 30], step_loss=[3.0, 2.0, 2.5])
    drawn = [math.exp(loss) for loss in run.step_loss]
    assert run.lines(PER_STEP)[0][1] == drawn
    assert run.reading(PER_STEP, 20) == f"ppl {tick_text(drawn[1])}"
    smoothed = run.reading(PER_STEP, 20, smoothing=0.6)
    assert smoothed.endswith(f"(raw {tick_text(drawn[1])})"), smoothed


def test_other_runs_training_are_counted_in_one_wording_at_every_width():
    # "+4 more training" where it fitted, "+4 training" where only that did.
    status = StatusPane()
    status.speeds = {i: (f"#{i}", 5100.0) for i in range(1, 5)}
    counts = {status._others(room).rsplit(" · ", 1)[-1] for room in range(120)}
    counted = {text for text in counts if text.startswith("+")}
    assert counted and all(re.fullmatch(r"\+\d training", text) for text in counted), counts


async def test_the_status_line_is_idle_once_the_last_run_is_removed(save_dir):
    # It kept "● finished F5 starts training" with no run left.
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        status = app.query_one(StatusPane)
        await wait_for(pilot, lambda: status.state == "finished", what="the status follows")
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press("delete")  # unsaved training: it asks first
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="question")
        await pilot.press("d")
        await wait_for(pilot, lambda: table.row_count == 0, what="removed")
        await wait_for(pilot, lambda: "● idle" in screen_text(app), what="idle")
        assert "finished" not in screen_text(app).splitlines()[0]


async def test_the_load_dialog_shows_whole_names_where_the_screen_has_room(save_dir, tmp_path):
    # At 120 columns it showed "jaychou-scr…andom-20261207-175520" inside a dialog of 90%.
    trainer = small_trainer(load_corpus(str(TINY_FILE), max_chars=0), hidden=8, epochs=1,
                            pred_period=0)
    save_dir.mkdir()
    names = ["jaychou-scratch-random-20261207-175520", "jaychou-gru-random-20261207-175521"]
    for i, name in enumerate(names):
        save_session(save_dir / f"{name}.rnnplay", trainer, label=f"#{i + 3} gru·random")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        table = await listed_saves(pilot, app, 2)
        shown = sorted(str(table.get_row(row)[-1]) for row in table.rows)
        assert shown == sorted(names), shown
        assert all(name in screen_text(app) for name in names)
