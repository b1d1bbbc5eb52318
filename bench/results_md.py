"""bench/RESULTS.md: the epoch-speed section's rendering, and any benchmark's section written
between its markers (`write_section`; `bench_parser` and `publish` give a benchmark its --write)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import statistics
import subprocess
import sys
from pathlib import Path

import torch

from bench.epoch_timing import Case
from bench.flops import shape_aware_seconds

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
# The bar, as book seconds / engine seconds per epoch (none against a one-hot engine).
BAR = {"scratch": 3.0, "rnn": 1.5}


def quartiles(xs: list[float]) -> tuple[float, float]:
    """First and third quartile (both the value itself for a single one)."""
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def cpu_model() -> str:
    """The CPU's model name from lscpu."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def command_line(argv: list[str]) -> str:
    """The command that reruns this benchmark, as written into the results."""
    env = os.environ.get("RNNPLAY_CORPUS_DIR")
    prefix = f"RNNPLAY_CORPUS_DIR={shlex.quote(env)} " if env else ""
    python = os.path.relpath(sys.executable) if sys.executable else "python"
    if python.startswith(".."):
        python = sys.executable
    return prefix + shlex.join([python, "-m", "bench.epoch_speed", *argv])


def render(
    cases: list[Case],
    flops_engine: dict[str, int],
    flops_book: dict[str, int],
    batches: int,
    rates: dict[str, float],
    args: argparse.Namespace,
    argv: list[str],
) -> str:
    headline_rate = next(iter(rates.values()))
    engine_epoch_flops = sum(flops_engine.values()) * batches
    book_epoch_flops = sum(flops_book.values()) * batches
    floor = engine_epoch_flops / (headline_rate * 1e9)
    floor_shapes = shape_aware_seconds(flops_engine, rates) * batches
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Engine epoch speed vs the book's code (CPU)",
        "",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"Python {platform.python_version()}",
        f"- command: `{command_line(argv)}`",
        f"- date: {now}",
        f"- method: {args.warmup} warm-up epochs each, then {args.epochs} timed epochs each, "
        "book and engine alternating (ABBA)"
        + (
            f", each round after waiting up to {args.wait:g} s for a quiet second"
            if args.wait
            else ""
        )
        + "; median seconds per epoch (IQR in brackets). "
        "The bar is judged on the ratio of medians; 'paired' is the median of per-round "
        "ratios, 'min' the ratio of the fastest epochs (both less sensitive to other load). "
        "jaychou, first 10,000 characters, vocab "
        f"{args.vocab_size}, 35 steps, batch 32, 256 hidden, "
        "clip 0.01; scratch: SGD lr 100; nn models: Adam lr 1e-3, consecutive. The engine "
        "trains as `rnnplay train` does, without sample predictions and held-out perplexity "
        "(--pred-period 0 --val-chars 0), with its gradient-flow measure (at an epoch's end "
        "when it costs at most 2% of the training time since it last ran: most epochs here).",
        "- the CPUs are shared with other work: absolute times are noisy, the ratio within "
        f"one run is what counts (1-minute load average {args.load_before} at the start, "
        f"{args.load_after} at the end, on {os.cpu_count()} CPUs).",
        "",
        "| case | rounds | baseline s/epoch | engine s/epoch | baseline / engine | bar | "
        "paired / min ratio | engine / FLOP floor | book / FLOP floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cases:
        quiet = c.quiet(args.quiet_load)
        rows = [(f"all {c.rounds} ({quiet.rounds} quiet)", c)]
        if quiet.rounds and quiet.rounds < c.rounds:
            rows.append((f"quiet only: {quiet.rounds}", quiet))
        for which, sub in rows:
            bq, eq = quartiles(sub.book_times), quartiles(sub.engine_times)
            bar = BAR.get(c.model) if c.baseline == "book" else None
            verdict = "-" if bar is None else (
                f">= {bar:g}x: {'meets' if sub.ratio >= bar else 'misses'}"
            )
            is_scratch = c.model == "scratch"
            ef = f"{sub.engine_median / floor:.2f}x" if is_scratch else "-"
            bf = f"{sub.book_median / floor:.2f}x" if is_scratch else "-"
            lines.append(
                f"| {c.label} | {which} "
                f"| {sub.book_median:.3f} [{bq[0]:.3f}-{bq[1]:.3f}] "
                f"| {sub.engine_median:.3f} [{eq[0]:.3f}-{eq[1]:.3f}] | **{sub.ratio:.2f}x** "
                f"| {verdict} | {sub.paired_ratio:.2f}x / {sub.min_ratio:.2f}x "
                f"| {ef} | {bf} |"
            )
    loads = [x for c in cases for x in c.other_load]
    lines += [
        "",
        f"Other processes used a median {statistics.median(loads):.2f} CPUs (max "
        f"{max(loads):.2f}) during the timed rounds; a round is 'quiet' when they used at most "
        f"{args.quiet_load:g}. Perplexity after the last epoch, baseline / engine (same settings, "
        "different random streams): "
        + "; ".join(f"{c.model} {c.sampling} ({c.baseline}) {c.book_ppl:.0f} / {c.engine_ppl:.0f}"
                    for c in cases)
        + ".",
    ]
    lines += [
        "",
        f"FLOP floor (scratch): {batches} batches/epoch x "
        f"{sum(flops_engine.values()) / 1e9:.3f} GFLOP/batch = "
        f"{engine_epoch_flops / 1e9:.2f} GFLOP/epoch for the engine "
        f"(the book's one-hot products make it {book_epoch_flops / 1e9:.2f} GFLOP, "
        f"{book_epoch_flops / engine_epoch_flops:.2f}x). At the measured sgemm rate of "
        f"{headline_rate:.1f} GFLOP/s for (N,H)@(H,V) the engine's products take "
        f"**{floor:.3f} s/epoch** (the floor above); at the rate of each product's own shape "
        f"{floor_shapes:.3f} s/epoch. The book's own products at the headline rate: "
        f"{book_epoch_flops / (headline_rate * 1e9):.3f} s/epoch.",
        "",
        "| product (per batch, N = B*T = 1120) | engine MFLOP | book MFLOP |",
        "|---|---|---|",
    ]
    for name in flops_book:
        e = flops_engine.get(name)
        e_txt = f"{e / 1e6:.1f}" if e is not None else "- (lookup / index-add)"
        lines.append(f"| {name} | {e_txt} | {flops_book[name] / 1e6:.1f} |")
    lines += [
        "",
        "| sgemm shape (2 threads, torch.mm, median) | GFLOP/s |",
        "|---|---|",
        *(f"| {name} | {r:.1f} |" for name, r in rates.items()),
    ]
    return "\n".join(lines) + "\n"


def write_section(body: str, path: Path = RESULTS, name: str = "epoch_speed") -> None:
    """Replace the text between the markers `<!-- name:start -->` and `<!-- name:end -->` (or
    append it), keeping every other section."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{body}{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        tail = tail.lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def bench_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's command line: its docstring's first line, and --write."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md's section")
    return parser


def publish(body: str, name: str, write: bool) -> None:
    """Print a benchmark's section, and replace it in RESULTS.md when --write asked."""
    print(body)
    if write:
        write_section(body, name=name)
