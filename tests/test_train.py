"""Short real trainings: perplexity falls, controls work between batches, divergence is caught."""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace

import pytest
import torch

import engine.training.trainer
from engine.config import ConfigError, TrainConfig
from engine.data.corpus import load_corpus
from engine.data.sampling import consecutive_starts, random_starts
from engine.training.events import BatchEnd, EpochEnd, Sample, StatusChanged
from engine.training.probes import SamplePredictions
from engine.training.trainer import Trainer

SMALL = dict(hidden=64, batch_size=8, num_steps=10, pred_len=10)
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # small models: one thread is faster


@pytest.fixture(scope="module")
def small_corpus(jaychou):
    return load_corpus("jaychou", max_chars=2000)


@pytest.mark.parametrize(
    "model,sampling", [("scratch", "random"), ("scratch", "consecutive"), ("lstm", "random")]
)
def test_training_lowers_perplexity(small_corpus, model: str, sampling: str) -> None:
    events: list = []
    lr = None if model == "scratch" else 1e-2
    cfg = TrainConfig(model=model, sampling=sampling, epochs=12, lr=lr, pred_period=6, **SMALL)
    trainer = Trainer(small_corpus, cfg, on_event=events.append)
    assert trainer.run() == "finished"
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == list(range(1, 13))
    assert epochs[-1].perplexity < 0.5 * epochs[0].perplexity
    assert all(e.grad_norm > 0 and e.seconds > 0 for e in epochs)
    samples = [e for e in events if isinstance(e, Sample)]
    assert [(s.epoch, s.prefix) for s in samples] == [
        (6, "分开"), (6, "不分开"), (12, "分开"), (12, "不分开")]
    assert all(len(s.text) == len(s.prefix) + 10 for s in samples)
    assert [e.status for e in events if isinstance(e, StatusChanged)] == ["running", "finished"]


def test_same_seed_same_run(small_corpus) -> None:
    cfg = TrainConfig(epochs=3, **SMALL)
    a, b = Trainer(small_corpus, cfg), Trainer(small_corpus, cfg)
    a.run(), b.run()
    assert [e.perplexity for e in a.history] == [e.perplexity for e in b.history]


def test_pause_set_lr_resume_and_stop_from_another_thread(small_corpus) -> None:
    paused, seen = threading.Event(), []

    def on_event(event) -> None:
        seen.append(event)
        if isinstance(event, StatusChanged) and event.status == "paused":
            paused.set()

    trainer = Trainer(small_corpus, TrainConfig(epochs=10_000, **SMALL), on_event=on_event)
    trainer.pause()
    worker = threading.Thread(target=trainer.run)
    worker.start()
    assert paused.wait(10)
    assert trainer.step == 0  # paused before the first batch
    trainer.set_lr(3.0)
    trainer.resume()
    while trainer.step < 3:
        worker.join(0.01)
    trainer.stop()
    worker.join(10)
    assert not worker.is_alive() and trainer.status == "stopped"
    assert trainer.lr == 3.0 and trainer.current_config().lr == 3.0
    assert any(isinstance(e, BatchEnd) for e in seen)


def test_call_soon_runs_between_batches_on_the_trainer_thread(small_corpus) -> None:
    trainer = Trainer(small_corpus, TrainConfig(epochs=1, **SMALL))
    threads: list[str] = []
    trainer.call_soon(lambda t: threads.append(threading.current_thread().name))
    assert threads == [threading.current_thread().name]  # not running: runs at once


def test_a_huge_learning_rate_is_stopped_before_it_reaches_the_weights(small_corpus) -> None:
    events: list = []
    trainer = Trainer(small_corpus, TrainConfig(epochs=5, lr=1e6, **SMALL), on_event=events.append)
    status = trainer.run()
    assert status == "diverged"
    message = [e.message for e in events if isinstance(e, StatusChanged)][-1]
    assert "diverged" in message and "learning rate" in message
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


def test_invalid_settings_are_refused(small_corpus) -> None:
    for bad in (dict(lr=-1.0), dict(lr=math.nan), dict(batch_size=500), dict(model="cnn"),
                dict(model="scratch", layers=2), dict(clip=0.0)):
        with pytest.raises(ConfigError):
            Trainer(small_corpus, TrainConfig(**{**SMALL, **bad}))


@pytest.mark.parametrize("sampling", ["random", "consecutive"])
@pytest.mark.parametrize("batch_size,num_steps", [(1, 1), (2, 5), (3, 2), (8, 5)])
def test_corpus_length_check_matches_the_samplers(sampling, batch_size, num_steps) -> None:
    cfg = TrainConfig(sampling=sampling, batch_size=batch_size, num_steps=num_steps)
    g = torch.Generator()
    for n in range(2, 120):
        if sampling == "random":
            batches = len(random_starts(n, batch_size, num_steps, g))
        else:
            batches = len(consecutive_starts(n, batch_size, num_steps))
        if batches:
            cfg.check(n)
        else:
            with pytest.raises(ConfigError, match="too few"):
                cfg.check(n)


def test_a_command_queued_as_the_run_ends_is_never_lost(tiny_corpus) -> None:
    """call_soon from another thread in the window after run()'s last drain (the trainer still
    holds its lock, so the command is queued): run() must still carry it out."""
    ran = threading.Event()

    class LateCaller(Trainer):
        def _park(self, status, message=""):  # type: ignore[no-untyped-def]
            super()._park(status, message)
            if status == "finished":
                caller = threading.Thread(target=self.call_soon, args=(lambda t: ran.set(),))
                caller.start()
                caller.join()

    corpus = load_corpus(str(tiny_corpus), max_chars=0)
    cfg = TrainConfig(hidden=8, batch_size=2, num_steps=5, epochs=1, device="cpu")
    trainer = LateCaller(corpus, cfg)
    assert trainer.run() == "finished"
    assert ran.is_set(), "the command was left in the queue"


