"""The words on the plot's border fit it at 80x24 and 120x40 (real core, Pilot): the title with
smoothing on (its keys dropped from the least useful as the width asks), and the cursor's readout
over three runs, the selected run's values first and the runs past the width counted. Both were
cut by the border ("· F2 grad norm · ctrl+z z…", "#6 ppl 231 · hel…")."""

from __future__ import annotations

import pytest
from helpers import make_app, wait_for
from screen_text import screen_text


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_title_and_the_readout_fit_the_border(size: tuple[int, int]) -> None:
    app = make_app(lr="1, 2, 3", epochs="2")
    async with app.run_test(size=size) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 3
                       and all(s.state == "finished" for s in app.playground.summaries()),
                       timeout=60, what="three runs trained")  # fmt: skip
        plot = app.main.plot
        await pilot.press("ctrl+g")  # smoothing on: the title's longest
        plot.focus()
        await pilot.press("end")
        selected = app.playground.selected
        await wait_for(pilot, lambda: plot.border_subtitle.startswith(f"epoch 2 · #{selected} ppl"),
                       what="the readout, the selected run first")  # fmt: skip
        await wait_for(pilot, lambda: plot._drawn_version == plot._version, what="plot drawn")
        await pilot.pause()
        room = plot.outer_size.width - 6  # the corners and a blank each side
        title, readout = plot.border_title, plot.border_subtitle
        assert "smoothing 0.6" in title and "F2 grad norm" in title, title
        assert "(raw " in readout and "held-out" in readout and readout.endswith("←/→"), readout
        shown = screen_text(app)
        for text in (title, readout):
            assert len(text) <= room and text in shown, f"cut at {room}: {text}"
        # Every run is named or counted.
        named = sum(f"#{run_id} ppl" in readout for run_id in (1, 2, 3))
        more = readout.split(" · +")[1].split(" run")[0] if " · +" in readout else "0"
        assert named + int(more) == 3, readout
