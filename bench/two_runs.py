"""Two book-sized scratch runs training at once in the playground core, against one run alone.

Run from the repo root:  python -m bench.two_runs [--rounds 3] [--epochs 8] [--write]
(the jaychou corpus as the app finds it: corpus/, or RNNPLAY_CORPUS_DIR=../shared/corpus).

Each round, in one process, through engine.playground.Playground (each run on its own thread,
the cores shared by engine/playground/cores.py), with its threads budget set to the machine's
CPUs:
  * alone: run A by itself, its threads left to the playground (it gets them all);
  * alone, 1 thread: run A pinned to one thread, and run B likewise (the references for the
    numbers, and A's speed on one core);
  * pair: A and B at once, each pinned to one thread (what the playground gives two runs that
    leave their threads to it on a 2-core machine; pinned, so the same thread count as the
    references throughout even when one finishes first).
Throughput is the median over an epoch's chars/s (first epoch left out: warm-up), summed over
the runs that train together. The numbers check: A's and B's per-epoch perplexities in the pair
equal theirs alone at one thread, to the last digit. Other processes' CPU use is measured per
round (bench/load_meter.py): on a shared machine it moves every number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import threading
from dataclasses import dataclass

import torch

from bench.load_meter import LoadMeter, loadavg
from bench.results_md import cpu_model, write_section
from engine.playground import Playground
from engine.playground.events import Event, RunRefused
from engine.training.events import EpochEnd, RunState, StatusChanged

# The book's settings (scratch, SGD lr 100, 256 hidden, 35 steps, batch 32) on its 10,000
# characters; no samples, so an epoch is training, held-out perplexity and gradient flow.
BOOK = dict(model="scratch", sampling="random", device="cpu", pred_period=0)
SEEDS = {"A": 1, "B": 2}


@dataclass
class Outcome:
    perplexities: list[float]
    rate: float  # median chars/s over the epochs after the first


class Runs:
    """Starts runs in a playground and waits until all of them ended."""

    def __init__(self, budget: int) -> None:
        self._cond = threading.Condition()
        self._epochs: dict[int, list[EpochEnd]] = {}
        self._ended: set[int] = set()
        self._refused: list[str] = []
        self.play = Playground(self._report, threads=budget)

    def _report(self, run_id: int | None, event: Event) -> None:
        with self._cond:
            if isinstance(event, EpochEnd) and run_id is not None:
                self._epochs.setdefault(run_id, []).append(event)
            elif isinstance(event, StatusChanged) and run_id and not event.status.active:
                self._ended.add(run_id)
            elif isinstance(event, RunRefused):
                self._refused.append(event.message)
            self._cond.notify_all()

    def train(self, settings: list[dict]) -> list[Outcome]:
        """Start one run per settings at once; their outcomes once all have finished."""
        with self._cond:
            first = max([*self._epochs, *self._ended, 0]) + 1
        for s in settings:
            self.play.new_run("jaychou", 10_000, s)
        ids = list(range(first, first + len(settings)))
        with self._cond:
            while not (set(ids) <= self._ended or self._refused):
                self._cond.wait(1.0)
            if self._refused:
                sys.exit(f"refused: {self._refused[0]}")
        states = [self.play.summary(i).state for i in ids]
        if any(state != RunState.FINISHED for state in states):
            sys.exit(f"a run did not finish: {states}")
        return [self._outcome(i) for i in ids]

    def _outcome(self, run_id: int) -> Outcome:
        epochs = self._epochs[run_id]
        rates = [e.chars_per_sec for e in epochs[1:]] or [epochs[0].chars_per_sec]
        return Outcome([e.perplexity for e in epochs], statistics.median(rates))


def run(args: argparse.Namespace) -> str:
    cores = os.cpu_count() or 1
    runs = Runs(cores)
    base = dict(BOOK, epochs=args.epochs)
    a1, b1 = (dict(base, seed=SEEDS[n], threads=1) for n in "AB")
    rounds = []
    for r in range(args.rounds):
        meter = LoadMeter()
        (alone,) = runs.train([dict(base, seed=SEEDS["A"])])
        ref_a, ref_b = runs.train([a1])[0], runs.train([b1])[0]
        pair = runs.train([a1, b1])
        same = pair[0].perplexities == ref_a.perplexities and (
            pair[1].perplexities == ref_b.perplexities
        )
        row = dict(alone=alone.rate, alone1=ref_a.rate, pair=pair[0].rate + pair[1].rate,
                   same=same, load=meter.other_cpus())  # fmt: skip
        rounds.append(row)
        print(f"round {r + 1}: alone {row['alone']:.0f} chars/s, alone 1 thread "
              f"{row['alone1']:.0f}, pair {pair[0].rate:.0f} + {pair[1].rate:.0f} = "
              f"{row['pair']:.0f} ({row['pair'] / row['alone']:.2f}x); numbers identical: "
              f"{same}; other processes {row['load']:.2f} CPUs", flush=True)  # fmt: skip
    runs.play.close(timeout=5)
    return render(rounds, args, cores)


def render(rounds: list[dict], args: argparse.Namespace, cores: int) -> str:
    med = {k: statistics.median(r[k] for r in rounds) for k in ("alone", "alone1", "pair", "load")}
    ratios = [r["pair"] / r["alone"] for r in rounds]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    argv = " ".join(sys.argv[1:])
    lines = [
        "## Two runs at once (issue 17)",
        "",
        f"- machine: {cpu_model()}, {cores} logical CPUs; torch {torch.__version__}; "
        f"Python {platform.python_version()}; {now}",
        f"- command: `{f'python -m bench.two_runs {argv}'.strip()}`",
        f"- book-sized scratch runs (jaychou 10,000 chars, 256 hidden, 35 steps, batch 32, SGD "
        f"lr 100, random sampling), {args.epochs} epochs each, {args.rounds} rounds; medians "
        "of the rounds; chars/s per run is the median over its epochs after the first",
        f"- other processes used a median {med['load']:.2f} CPUs per round (1-min load average "
        f"{loadavg()} at the end)" + (": the machine was shared while this ran"
                                       if med["load"] > 0.2 else ": a quiet machine"),
        "",
        "| case | chars/s (median) |",
        "|---|---|",
        f"| one run alone (the playground gives it {cores} threads) | {med['alone']:.0f} |",
        f"| one run alone, 1 thread | {med['alone1']:.0f} |",
        f"| two runs at once, 1 thread each, summed | {med['pair']:.0f} |",
        "",
        f"- **total throughput of the pair: {statistics.median(ratios):.2f}x one run alone** "
        f"(per round: {', '.join(f'{x:.2f}' for x in ratios)}; the bar is 0.9x); "
        f"{med['pair'] / med['alone1']:.2f}x one run alone on one thread",
        "- each run's per-epoch perplexities in the pair identical to that run alone at 1 "
        f"thread, to the last digit: {'yes' if all(r['same'] for r in rounds) else 'NO'} "
        f"(in {sum(r['same'] for r in rounds)} of {len(rounds)} rounds)",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md's section")
    args = parser.parse_args(argv)
    body = run(args)
    print(body)
    if args.write:
        write_section(body, name="two_runs")


if __name__ == "__main__":
    main()
