"""The samples pane says when its samples come: its title names pred secs beside pred each, and a
sample taken mid-epoch is labelled by the epoch in progress and how far into it ("e2 · 53%")."""

from __future__ import annotations

from helpers import make_app, wait_for
from screen_text import screen_text

from engine.training.events import Sample
from tui.widgets.samples import SamplesLog


async def test_the_title_names_pred_secs_and_a_mid_epoch_sample_its_epoch_in_progress() -> None:
    app = make_app(train=True, epochs="3", pred_period="50", pred_seconds="20")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", what="a finished run")
        samples = app.query_one(SamplesLog)
        assert samples.border_title == "samples every 50 epochs and every 20 s of training"
        # The core's record of a sample taken 53% into epoch 2, shown as the app shows any.
        app.reports.show(1, Sample(1, "分开", "分开的我", step=7, into=0.53))
        await pilot.pause(0.2)
        assert "e2 · 53% 分开的我" in screen_text(app)
        assert "e1 分开的我" not in screen_text(app)
