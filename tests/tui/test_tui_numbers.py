"""The plot's numbers, as a user reads them: the cursor's readout in each view, and the uniform
baseline of each corpus on the plot."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, wait_for
from screen_text import screen_text
from textual.widgets import Input, Label

from tui.numbers import tick_text
from tui.widgets.curves import CurvesPlot

SIZE = (120, 40)
LONG = "100000"  # epochs: a run that goes on until the test stops it


async def test_the_cursor_readout_names_each_views_quantity_in_its_unit():
    # One character a batch: an epoch of the tiny text is hundreds of batches, so the per-step
    # view has batch reports to read.
    app = make_app(train=True, epochs=LONG, batch_size="1", num_steps="1", val_chars="50")
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: len(plot.runs) == 1 and len(plot.runs[0].epochs) >= 2,
                       timeout=120, what="two epochs")
        await pilot.press("f7")
        await wait_for(pilot, lambda: app.state == "stopped", what="stopped")
        run = plot.runs[0]
        plot.focus()
        await pilot.press("left")  # one epoch back from the last
        epoch = run.epochs[-2]
        i = run.epochs.index(epoch)
        await pilot.pause(0.3)
        want = (f"epoch {epoch} · #1 ppl {tick_text(run.perplexity[i])}"
                f" · held-out {tick_text(run.val[i])}")
        assert want in plot.border_subtitle
        assert want in screen_text(app)

        await pilot.press("f2")  # the gradient norm, at the same epoch
        await pilot.pause(0.3)
        want = f"epoch {epoch} · #1 grad norm {tick_text(run.grad_norm[i])}"
        assert want in plot.border_subtitle and want in screen_text(app)

        await pilot.press("f2")  # perplexity per optimizer step: a step, and a perplexity
        await pilot.pause(0.3)
        step, smoothed = run.steps[-1], run.step_perplexity()[-1]
        want = f"step {step} · #1 ppl {tick_text(smoothed)}"
        assert want in plot.border_subtitle and want in screen_text(app)
        assert "grad norm" not in plot.border_subtitle
        await pilot.press("left")
        earlier = run.steps[-2]
        assert f"step {earlier} · #1 ppl {tick_text(run.step_perplexity()[-2])}" \
            in plot.border_subtitle


async def test_runs_on_two_corpora_each_get_their_corpus_baseline(tmp_path: Path):
    other = tmp_path / "other.txt"
    # A vocabulary of 27 (a-z and the space): not the tiny lyrics' 21.
    other.write_text("the quick brown fox jumps over the lazy dog\n" * 60, encoding="utf-8")
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="first run")
        app.query_one("#corpus", Input).value = str(other)
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(plot.runs) == 2 and app.state == "finished",
                       timeout=60, what="second run")
        vocabs = [run.vocab_size for run in plot.runs]
        assert vocabs[0] != vocabs[1]
        await pilot.pause(0.3)
        text = screen_text(app)
        assert f"tiny_lyrics.txt {vocabs[0]}" in text and f"other.txt {vocabs[1]}" in text
        # Each baseline is a red line at its own height.
        assert sorted(plot.drawn.references) == sorted(float(v) for v in vocabs)
        # Hiding the other corpus's run leaves one baseline, said as before.
        plot.toggle_hidden(plot.runs[1].run_id)
        await pilot.pause(0.3)
        assert f"uniform baseline = vocab {vocabs[0]}" in screen_text(app)


async def test_each_model_family_keeps_its_own_lr_and_the_optimizer_is_shown():
    # The user typed lr 30 for the scratch model (make_app's setup); the nn models train with
    # Adam, where 30 diverged at epoch 0.
    app = make_app(epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        lr, model = app.query_one("#lr", Input), app.query_one("#model", Input)
        assert lr.value == "30"
        model.value = "gru"
        await pilot.pause()
        assert lr.value == "0.001"
        label = app.query_one("#lr-label", Label)
        assert "lr (Adam)" in str(label.render())
        lr.value = "0.01"  # typed for gru
        model.value = "scratch"
        await pilot.pause()
        assert lr.value == "30" and "lr (SGD)" in str(label.render())
        model.value = "gru"
        await pilot.pause()
        assert lr.value == "0.01"
        lr.value = "0.001"
        await pilot.press("f5")
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="gru trained")
        run = app.playground.summaries()[-1]
        assert run.config.lr == 0.001 and run.state == "finished"
        await wait_for(pilot, lambda: "Adam lr 0.001 · " in screen_text(app)
                       and "#1 gru" in screen_text(app).split("prompt ·")[0],
                       what="the status line and the runs table's row")
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "#1 gru" in line)
        assert " Adam " in row and " 0.001 " in row  # the runs table's optimizer and lr
