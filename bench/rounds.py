"""Timing a few jobs against each other on the shared CPU, in rounds (bench.relu_speed,
bench.scratch_phases): every job once to warm up, then each round after a wait for quiet and
with other processes' CPU use measured while it runs; the round decides the jobs' order, so an
order can alternate and no job always runs first."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import torch

from bench.load_meter import LoadMeter, loadavg, wait_for_quiet
from bench.results_md import cpu_model

Key = TypeVar("Key", bound=Hashable)
Job = Callable[[], object]


def round_parser(module: str, doc: str, wait: float) -> argparse.ArgumentParser:
    """The command line of a bench timed in rounds; --wait defaults to `wait` seconds."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--wait", type=float, default=wait, help="seconds to wait for quiet")
    parser.add_argument("--corpus-dir", default=None)
    parser.add_argument("--no-write", action="store_true")
    return parser


def book_vocab(args: argparse.Namespace) -> int:
    """The book corpus's vocabulary size, with torch's threads set as --threads asks."""
    from engine.data.corpus import load_corpus

    torch.set_num_threads(args.threads)
    return len(load_corpus("jaychou", corpus_dir=args.corpus_dir).vocab)


def machine_line(module: str, args: argparse.Namespace, argv: Sequence[str]) -> str:
    """The results' first line: where it ran and the command that reruns it."""
    return (
        f"- machine: {cpu_model()}; torch {torch.__version__}, {args.threads} threads; "
        f"command: `python -m {module} {' '.join(argv)}`"
    ).rstrip()


@dataclass
class Rounds(Generic[Key]):
    times: dict[Key, list[float]]  # seconds, one per round, by job
    loads: list[float]  # other processes' CPUs, one per round
    load_before: str  # the 1-minute load average before the rounds and after them
    load_after: str

    def medians_ms(self) -> dict[Key, float]:
        return {key: statistics.median(ts) * 1e3 for key, ts in self.times.items()}

    def minimums_ms(self) -> dict[Key, float]:
        return {key: min(ts) * 1e3 for key, ts in self.times.items()}

    def other_load(self) -> float:
        """The median of other processes' CPU use over the rounds."""
        return statistics.median(self.loads)

    def load_note(self) -> str:
        return (
            f"Other processes used a median {self.other_load():.2f} CPUs (1-minute load "
            f"average {self.load_before} at the start, {self.load_after} at the end)"
        )


def time_rounds(
    jobs: Callable[[int], Sequence[tuple[Key, Job]]], rounds: int, wait: float
) -> Rounds[Key]:
    """Round r runs `jobs(r)` in their order, each timed once, after waiting up to `wait`
    seconds (0: not at all) for other processes to use at most 0.2 CPUs."""
    for _, job in jobs(0):  # warm-up
        job()
    times: dict[Key, list[float]] = {key: [] for key, _ in jobs(0)}
    loads, load_before = [], loadavg()
    for r in range(rounds):
        if wait:
            wait_for_quiet(0.2, wait)
        meter = LoadMeter()
        for key, job in jobs(r):
            t0 = time.perf_counter()
            job()
            times[key].append(time.perf_counter() - t0)
        loads.append(meter.other_cpus())
    return Rounds(times, loads, load_before, loadavg())