# -- long epochs: progress within an epoch, an epoch cap, samples by time ----------------------


def test_a_long_epoch_reports_progress_before_it_ends(jaychou) -> None:
    """The whole lyrics (~64,000 characters) at 2 sequences of 5: thousands of batches an
    epoch; each one reports the step, the batch's loss and the throughput so far."""
    corpus = load_corpus("jaychou", max_chars=0)
    seen: list[BatchEnd] = []
    trainer = Trainer(corpus, TrainConfig(hidden=8, batch_size=2, num_steps=5, epochs=1,
                                          val_chars=0, device="cpu"))

    def on_event(event) -> None:
        if isinstance(event, BatchEnd):
            seen.append(event)
            if len(seen) == 20:
                trainer.stop()

    trainer.on_event = on_event
    assert trainer.run() == "stopped" and trainer.epoch == 0
    assert [e.step for e in seen] == list(range(1, 21)) == [e.batch for e in seen]
    assert all(e.batches > 5000 and e.epoch == 1 for e in seen)
    assert all(math.isfinite(e.loss) and e.loss > 0 and e.chars_per_sec > 0 for e in seen)


@pytest.mark.parametrize("sampling", ["random", "consecutive"])
def test_an_epoch_cap_trains_that_many_batches(small_corpus, sampling: str) -> None:
    batches: list[int] = []
    starts: list[torch.Tensor] = []
    cfg = TrainConfig(sampling=sampling, epochs=5, epoch_batches=7, **SMALL)
    trainer = Trainer(small_corpus, cfg)

    def on_event(event) -> None:
        if isinstance(event, BatchEnd):
            batches.append(event.batches)
            if event.batch == 1:
                starts.append(trainer.cursor.starts.clone())

    trainer.on_event = on_event
    assert trainer.run() == "finished"
    steps = [e.step for e in trainer.history]
    if sampling == "random":  # a new shuffle's first 7 batches each epoch
        assert set(batches) == {7} and steps == [7, 14, 21, 28, 35]
    else:  # the epochs read on through the text in parts of 7 batches, then start over
        whole = consecutive_starts(len(trainer.data), 8, 10)  # 24 batches: 7, 7, 7, 3
        expected = [whole[0:7], whole[7:14], whole[14:21], whole[21:24], whole[0:7]]
        assert all(torch.equal(a, b) for a, b in zip(starts, expected, strict=True))
        assert steps == [7, 14, 21, 24, 31]


def test_samples_by_time_arrive_within_an_epoch(small_corpus, monkeypatch) -> None:
    """A clock that moves one second per reading: a batch takes a second of training (two
    readings), so with pred_seconds=5 samples come after every fifth batch, mid-epoch."""
    ticks = iter(range(10**9))
    clock = SimpleNamespace(perf_counter=lambda: next(ticks))
    monkeypatch.setattr(engine.training.trainer, "time", clock)
    events: list = []
    cfg = TrainConfig(epochs=1, pred_seconds=5, **{**SMALL, "pred_period": 0})
    trainer = Trainer(small_corpus, cfg, on_event=events.append)
    assert trainer.run() == "finished"
    steps = [e.step for e in events if isinstance(e, Sample) and e.prefix == "分开"]
    assert steps == [5, 10, 15, 20]  # the epoch has 24 batches
    sample = next(i for i, e in enumerate(events) if isinstance(e, Sample))
    assert isinstance(events[sample - 1], BatchEnd) and events[sample - 1].batch == 5
    assert all(s.epoch == 0 for s in trainer.samples)  # none completed yet
    assert isinstance(events[-2], EpochEnd)


def test_samples_by_time_leave_training_as_it_was(small_corpus) -> None:
    base = dict(SMALL, pred_period=0, epochs=2)
    timed = Trainer(small_corpus, TrainConfig(pred_seconds=1, **base))
    plain = Trainer(small_corpus, TrainConfig(**base))
    sampler = next(p for p in timed.probes if isinstance(p, SamplePredictions))
    sampler.unsampled = 10.0  # due at once: a sample after the first batch
    timed.run(), plain.run()
    assert timed.samples and timed.samples[0].step == 1
    assert [e.perplexity for e in timed.history] == [e.perplexity for e in plain.history]


@pytest.mark.usefixtures("flow_every_epoch")
def test_the_probes_leave_training_as_it_was(small_corpus) -> None:
    """Held-out perplexity, gradient flow and samples every epoch against none at all: the same
    training numbers and weights (no probe draws a random number or touches the weights)."""
    cfg = TrainConfig(epochs=2, pred_period=1, **{**SMALL, "val_chars": 200})
    probed, bare = Trainer(small_corpus, cfg), Trainer(small_corpus, cfg)
    bare.probes = []
    probed.run(), bare.run()
    assert all(e.val_perplexity and e.grad_through_time for e in probed.history)
    assert probed.samples and not bare.samples
    assert [e.val_perplexity for e in bare.history] == [None, None]
    assert [e.perplexity for e in probed.history] == [e.perplexity for e in bare.history]
    for name, weight in bare.model.state_dict().items():
        assert torch.equal(probed.model.state_dict()[name], weight)
