"""A diverged run beside a steady one (real core, Pilot): its last perplexities (66k beside 20)
do not set the y axis, so the steady curve keeps the plot's height (it was squeezed into the
bottom rows); the diverged curve leaves the top at an arrow, and the border names it."""

from __future__ import annotations

import re

from helpers import make_app, wait_for
from screen_text import screen_text

from tui.widgets.curves import CurvesPlot

SIZE = (120, 40)


def plot_rows(plot: CurvesPlot) -> list[str]:
    return [strip.text for strip in plot._lines]


def y_ticks(rows: list[str]) -> list[float]:
    """The y axis's labels as numbers ("1.03k", "1e+09", "20"), before its tick (┤, or ├
    where a red line starts)."""
    ticks = []
    for row in rows:
        found = re.match(r"\s*([0-9.e+]+)(k?)[┤├]", row)
        if found:
            ticks.append(float(found[1]) * (1000 if found[2] else 1))
    return ticks


async def test_a_diverged_run_does_not_squeeze_the_others_into_the_bottom_rows():
    # lr 2000 with θ 0.01 ends its first epoch at ppl ~66k and diverges in the second.
    app = make_app(lr="1, 2000", clip="0.01", epochs="4")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: {s.state for s in app.playground.summaries()}
                       == {"finished", "diverged"}, timeout=60, what="one finished, one diverged")
        plot = app.main.plot
        diverged = next(s for s in app.playground.summaries() if s.state == "diverged")
        steady = next(run for run in plot.runs if run.run_id != diverged.id)
        wild = next(run for run in plot.runs if run.run_id == diverged.id)
        assert wild.perplexity and max(wild.perplexity) > 1000 * max(steady.perplexity)
        await wait_for(pilot, lambda: plot._drawn_version == plot._version
                       and "diverged: above the axis" in plot.border_subtitle,
                       what="the border names the diverged run")  # fmt: skip
        assert f"↑ #{diverged.id} diverged: above the axis" in screen_text(app)
        rows = plot_rows(plot)
        ticks = y_ticks(rows)
        # The y axis is the steady run's (and the baseline's): ticks below and above its values,
        # none up where the diverged run went (it reached 1e+04 before).
        assert max(ticks) < max(wild.perplexity) / 100, "\n".join(rows)
        assert min(ticks) <= min(steady.perplexity)
        assert any("↑" in row for row in rows), "the diverged curve's way out is marked"
