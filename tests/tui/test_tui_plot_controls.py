"""The plot's controls, driven with the keys from wherever focus is: smoothing, the y scale, the
x axis (epoch, optimizer step, wall time), a zoomed range and the cursor's ends. Each test
reads what the plot computed for the frame it drew (CurvesPlot.drawn), on a real run."""

from __future__ import annotations

from helpers import make_app, wait_for
from textual.pilot import Pilot
from textual.widgets import Input

from tui.app import RnnplayApp
from tui.numbers import tick_text
from tui.widgets.curve_frame import Line
from tui.widgets.curves import CurvesPlot

SIZE = (120, 40)


async def trained(pilot: Pilot, epochs: int) -> CurvesPlot:
    app = pilot.app
    assert isinstance(app, RnnplayApp)
    plot = app.query_one(CurvesPlot)
    await wait_for(pilot, lambda: app.state == "finished" and len(plot.runs) == 1
                   and len(plot.runs[0].epochs) == epochs, timeout=60, what="a finished run")
    return plot


async def redrawn(pilot: Pilot, plot: CurvesPlot) -> None:
    """The plot redraws from a timer: wait until the frame holds every change."""
    await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="plot drawn")


def curve(plot: CurvesPlot, raw: bool) -> Line:
    """The run's perplexity curve as drawn (not the held-out dots)."""
    return next(line for line in plot.drawn.lines if line.marker == "braille" and line.raw == raw)


async def test_smoothing_steps_through_tensorboards_average_with_the_raw_curve_behind():
    app = make_app(train=True, epochs="4", val_chars="50")
    async with app.run_test(size=SIZE) as pilot:
        plot = await trained(pilot, 4)
        ppl = plot.runs[0].perplexity
        assert app.main.prompt.has_focus
        await pilot.press("ctrl+g")  # from the prompt: nothing typed, the plot smooths
        await redrawn(pilot, plot)
        assert app.main.prompt.text == ""
        assert plot.controls.smoothing == 0.6 and "smoothing 0.6" in plot.border_title
        raw, smoothed = curve(plot, raw=True), curve(plot, raw=False)
        assert raw.ys == ppl
        # TensorBoard's average, debiased: the first point stays, the next are weighted means.
        w = 0.6
        want = [
            ppl[0],
            ((1 - w) * w * ppl[0] + (1 - w) * ppl[1]) / (1 - w**2),
            ((1 - w) * w**2 * ppl[0] + (1 - w) * w * ppl[1] + (1 - w) * ppl[2]) / (1 - w**3),
        ]
        for got, expected in zip(smoothed.ys[:3], want, strict=True):
            assert abs(got - expected) < 1e-9 * expected
        # The raw curve is drawn first, so the smoothed one lies over it.
        assert plot.drawn.lines.index(raw) < plot.drawn.lines.index(smoothed)
        # The cursor reads the smoothed value, the raw one beside it, and held-out perplexity.
        plot.focus()
        reading = (f"epoch 4 · #1 ppl {tick_text(smoothed.ys[-1])} (raw {tick_text(ppl[-1])})"
                   " · held-out ")
        await wait_for(pilot, lambda: reading in plot.border_subtitle, what="the readout")

        await pilot.press("ctrl+g")
        assert plot.controls.smoothing == 0.9
        await pilot.press("ctrl+g")
        await redrawn(pilot, plot)
        assert plot.controls.smoothing == 0 and "smoothing" not in plot.border_title
        assert not any(line.raw for line in plot.drawn.lines)
        assert curve(plot, raw=False).ys == ppl


