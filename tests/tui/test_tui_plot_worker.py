"""The plot's pictures of new epochs are built on a worker thread (the UI thread only swaps the
lines in), what the user asks for is drawn in the next frame, and what is shown is the picture of
the points the plot holds (issue 21, bar 3)."""

from __future__ import annotations

import threading

from helpers import make_app, wait_for
from screen_text import screen_text
from textual_plotext.plot import Plot

import tui.widgets.curves as curves
from tui.widgets.curve_build import PlotJob, build_strips
from tui.widgets.curves import CurvesPlot

SIZE = (120, 40)


async def test_new_epochs_are_drawn_off_the_ui_thread_and_reach_the_screen(monkeypatch):
    builds: list[tuple[bool, int]] = []  # (on the UI thread, the points' version)

    def recorded(plt, job: PlotJob):  # noqa: ANN001, ANN202 - wraps build_strips
        builds.append((threading.current_thread() is threading.main_thread(), job.key[0]))
        return build_strips(plt, job)

    monkeypatch.setattr(curves, "build_strips", recorded)
    app = make_app(train=True, epochs="100000")
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(CurvesPlot)
        # Epochs keep coming (a few a second on the tiny corpus) until one was drawn off it.
        await wait_for(pilot, lambda: any(not on_ui for on_ui, _ in builds), timeout=60,
                       what="a picture built on the worker")
        await pilot.press("f7")  # stop: the last points come, and are drawn
        await wait_for(pilot, lambda: app.state == "stopped", timeout=30, what="stopped")
        await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="plot drawn")
        await pilot.pause()
        # What is on screen is the picture of every point, as a fresh build draws it.
        last = plot.runs[0].epochs[-1]
        assert plot.drawn.x_range is not None and plot.drawn.x_range[1] == last
        fresh = [strip.text for strip in build_strips(Plot(), plot._job())]
        assert [strip.text for strip in plot._lines] == fresh
        region = plot.content_region
        shown = screen_text(app).splitlines()[region.y : region.bottom]
        assert [line[region.x : region.right] for line in shown] == fresh


async def test_a_key_on_the_plot_is_drawn_in_the_next_frame_without_the_worker():
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: app.state == "finished" and len(plot.runs) == 1
                       and len(plot.runs[0].epochs) == 3, timeout=60, what="a finished run")
        await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="plot drawn")
        before = [strip.text for strip in plot._lines]
        await pilot.press("ctrl+l")  # the y scale: log -> linear, from the prompt
        await pilot.pause()
        assert not plot.controls.log_y
        assert plot._lines_key is not None and plot._lines_key[0] == plot._version
        assert plot._building is None  # no worker was asked
        assert [strip.text for strip in plot._lines] != before


async def test_a_new_size_is_drawn_by_the_worker_the_old_picture_cut_to_it_meanwhile(monkeypatch):
    builds: list[tuple[bool, tuple[int, int]]] = []  # (on the UI thread, the size built)

    def recorded(plt, job: PlotJob):  # noqa: ANN001, ANN202 - wraps build_strips
        builds.append((threading.current_thread() is threading.main_thread(), job.size))
        return build_strips(plt, job)

    monkeypatch.setattr(curves, "build_strips", recorded)
    app = make_app(train=True, epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(CurvesPlot)
        await wait_for(pilot, lambda: app.state == "finished" and len(plot.runs) == 1
                       and len(plot.runs[0].epochs) == 3, timeout=60, what="a finished run")
        await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="plot drawn")
        before = plot.size
        await pilot.resize_terminal(SIZE[0] - 6, SIZE[1] - 3)
        await pilot.pause()
        await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="redrawn")
        assert plot.size != before
        assert (False, tuple(plot.size)) in builds and (True, tuple(plot.size)) not in builds
        fresh = [strip.text for strip in build_strips(Plot(), plot._job())]
        assert [strip.text for strip in plot._lines] == fresh
        assert all(strip.cell_length == plot.size.width for strip in plot._lines)
