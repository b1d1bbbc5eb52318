"""The log says once, in the run's name, when its held-out perplexity climbs past the uniform
baseline after a best (engine/training/overfitting.py). A real app and run (tiny corpus, Pilot);
the epochs that overfit are handed to the app's report path as the core would, since a tiny run
does not overfit on cue."""

from __future__ import annotations

from helpers import make_app, wait_for

from engine.training.events import EpochEnd
from tui.widgets.samples import SamplesLog


def _epoch(n: int, train: float, held_out: float) -> EpochEnd:
    return EpochEnd(epoch=n, epochs=9, perplexity=train, seconds=0.1, chars_per_sec=1e4,
                    grad_norm=1.0, lr=1.0, val_perplexity=held_out)  # fmt: skip


async def test_the_log_says_once_when_a_run_starts_to_overfit() -> None:
    app = make_app(train=True, epochs="1")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.state == "finished", timeout=60, what="trained")
        run_id = app.playground.selected
        vocab = app.reports.overfits[run_id].vocab
        log = app.query_one(SamplesLog)
        for n, (train, held) in enumerate([(3.0, 1.1), (2.0, vocab * 2.0), (1.5, vocab * 3.0)],
                                          start=2):  # fmt: skip
            app.reports.show(run_id, _epoch(n, train, held))
        await pilot.pause()
        said = [t.plain for t in log._written if "past the uniform baseline" in t.plain]
        assert len(said) == 1, said
        assert said[0].startswith(f"{app.reports.label(run_id)}: held-out perplexity"), said
        assert "at epoch 3" in said[0] and "overfits" in said[0], said
