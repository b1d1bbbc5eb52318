"""A run without clipping (the setup form's clip θ = off): its note, the grad-norm view and the
gradient-flow view say "off" where a threshold would be."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text

from tui.widgets.curves import CurvesPlot
from tui.widgets.inside import InsidePane

SIZE = (120, 40)


async def test_clip_off_is_shown_as_off():
    app = make_app(train=True, clip="off", lr="1", epochs="3")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="finished")
        assert app.playground.summary(1).config.clip is None
        await pilot.pause(0.2)
        assert "clip off" in screen_text(app)  # the run's note
        plot = app.query_one(CurvesPlot)
        while plot.view != "grad norm":
            await pilot.press("f2")
        await pilot.pause(0.2)
        assert "clipping off" in screen_text(app) and "clip threshold" not in screen_text(app)
        while app.query_one(InsidePane).view != "gradient flow":
            await pilot.press("f10")
        await wait_for(pilot, lambda: "(clipping off)" in screen_text(app), what="flow view")
        assert "clipped in 0%" in screen_text(app)
