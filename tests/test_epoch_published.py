"""An epoch's count and its record are published together: another thread (the runs table's
summary) never sees the trainer count an epoch it has no record of, while its probes measure it
(the table showed "1/N" with ppl "-" at the first epoch's end)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import small_trainer

from engine.data.corpus import load_corpus
from engine.training.probes import Probe
from engine.training.trainer import Trainer


class Watch(Probe):
    """What another thread would read while the epoch's probes (the held-out one) measure."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, bool]] = []

    def on_epoch_end(self, trainer: Trainer) -> dict[str, Any]:
        self.seen.append((trainer.epoch, len(trainer.history), trainer.cursor is None))
        return {}


def test_the_epoch_count_moves_with_its_record(tiny_corpus: Path) -> None:
    trainer = small_trainer(load_corpus(str(tiny_corpus), max_chars=0), epochs=3, pred_period=0)
    watch = Watch()
    trainer.probes.append(watch)
    trainer.run()
    # While epoch n is measured: n - 1 counted, n - 1 records, its cursor still there.
    assert watch.seen == [(0, 0, False), (1, 1, False), (2, 2, False)]
    assert trainer.epoch == 3 and [end.epoch for end in trainer.history] == [1, 2, 3]
    assert trainer.cursor is None
