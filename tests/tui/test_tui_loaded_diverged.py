"""A diverged run saved and loaded back beside another run (real core, Pilot; tester: "#6
scratch·lr 1000 loaded 1/250 2.4e11", status "● loaded ...", the y axis at 1e+11 with every
other curve in one row): it comes back diverged, in the runs table, on the status line and in
the log with its reason, off the plot's y axis as a run that diverged here is, and F6 refuses
to train it on."""

from __future__ import annotations

from pathlib import Path

from helpers import make_app, notified, wait_for
from screen_text import screen_text
from test_tui_plot_diverged import plot_rows, y_ticks

from engine.playground import UnsavedPolicy
from tui.widgets.samples import SamplesLog

SIZE = (120, 40)


async def test_a_loaded_diverged_run_is_diverged(tmp_path: Path) -> None:
    # lr 2000 with θ 0.01 ends its first epoch at ppl ~66k and diverges in the second.
    app = make_app(lr="1, 2000", clip="0.01", epochs="4")
    async with app.run_test(size=SIZE) as pilot:
        play = app.playground
        await pilot.press("f5")
        await wait_for(pilot, lambda: {s.state for s in play.summaries()}
                       == {"finished", "diverged"}, timeout=60, what="one finished, one diverged")
        wild = next(s for s in play.summaries() if s.state == "diverged")
        path = tmp_path / "wild.rnnplay"
        job = play.save(wild.id, path)
        await wait_for(pilot, job.done.is_set, what="the save")
        assert job.outcome is not None and job.outcome.error is None
        assert play.remove(wild.id, unsaved=UnsavedPolicy.DISCARD) is None
        await wait_for(pilot, lambda: len(play.summaries()) == 1, what="the diverged run gone")

        play.load(path)
        await wait_for(pilot, lambda: len(play.summaries()) == 2, what="the load")
        loaded = next(s for s in play.summaries() if s.id != wild.id and s.path == str(path))
        assert loaded.state == "diverged" and loaded.message == wild.message
        assert loaded.perplexity and loaded.perplexity > 1000
        await wait_for(pilot, lambda: app.main.status.state == "diverged",
                       what="the status line says diverged")  # fmt: skip
        log = app.main.query_one(SamplesLog)
        await wait_for(pilot, lambda: f"{loaded.label} diverged before it was saved: "
                       f"{wild.message}" in [t.plain for t in log._written],
                       what="the log keeps why")  # fmt: skip
        assert notified(app, "diverged: it cannot train on")

        plot = app.main.plot
        number = loaded.label.split()[0]  # "#2": the removed run's, come back from its file
        await wait_for(pilot, lambda: plot._drawn_version == plot._version
                       and f"↑ {number} diverged: above the axis" in plot.border_subtitle,
                       what="the border names the loaded diverged run")  # fmt: skip
        steady = next(run for run in plot.runs if run.run_id != loaded.id)
        ticks = y_ticks(plot_rows(plot))
        assert max(ticks) < loaded.perplexity / 100 and min(ticks) <= min(steady.perplexity)
        runs_table = screen_text(app)
        assert any(f"{number} " in row and "diverged" in row
                   for row in runs_table.splitlines())  # fmt: skip

        assert play.select(loaded.id)
        await pilot.press("f6")
        await wait_for(pilot, lambda: notified(app, "is diverged: it cannot train on"),
                       what="F6 refused")  # fmt: skip
        assert play.summary(loaded.id).state == "diverged"
