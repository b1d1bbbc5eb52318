"""One picture of the plot, built into the lines the widget shows (Strips) from a frame computed
on the UI thread (curve_frame.frame): everything it needs is copied into a PlotJob, so a build
can run on a thread of its own while the UI thread draws other frames.

A build is ~8 ms of Python (plotext lays out and prints the figure as ANSI text, rich reads it
back into styled segments); the plot's own figure builds the pictures its user asks for (a key,
a resize), a second figure on a worker thread the ones new epochs bring (tui/widgets/curves.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from tui.widgets.curve_draw import draw
from tui.widgets.curve_frame import Frame


@dataclass(frozen=True)
class PlotJob:
    """A picture to build: what to draw, at what size, in which plotext theme."""

    key: tuple  # what the picture shows (CurvesPlot._key): a newer one replaces it
    frame: Frame
    size: tuple[int, int]  # the widget's content, columns and rows
    log_y: bool
    cursor: float | None  # the cursor line's x, None for none
    title: str  # plotext's title line ("" for none)
    theme: str  # a plotext theme name, registered by textual-plotext
    console: Console
    options: ConsoleOptions  # the console's, at the widget's size
    style: Style  # the widget's base style, under the plot's own colours


def build_strips(plt: Any, job: PlotJob) -> list[Strip]:
    """Draw `job` on the plotext figure `plt` (cleared first) and return its lines."""
    plt.clear_data()
    plt.clear_figure()
    width, height = job.size
    draw(plt, job.frame, (max(10, width - 10), height), job.log_y, job.cursor)
    if job.title:
        plt.title(job.title)
    # As textual-plotext's own render sets them (its size twice: once did not always take).
    plt.plotsize(width, height)
    plt._set_size(width, height)
    plt.theme(job.theme)
    lines = job.console.render_lines(
        Text.from_ansi(plt.build()), job.options, style=job.style, pad=True
    )
    return [Strip(line, width) for line in lines]