async def test_the_y_axis_goes_linear_and_the_x_axis_counts_steps_or_wall_time():
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        plot = await trained(pilot, 3)
        run = plot.runs[0]
        # A setup field focused: the plot's keys still act, and type nothing into it.
        field = app.query_one("#lr", Input)
        field.focus()
        before = field.value
        await pilot.press("ctrl+l")
        assert not plot.controls.log_y and "(linear" in plot.border_title
        assert field.value == before
        await pilot.press("ctrl+l")
        assert plot.controls.log_y and "(log" in plot.border_title

        app.main.prompt.focus()
        await pilot.press("ctrl+x")  # epoch -> optimizer step
        await redrawn(pilot, plot)
        assert "by step" in plot.border_title
        assert curve(plot, raw=False).xs == [float(s) for s in run.epoch_steps]
        assert run.epoch_steps[0] > 1 and run.epoch_steps == sorted(run.epoch_steps)
        plot.focus()
        await pilot.press("home")
        first = f"step {run.epoch_steps[0]} · #1 epoch 1 ppl {tick_text(run.perplexity[0])}"
        await wait_for(pilot, lambda: first in plot.border_subtitle, what="the readout")

        await pilot.press("ctrl+x")  # -> wall time: the epochs' seconds summed
        await redrawn(pilot, plot)
        assert "by wall time" in plot.border_title
        s = run.seconds
        assert curve(plot, raw=False).xs == [s[0], s[0] + s[1], s[0] + s[1] + s[2]]
        await pilot.press("end")
        last = f"{s[0] + s[1] + s[2]:.1f} s · #1 epoch 3 ppl"
        await wait_for(pilot, lambda: last in plot.border_subtitle, what="the readout")

        await pilot.press("ctrl+x")  # back to epochs
        await redrawn(pilot, plot)
        assert curve(plot, raw=False).xs == [1.0, 2.0, 3.0]


async def test_zoom_to_a_range_around_the_cursor_and_back():
    app = make_app(train=True, epochs="12")
    async with app.run_test(size=SIZE) as pilot:
        plot = await trained(pilot, 12)
        plot.focus()
        await pilot.press("home", "right", "right")  # epoch 3
        await pilot.press("left_square_bracket")
        assert plot.controls.zoom == (3.0, 12.0)
        await pilot.press("end", "left", "left", "left")  # epoch 9
        await pilot.press("right_square_bracket")
        await redrawn(pilot, plot)
        assert plot.controls.zoom == (3.0, 9.0) and "epochs 3-9" in plot.border_title
        assert curve(plot, raw=False).xs == [float(e) for e in range(3, 10)]
        assert plot.drawn.x_range == (3.0, 9.0)

        await pilot.press("home")  # the range's first point
        assert plot.cursor == 3.0
        await pilot.press("end", "plus")  # half the span, the cursor (epoch 9) kept in place
        await redrawn(pilot, plot)
        assert plot.drawn.x_range == (6.0, 9.0)
        assert curve(plot, raw=False).xs == [6.0, 7.0, 8.0, 9.0]
        await pilot.press("minus")  # out again
        assert plot.controls.zoom == (3.0, 9.0)
        await pilot.press("minus")  # the span slides back inside the data: all of it, no zoom
        assert plot.controls.zoom is None

        await pilot.press("home", "left_square_bracket")
        assert plot.controls.zoom == (1.0, 12.0)
        app.main.prompt.focus()
        await pilot.press("ctrl+z")  # from anywhere: a range goes back to all
        assert plot.controls.zoom is None
        await pilot.press("ctrl+z")  # and then to the last 50 epochs
        await redrawn(pilot, plot)
        assert plot.controls.zoom == "last" and "last 50 epochs" in plot.border_title
        assert app.main.prompt.text == ""


async def test_typing_z_in_the_prompt_types_z():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=SIZE) as pilot:
        plot = await trained(pilot, 2)
        prompt = app.main.prompt
        assert prompt.has_focus
        await pilot.press("z", "Z", "left_square_bracket", "plus")
        assert prompt.text == "zZ[+"
        assert plot.controls.zoom is None and "last 50" not in plot.border_title
        # On the plot, Z still toggles the last 50 epochs.
        plot.focus()
        await pilot.press("z")
        assert plot.controls.zoom == "last"
