"""What a long prompt costs the run it follows: training throughput with a 2,000-character prompt
against the same run with an empty one (issue 21, bar 2: >= 95%).

Run from the repo root:  python -m bench.prompt_cost [--rounds 3] [--window 8] [--write]
(RNNPLAY_CORPUS_DIR may point at the book's corpus zip.)

Two runs as the app trains them (one intra-op torch thread, the GIL handed over every 1 ms as
rnnplay.app_cmd.prepare_process sets it), each with the app's prompt thread
(engine.generation.prompt_follower) following its published weights and completing 50
characters of greedy completion:
  * an LSTM on the 1 MB "python" text of bench/corpus_load (Adam, the nn models' defaults),
  * the book's scratch model on jaychou (its defaults: 256 hidden, 35 steps, batch 32, lr 100).
In each round every case trains for --window seconds of the same run, the order rotating by
round: the prompt empty; 2,000 characters of the corpus (the replay under new weights rationed
to REPLAY_SHARE, the app's); the same prompt replayed under every published snapshot (each
0.5 s: the behaviour before, as a reference). Throughput is optimizer steps x batch x steps per
second over the window; the ratios are to the empty prompt's window in the same round, and the
result is their median. Other processes' CPU use is measured per round (bench/load_meter.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch

from bench.load_meter import LoadMeter, loadavg
from bench.results_md import bench_parser, cpu_model, publish

PROMPT_CHARS = 2000
LENGTH = 50
# (label, replay share): None leaves the prompt empty; inf replays under every snapshot.
CASES = (("empty prompt", None), ("2,000 chars", "app"), ("2,000 chars, before", float("inf")))


class Taken:
    """When the prompt's completions came from new weights, as the follower reports them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.version = -1
        self.at: list[float] = []  # perf_counter of each completion from newer weights
        self.every = 0.0  # what the last completion said of how often weights are taken up

    def report(self, completion) -> None:  # noqa: ANN001 - a Completion
        with self._cond:
            if completion.version != self.version:
                self.version = completion.version
                self.at.append(time.perf_counter())
                self._cond.notify_all()
            self.every = completion.weights_every

    def next_after(self, t: float, timeout: float) -> float | None:
        """The first time weights newer than at `t` were taken up, waiting for it."""
        with self._cond:
            self._cond.wait_for(lambda: self.at and self.at[-1] > t, timeout)
            return next((x for x in self.at if x > t), None)

    def since(self, t: float) -> int:
        with self._cond:
            return sum(x > t for x in self.at)


def _model_cases(tmp: Path) -> list[tuple[str, str, dict]]:
    from bench.corpus_load import make_text

    text = tmp / "python-1MB.txt"
    text.write_text(make_text("python", 1_000_000), encoding="utf-8")
    return [
        ("LSTM on the 1 MB python text", str(text), dict(model="lstm")),
        ("the book's scratch model on jaychou", "jaychou", dict(model="scratch")),
    ]


