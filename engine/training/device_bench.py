"""How long an epoch of one training setup takes on each device this machine has.

A few real training batches (the trainer's own step: the model's loss, backward, clipping, the
optimizer) run on the CPU with one thread, on the CPU with all of its threads, and on every CUDA
device; the median batch time times the epoch's batch count is the per-epoch estimate. For the
book's small model a GPU may buy little: one batch is a few hundred small products, too little
work to fill it, so the launch and copy overheads decide.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch

from engine.config import ConfigError, TrainConfig
from engine.data.corpus import Corpus
from engine.training.build import build_trainer
from engine.training.device import DeviceError, cuda_unavailable_reason
from engine.training.events import BatchEnd, TrainerEvent
from engine.training.trainer import Trainer

# Below this speed-up over the best CPU setting a GPU is not worth the trouble for a model.
WORTH_A_GPU = 1.5


@dataclass(frozen=True)
class DeviceTiming:
    """One device setting's timing: plain values, safe to pass between threads."""

    device: str  # "cpu" or "cuda:N"
    threads: int | None  # torch intra-op threads on the CPU; None on CUDA
    name: str  # what to call it on screen: "CPU, 1 thread", "cuda:0 (NVIDIA H200)"
    batch_seconds: float  # median seconds of one training batch (nan when not timed)
    batches: int  # batches in one epoch of this setup
    error: str | None = None  # why it was not timed

    @property
    def epoch_seconds(self) -> float:
        return self.batch_seconds * self.batches


def device_settings() -> list[tuple[str, int | None, str]]:
    """(device, threads, name) for each setting worth timing on this machine."""
    cores = os.cpu_count() or 1
    settings: list[tuple[str, int | None, str]] = [("cpu", 1, "CPU, 1 thread")]
    if cores > 1:
        settings.append(("cpu", cores, f"CPU, {cores} threads"))
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            settings.append((f"cuda:{i}", None, f"cuda:{i} ({torch.cuda.get_device_name(i)})"))
    return settings


def time_device(
    corpus: Corpus,
    config: TrainConfig,
    device: str,
    threads: int | None,
    name: str,
    batches: int = 5,
    warmup: int = 2,
) -> DeviceTiming:
    """Train warmup + batches batches of `config` on `device` and time the last `batches`."""
    cfg = replace(config, device=device, threads=threads, pred_period=0)
    marks: list[float] = []
    per_epoch = 0
    trainer: Trainer | None = None

    def on_event(event: TrainerEvent) -> None:
        nonlocal per_epoch
        if isinstance(event, BatchEnd):
            marks.append(time.perf_counter())
            per_epoch = event.batches
            if len(marks) > warmup + batches and trainer is not None:
                trainer.stop()  # takes effect before the next batch

    threads_before = torch.get_num_threads()
    try:
        trainer = build_trainer(corpus, cfg.to_dict(), on_event)
        marks.append(time.perf_counter())
        # Short epochs end before enough batches are done: train on into the next one.
        while len(marks) <= warmup + batches and trainer.run_epoch() is not None:
            pass
    except (ConfigError, DeviceError, torch.OutOfMemoryError) as err:
        return DeviceTiming(device, threads, name, math.nan, per_epoch, _first_line(err))
    finally:
        torch.set_num_threads(threads_before)  # the trainer set it for the whole process
    gaps = [b - a for a, b in zip(marks, marks[1:], strict=False)][warmup : warmup + batches]
    return DeviceTiming(device, threads, name, statistics.median(gaps), per_epoch)


def bench_devices(
    corpus: Corpus,
    config: TrainConfig,
    batches: int = 5,
    warmup: int = 2,
    on_timing: Callable[[DeviceTiming], None] | None = None,
) -> list[DeviceTiming]:
    """Time `config` on every device setting of this machine, one after the other."""
    if batches < 1 or warmup < 1:
        raise ValueError("time at least one batch after at least one warm-up batch")
    timings = []
    for device, threads, name in device_settings():
        timing = time_device(corpus, config, device, threads, name, batches, warmup)
        timings.append(timing)
        if on_timing is not None:
            on_timing(timing)
    return timings


def verdict(timings: list[DeviceTiming]) -> str:
    """One sentence: what a GPU buys over the best CPU setting for this model size."""
    timed = [t for t in timings if t.error is None]
    cpus = [t for t in timed if t.device == "cpu"]
    gpus = [t for t in timed if t.device.startswith("cuda")]
    if not gpus:
        if torch.cuda.is_available():
            return "no CUDA device could run this setup; the CPU times above are what there is"
        return f"no GPU to compare: {cuda_unavailable_reason()}"
    best_gpu = min(gpus, key=lambda t: t.batch_seconds)
    if not cpus:
        return f"only {best_gpu.name} could run this setup"
    best_cpu = min(cpus, key=lambda t: t.batch_seconds)
    gain = best_cpu.batch_seconds / best_gpu.batch_seconds
    if gain < 1:
        return (
            f"the CPU ({best_cpu.name}) is {1 / gain:.1f}x faster than {best_gpu.name} for "
            "this model size: the GPU buys nothing here"
        )
    if gain < WORTH_A_GPU:
        return (
            f"{best_gpu.name} is only {gain:.1f}x faster than the CPU ({best_cpu.name}): "
            "the GPU buys little for this model size"
        )
    return f"{best_gpu.name} is {gain:.1f}x faster than the CPU ({best_cpu.name})"


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
