"""What a new user met in an hour at 80x24 and 120x40 (issue 23's new-user items): the samples
pane, the decoding keys, reaching the prompt, newlines in it, what quitting keeps, the status
line's speed, and the prompt's settings in a session."""

from __future__ import annotations

from helpers import make_app, wait_for

from tui.widgets.samples import SamplesLog


def pane_text(log: SamplesLog) -> str:
    """The rows the samples pane shows now, joined, all spaces dropped (a wrapped line loses
    the space it broke at)."""
    rows = (log.render_line(y).text for y in range(log.scrollable_content_region.height))
    return squeezed("".join(rows))


def squeezed(text: str) -> str:
    return "".join(text.split())


async def test_samples_wrap_at_80x24_and_the_newest_shows_whole():
    app = make_app(train=True, epochs="20", pred_period="1", pred_len="60")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        samples = app.query_one(SamplesLog)
        trainer = app.playground._runs[1].trainer
        await wait_for(pilot, lambda: len(trainer.samples) >= 20, what="the samples")
        await pilot.pause(0.1)
        newest = trainer.samples[-1]
        assert len(squeezed(newest.text)) > 30, "a sample worth reading, two rows at 80 columns"
        assert not samples.show_horizontal_scrollbar, "whole samples wrap: nothing to scroll to"
        shown = pane_text(samples)
        assert squeezed(newest.text) in shown, (newest.text, shown)


async def test_the_device_check_is_readable_in_the_samples_pane_at_80x24():
    app = make_app(train=True, epochs="2")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished")
        await pilot.press("ctrl+d")
        samples = app.query_one(SamplesLog)
        await wait_for(pilot, lambda: "GPU" in pane_text(samples), timeout=30)
        shown = pane_text(samples)
        assert squeezed("CPU, 1 thread:") in shown and "seconds" in shown, shown
        assert not samples.show_horizontal_scrollbar
