"""Short real trainings: perplexity falls, controls work between batches, divergence is caught."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from engine.config import ConfigError, TrainConfig
from engine.corpus import load_corpus
from engine.events import BatchEnd, EpochEnd, Sample, StatusChanged
from engine.sampling import consecutive_starts, random_starts
from engine.train import Trainer

SMALL = dict(hidden=64, batch_size=8, num_steps=10, pred_len=10)


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