def measure(spec: str, settings: dict, args: argparse.Namespace) -> list[dict[str, float]]:
    from engine.config import TrainConfig
    from engine.data.corpus import load_corpus
    from engine.generation import prompt_follower
    from engine.generation.prompt_follower import PromptFollower, WeightsSource
    from engine.training.trainer import Trainer

    app_share = prompt_follower.REPLAY_SHARE
    corpus = load_corpus(spec, max_chars=0 if spec != "jaychou" else 10_000)
    cfg = TrainConfig(**settings, epochs=10**6, threads=1, pred_period=0)
    trainer = Trainer(corpus, cfg)
    per_step = cfg.batch_size * cfg.num_steps
    prompt = corpus.text[len(corpus.text) // 3 :][:PROMPT_CHARS]
    taken = Taken()
    follower = PromptFollower(taken.report)
    follower.start()
    follower.follow([WeightsSource(1, trainer.snapshots, cfg.model, corpus.vocab, cfg.hidden,
                                   cfg.layers, cfg.nonlinearity, cfg.embedding)])  # fmt: skip
    worker = threading.Thread(target=trainer.run, daemon=True)
    worker.start()
    time.sleep(args.window / 2)  # warm-up: the first batches pay torch's lazy set-up
    rounds = []
    for r in range(args.rounds):
        meter = LoadMeter()
        row: dict[str, float] = {}
        order = CASES[r % len(CASES) :] + CASES[: r % len(CASES)]
        for label, share in order:
            prompt_follower.REPLAY_SHARE = args.share if share == "app" else share or app_share
            follower.request("" if share is None else prompt, LENGTH)
            follower.weights_changed()  # no rationing carried over from the case before
            # Pasted in: its first pass and first replay are not the steady cost. Then, with
            # the replay rationed, one whole period: from the end of one replay to the end of
            # the next (the time it idles, then the replay).
            start = taken.next_after(time.perf_counter(), timeout=600) or time.perf_counter()
            if share == "app":
                steps, started = trainer.step, time.perf_counter()
                end = taken.next_after(start, timeout=max(10 * args.window, 600))
                if end is None:
                    raise SystemExit("no replay under new weights within 600 s")
            else:
                time.sleep(1.0)
                steps, started = trainer.step, time.perf_counter()
                time.sleep(args.window)
            seconds = time.perf_counter() - started
            row[label] = (trainer.step - steps) * per_step / seconds
            row[f"{label} taken"] = taken.since(started) / seconds * 60
            row[f"{label} every"] = taken.every
        row["load"] = meter.other_cpus()
        rounds.append(row)
        base = row[CASES[0][0]]
        print(f"  round {r + 1}: " + ", ".join(
            f"{label} {row[label]:,.0f} chars/s ({row[label] / base:.0%}, weights taken up "
            f"{row[f'{label} taken']:.1f}x a minute)" for label, _ in CASES
        ) + f"; other processes {row['load']:.2f} CPUs", flush=True)  # fmt: skip
    prompt_follower.REPLAY_SHARE = app_share
    trainer.stop()
    worker.join(30)
    follower.close(5)
    return rounds


def render(results: dict[str, list[dict[str, float]]], args: argparse.Namespace) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    argv = " ".join(sys.argv[1:])
    loads = ", ".join(
        f"{statistics.median(row['load'] for row in rows):.2f}" for rows in results.values()
    )
    lines = [
        "## A long prompt's cost to training (issue 21, bar 2)",
        "",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs; torch {torch.__version__}, "
        f"1 intra-op thread; Python {platform.python_version()}; {now}",
        f"- command: `{f'python -m bench.prompt_cost {argv}'.strip()}`",
        f"- method: one training run and the app's prompt thread completing {LENGTH} greedy "
        f"characters from its published weights; {args.rounds} rounds of {args.window:g} s per "
        "case, the order rotating; ratios to the empty prompt in the same round, medians; "
        f"the replay share {args.share:g}; with it, the "
        f"window is one whole period of the rationed replay: from the end of one replay under "
        "new weights to the end of the next",
        f"- other processes used {loads} CPUs (median per round, per model); 1-min load "
        f"average {loadavg()} at the end",
        "",
        "| model | case | chars/s (median) | / empty prompt (median of rounds) | per round | "
        "weights taken up a minute | prompt says weights every |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, rows in results.items():
        for label, _ in CASES:
            ratios = [row[label] / row[CASES[0][0]] for row in rows]
            every = statistics.median(row[f"{label} every"] for row in rows)
            lines.append(
                f"| {model} | {label} | {statistics.median(row[label] for row in rows):,.0f} | "
                f"**{statistics.median(ratios):.0%}** | "
                f"{', '.join(f'{x:.0%}' for x in ratios)} | "
                f"{statistics.median(row[f'{label} taken'] for row in rows):.1f} | "
                f"{f'{every:.0f} s' if every else 'each snapshot (0.5 s)'} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--window", type=float, default=8.0, help="seconds per case per round")
    parser.add_argument("--only", choices=("lstm", "scratch"), help="one of the two models")
    parser.add_argument(
        "--share", type=float, default=None, help="the replay share to try (default: the app's)"
    )
    args = parser.parse_args(argv)
    if args.share is None:
        from engine.generation.prompt_follower import REPLAY_SHARE

        args.share = REPLAY_SHARE
    if "RNNPLAY_CORPUS_DIR" not in os.environ:
        shared = Path(__file__).resolve().parents[2] / "shared" / "corpus"
        if shared.is_dir():
            os.environ["RNNPLAY_CORPUS_DIR"] = str(shared)
    from rnnplay.app_cmd import prepare_process

    prepare_process(1)  # as the app's launch does: one torch thread, the GIL every 1 ms
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model, spec, settings in _model_cases(Path(tmp)):
            if args.only and settings["model"] != args.only:
                continue
            print(model, flush=True)
            results[model] = measure(spec, settings, args)
    body = render(results, args)
    publish(body, "prompt_cost", args.write)


if __name__ == "__main__":
    main()
