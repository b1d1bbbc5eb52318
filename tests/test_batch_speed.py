"""A batch's report gives the epoch's training time so far with its speed, so a UI can show
chars/s and s/epoch from one window (issue 23: they disagreed while training)."""

from __future__ import annotations

from pathlib import Path

from helpers import small_trainer

from engine.data.corpus import load_corpus
from engine.training.events import BatchEnd


def test_batch_end_speed_is_over_its_seconds(tiny_corpus: Path) -> None:
    events: list[object] = []
    trainer = small_trainer(load_corpus(str(tiny_corpus), max_chars=0), events.append, epochs=2)
    trainer.run()
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert batches
    per_batch = trainer.config.batch_size * trainer.config.num_steps
    for event in batches:
        assert event.seconds > 0
        chars = event.chars_per_sec * event.seconds
        assert abs(chars - event.batch * per_batch) < 1e-6 * chars, event
