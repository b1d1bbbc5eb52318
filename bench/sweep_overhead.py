"""What Ray Tune costs a sweep: N book-sized scratch trials through `rnnplay sweep` against the
same N runs one after the other with `rnnplay train` (issue 20).

Run from the repo root:  python -m bench.sweep_overhead [--rounds 1] [--epochs 20] [--write]
(the jaychou corpus as the app finds it: corpus/, or RNNPLAY_CORPUS_DIR=../shared/corpus).

Each round, as a user runs them, each in a process of its own:
  * one after the other: `rnnplay train --seed i` for i in 0..N-1, the book's settings, torch's
    threads (all the cores) for each;
  * sweep: `rnnplay sweep --seed 0,...,N-1` with a local Ray started for it, one CPU (and one
    torch thread) per trial, so as many trials train at once as there are cores.
Both train the same N runs to the same epoch; the wall time ratio is sweep / one after the other
(the issue's goal: at most 1.15x), with and without Ray's start-up, timed apart here as
ray.init() in a process of its own. Memory: the largest resident set of one `rnnplay train`, and
the largest sum over the sweep's process tree (driver, Ray's services, trial workers), sampled
every half second from /proc. Other processes' CPU use over each round is measured
(bench/load_meter.py): on a shared machine it moves every number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.load_meter import LoadMeter, loadavg
from bench.results_md import bench_parser, cpu_model, publish

REPO = Path(__file__).resolve().parent.parent
BOOK = ("--model", "scratch", "--device", "cpu", "--pred-period", "0")
RAY_START = ("import time, logging, ray; t = time.perf_counter(); "
             "ray.init(address='local', include_dashboard=False, logging_level=logging.WARNING); "
             "print(time.perf_counter() - t); ray.shutdown()")


def rnnplay(*args: str) -> list[str]:
    return [sys.executable, "-m", "rnnplay", *args]


def tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and all its descendants, in MiB (0 when gone)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, ppid in parents.items() if ppid in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total / 1024


def timed(command: list[str], sample_memory: bool = False) -> tuple[float, float]:
    """Wall seconds of a command run to its end (it must succeed), and its process tree's
    largest resident memory in MiB when sampled."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.5):
            peak = max(peak, tree_rss_mib(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    if process.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed ({process.returncode}): {err[-2000:]}")
    return seconds, peak


def one_round(args: argparse.Namespace, folder: Path, n: int) -> dict[str, float]:
    meter = LoadMeter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    alone = sum(timed(rnnplay("train", *BOOK, "--seed", str(i), "--epochs", str(args.epochs)))[0]
                for i in range(args.trials))
    train_rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    seeds = ",".join(str(i) for i in range(args.trials))
    sweep, sweep_rss = timed(rnnplay("sweep", *BOOK, "--seed", seeds, "--epochs",
                                     str(args.epochs), "--out", str(folder / f"sweep-{n}")),
                             sample_memory=True)
    start = subprocess.run([sys.executable, "-c", RAY_START], capture_output=True, text=True,
                           check=True, cwd=REPO)
    return {"alone": alone, "sweep": sweep, "ray_start": float(start.stdout.split()[-1]),
            "train_rss": train_rss, "sweep_rss": sweep_rss, "others": meter.other_cpus()}


def render(rounds: list[dict[str, float]], args: argparse.Namespace) -> str:
    med = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    ratio = med["sweep"] / med["alone"]
    without_start = (med["sweep"] - med["ray_start"]) / med["alone"]
    command = shlex.join(["python", "-m", "bench.sweep_overhead", *args.argv])
    lines = [
        "## Sweep overhead: Ray Tune vs one run after another (issue 20)\n",
        f"{cpu_model()}, {os.cpu_count()} CPUs, {platform.system()}; "
        f"{dt.date.today().isoformat()}; `{command}`; load average {loadavg()}; other "
        f"processes used {med['others']:.2f} CPUs (median over rounds).\n",
        f"{args.trials} book-sized scratch runs (seeds 0-{args.trials - 1}) to epoch "
        f"{args.epochs}, medians of {len(rounds)} round(s):\n",
        "| | wall s | peak memory MiB |",
        "|---|---:|---:|",
        f"| `rnnplay train` x{args.trials}, one after the other | {med['alone']:.1f} | "
        f"{med['train_rss']:.0f} (one process) |",
        f"| `rnnplay sweep` (local Ray, 1 CPU per trial) | {med['sweep']:.1f} | "
        f"{med['sweep_rss']:.0f} (driver, Ray, workers) |",
        f"| Ray start-up (ray.init, own process) | {med['ray_start']:.1f} | |",
        "",
        f"Sweep / one after the other: **{ratio:.2f}x** ({without_start:.2f}x without Ray's "
        "start-up); the goal is at most 1.15x.\n",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--trials", type=int, default=4)
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory(prefix="rnnplay-sweep-bench-") as folder:
        rounds = [one_round(args, Path(folder), n) for n in range(args.rounds)]
    body = render(rounds, args)
    publish(body, "sweep_overhead", args.write)


if __name__ == "__main__":
    main()
