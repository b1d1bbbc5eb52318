"""The plot's axes on hostile and ordinary input, drawn with plotext as the plot draws them
(tui/widgets/curve_draw.draw on a plotext figure of the plot's size at 80x24): the tick
functions end on any value, the baseline is labelled, an empty plot labels nothing, and the lr
marks have the top row to themselves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import plotext as plt
from rich.text import Text

from tui.numbers import tick_text
from tui.widgets.curve_controls import PlotControls
from tui.widgets.curve_draw import draw
from tui.widgets.curve_frame import Frame, Line, frame
from tui.widgets.curve_series import PERPLEXITY, RunSeries

# Not helpers.REPO_ROOT: the hang test's process imports this module, and helpers would bring
# torch and the whole app with it (~2.5 CPU-s) to a process that draws with plotext.
REPO_ROOT = Path(__file__).resolve().parents[2]

# The plot's inside at 80x24 with a run (its border and a runs-table row taken).
SIZE = (78, 10)
HOSTILE = ("math.inf", "-math.inf", "math.nan", "1e308", "1.7e308", "0.0", "-5.0", "1e-320")


def drawn(frame: Frame, size: tuple[int, int] = SIZE, log_y: bool = True) -> list[str]:
    """The plot's text as CurvesPlot draws it (the lines' width leaves room for labels)."""
    plt.clear_figure()
    plt.clear_data()
    plt.plotsize(*size)
    draw(plt, frame, (size[0] - 10, size[1]), log_y, None)
    return Text.from_ansi(plt.build()).plain.splitlines()


def labels(lines: list[str]) -> list[str]:
    """The y axis's labels, top to bottom: what stands left of the plot's frame."""
    found = (re.match(r"([^│┤├┌└]*)", line) for line in lines)
    return [m.group(1).strip() for m in found if m is not None and m.group(1).strip()]


def curve(ys: list[float], marker: str = "braille") -> Line:
    return Line(1, "cyan", [float(x) for x in range(1, len(ys) + 1)], ys, marker)


def test_the_axes_end_on_any_value() -> None:
    """A history near 1e308 hung the app in log_ticks (`10**exp <= hi * 10` with hi * 10 inf).
    Every tick function on every pair of hostile values, and a plot of huge values on both
    scales, run in a process of their own: a hang fails this test rather than the suite."""
    code = (
        "import itertools, math, sys\n"
        "sys.path[:0] = ['tests', 'tests/tui']\n"
        "from test_plot_axes import Frame, Line, curve, drawn, labels\n"
        "from tui.widgets.curve_axes import linear_ticks, log_ticks, spread, time_ticks\n"
        f"values = [{', '.join(HOSTILE)}, 1.0, 1027.0]\n"
        "for lo, hi in itertools.product(values, repeat=2):\n"
        "    linear_ticks(lo, hi, 5), time_ticks(lo, hi, 5)\n"
        "    ticks = log_ticks(lo, hi)\n"
        "    if ticks: spread(ticks, lo, hi, rows=6)\n"
        "for log_y in (True, False):\n"
        "    frame = Frame(unit='epoch', x_range=(1, 3), lines=[curve([1e308, 1.7e308, 5.0])],\n"
        "                  references=[1027.0])\n"
        "    assert labels(drawn(frame, log_y=log_y))\n"
        "for unit in ('epoch', 'step', 'time'):  # x values no real run has\n"
        "    frame = Frame(unit=unit, x_range=(1.0, 1e308), references=[21.0],\n"
        "                  lines=[curve([5.0, 3.0]), Line(1, 'cyan', [1.0, 1e308], [5.0, 3.0],\n"
        "                                                 'dot')])\n"
        "    assert labels(drawn(frame))\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_the_baseline_and_the_values_above_it_are_labelled() -> None:
    falling = [1000 * 0.5**i + 1.2 for i in range(30)]
    for size in (SIZE, (78, 8), (78, 7)):
        lines = drawn(Frame(unit="epoch", x_range=(1, 30), lines=[curve(falling)],
                            references=[1027.0]), size)  # fmt: skip
        assert labels(lines)[0] == tick_text(1027.0), (size, lines)
    # A run that diverged above the baseline: the top of the axis is labelled too.
    rising = [50.0 * 3**i for i in range(10)]
    lines = drawn(Frame(unit="epoch", x_range=(1, 10), lines=[curve(rising)],
                        references=[1027.0]))  # fmt: skip
    shown = labels(lines)
    assert tick_text(1027.0) in shown and len(shown) >= 2
    assert shown[0] != tick_text(1027.0), lines  # a label above the baseline's


def test_an_empty_plot_labels_nothing() -> None:
    """A run with no epoch yet: the red baseline alone set the axis and labelled "93" and
    "41" (a 62-character vocabulary) under "nothing to draw yet"."""
    lines = drawn(Frame(unit="epoch", references=[62.0]))
    assert not any(ch.isdigit() for line in lines for ch in line), lines


def test_lr_marks_sit_on_a_top_row_of_their_own() -> None:
    ppl = [1000 * 0.5**i + 1.2 for i in range(30)]
    held_out = [y * 1.5 for y in ppl]  # above the training curve: its first dot is the top
    frame = Frame(unit="epoch", x_range=(1, 30), references=[1027.0], marks=[(10.0, "cyan")],
                  lines=[curve(ppl), curve(held_out, marker="dot")])  # fmt: skip
    lines = drawn(frame)
    marked = [i for i, line in enumerate(lines) if "▾" in line]
    dotted = [i for i, line in enumerate(lines) if "•" in line]
    assert len(marked) == 1 and dotted and marked[0] < min(dotted), lines


def _braille_cells(lines: list[str]) -> set[tuple[int, int]]:
    return {(r, c) for r, line in enumerate(lines) for c, ch in enumerate(line)
            if "\u2800" < ch <= "\u28ff"}  # fmt: skip


def test_held_out_dots_leave_the_training_curves_visible() -> None:
    """Held-out dots (whole cells) were drawn over the training curves: a run's dots on the
    row of another run's curve hid that curve, and a run showed its own curve only between
    its dots. Every cell the curves fill without the dots is still a curve's with them."""
    epochs = list(range(1, 41))
    ppl = [500 * 0.9**i + 2 for i in range(40)]

    def series(run_id: int, color: str, val: list[float] | None) -> RunSeries:
        return RunSeries(run_id, f"#{run_id}", vocab_size=28, clip=None, epochs=epochs,
                         perplexity=ppl if run_id == 1 else [y * 40 for y in ppl],
                         val=list(val) if val else [None] * 40, color=color)  # fmt: skip

    def picture(with_dots: bool) -> list[str]:
        runs = [
            series(1, "cyan", ppl if with_dots else None),
            series(2, "orange", [y * 1.02 for y in ppl] if with_dots else None),
        ]
        return drawn(frame(runs, PERPLEXITY, PlotControls(), SIZE[0] - 10))

    plain, dotted = picture(with_dots=False), picture(with_dots=True)
    assert any("•" in line for line in dotted), dotted
    lost = _braille_cells(plain) - _braille_cells(dotted)
    assert not lost, "\n".join(dotted)


def test_a_short_plot_labels_the_top_and_the_bottom_of_its_axis() -> None:
    """At 80x24 the plot can have 3 or 4 data rows: no two round ticks were two rows apart,
    and the axis read only '1.03k' (the baseline) for perplexities from 1.3 to 11.5k. Its
    top and bottom rows are labelled with the highest and lowest values drawn."""
    falling = [11500 * 0.8**i + 1.3 for i in range(40)]
    for size in ((78, 6), (78, 7)):
        lines = drawn(Frame(unit="epoch", x_range=(1, 40), lines=[curve(falling)],
                            references=[1027.0]), size)  # fmt: skip
        top = next(i for i, line in enumerate(lines) if "┌" in line) + 1
        bottom = next(i for i, line in enumerate(lines) if "└" in line) - 1
        assert labels(lines[top : top + 1]) == [tick_text(max(falling))], lines
        assert labels(lines[bottom : bottom + 1]) == [tick_text(min(falling))], lines
