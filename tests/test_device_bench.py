"""Per-device epoch estimates: real batches of the real trainer, and the GPU verdict."""

from __future__ import annotations

import math
import os

import pytest
import torch

from engine.config import TrainConfig
from engine.data.corpus import load_corpus
from engine.training.device_bench import DeviceTiming, bench_devices, time_device, verdict

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = TrainConfig(model="rnn", hidden=16, batch_size=2, num_steps=5, sampling="random")


def test_every_cpu_setting_is_timed_and_threads_are_restored(tiny_corpus) -> None:
    corpus = load_corpus(str(tiny_corpus), 0)
    seen = []
    timings = bench_devices(corpus, SMALL, batches=3, warmup=1, on_timing=seen.append)
    assert seen == timings
    assert torch.get_num_threads() == 1  # the fixture's setting, although trainers changed it
    cpu = [t for t in timings if t.device == "cpu"]
    expected_threads = [1] + ([os.cpu_count()] if (os.cpu_count() or 1) > 1 else [])
    assert [t.threads for t in cpu] == expected_threads
    batches = cpu[0].batches  # the epoch the trainer's sampler makes of this corpus
    assert batches > 3
    for t in cpu:
        assert t.error is None
        assert t.batches == batches
        assert 0 < t.batch_seconds < 5
        assert t.epoch_seconds == pytest.approx(t.batch_seconds * batches)
    if not torch.cuda.is_available():
        assert len(timings) == len(cpu)


def test_more_batches_than_an_epoch_train_into_the_next(tiny_corpus) -> None:
    corpus = load_corpus(str(tiny_corpus), 0)
    big = TrainConfig(model="gru", hidden=8, batch_size=16, num_steps=10)  # 3 batches
    t = time_device(corpus, big, "cpu", 1, "CPU, 1 thread", batches=4, warmup=1)
    assert t.error is None and t.batches < 1 + 4 and math.isfinite(t.batch_seconds)


def test_a_setup_that_cannot_run_is_reported_not_raised(tiny_corpus) -> None:
    corpus = load_corpus(str(tiny_corpus), 0)
    too_big = TrainConfig(model="rnn", hidden=8, batch_size=500, num_steps=35)
    t = time_device(corpus, too_big, "cpu", 1, "CPU, 1 thread")
    assert math.isnan(t.batch_seconds) and "batch" in (t.error or "")
    expected = "no CUDA device could run" if torch.cuda.is_available() else "no GPU to compare"
    assert verdict([t]).startswith(expected)


def _timing(device: str, seconds: float) -> DeviceTiming:
    return DeviceTiming(device, 1 if device == "cpu" else None, device, seconds, 8)


@pytest.mark.parametrize(
    ("cpu_s", "gpu_s", "says"),
    [
        (0.01, 0.02, "the GPU buys nothing"),
        (0.012, 0.01, "the GPU buys little"),
        (0.04, 0.01, "4.0x faster than the CPU"),
    ],
)
def test_verdict_says_what_the_gpu_buys(cpu_s: float, gpu_s: float, says: str) -> None:
    text = verdict([_timing("cpu", cpu_s * 2), _timing("cpu", cpu_s), _timing("cuda:0", gpu_s)])
    assert says in text


def test_verdict_without_a_gpu_says_why() -> None:
    text = verdict([_timing("cpu", 0.01)])
    assert text.startswith("no ")
