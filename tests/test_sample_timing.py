"""A sample predicted mid-epoch (pred_seconds) says how far into the epoch in progress it was
taken: labelled by the last finished epoch alone, one at 53% of epoch 2 read "e1"."""

from __future__ import annotations

from pathlib import Path

from helpers import small_trainer

from engine.data.corpus import load_corpus
from engine.training.events import BatchEnd
from engine.training.probes import predict_samples
from engine.training.trainer import Trainer


def test_a_mid_epoch_sample_knows_how_far_into_the_epoch_it_is(tiny_corpus: Path) -> None:
    def stop_midway(event: object) -> None:
        if isinstance(event, BatchEnd) and event.epoch == 2 and event.batch == event.batches // 2:
            trainer.stop()  # applied between batches: the epoch in progress stays open

    trainer: Trainer = small_trainer(load_corpus(str(tiny_corpus)), stop_midway, epochs=5,
                                     pred_period=0, batch_size=2, num_steps=4)  # fmt: skip
    trainer.run()
    cursor = trainer.cursor
    assert trainer.epoch == 1 and cursor is not None and 0 < cursor.batch < len(cursor.starts)
    samples = predict_samples(trainer)
    assert samples and all(s.epoch == 1 for s in samples)
    assert all(s.into == cursor.batch / len(cursor.starts) for s in samples)
    # At an epoch's end there is nothing more to say than the epoch.
    done = small_trainer(load_corpus(str(tiny_corpus)), epochs=1, pred_period=0)
    done.run()
    assert all(s.epoch == 1 and s.into == 0.0 for s in predict_samples(done))
