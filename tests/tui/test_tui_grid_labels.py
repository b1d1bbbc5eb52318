"""Runs of one grid tell themselves apart by the settings that vary (`lr 1, 10` made two
"scratch·random": now "scratch·lr 1" and "scratch·lr 10"); the core makes the labels."""

from __future__ import annotations

from helpers import make_app, wait_for

from engine.playground import grid_tags

SIZE = (80, 24)


def test_a_grid_tags_each_run_with_what_varies_but_the_model() -> None:
    runs = [{"model": m, "lr": lr, "hidden": 16} for m in ("scratch", "rnn") for lr in (1.0, 10.0)]
    assert grid_tags(runs) == ["lr 1", "lr 10", "lr 1", "lr 10"]
    assert grid_tags([{"lr": 1.0}]) == [""]  # one run: nothing to tell apart
    assert grid_tags([{"model": "rnn"}, {"model": "gru"}]) == ["", ""]  # the label names it


async def test_f5_on_a_grid_of_lrs_labels_each_run_with_its_lr() -> None:
    app = make_app(lr="1, 10", epochs="1")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await wait_for(pilot, lambda: len(app.playground.summaries()) == 2, timeout=30,
                       what="two runs")  # fmt: skip
        # The runs are built on threads of their own: either may be #1.
        labels = sorted(s.label.split(" ", 1)[1] for s in app.playground.summaries())
        assert labels == ["scratch·lr 1", "scratch·lr 10"], labels
