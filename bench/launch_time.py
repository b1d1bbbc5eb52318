"""Seconds from launch to the app's first frame in a real tmux (120x40) on the book's corpus, and
of `rnnplay --help` and `rnnplay complete --help` (issue 21: 1.0 s and 0.3 s). Medians over
rounds; with --baseline, the same measures on another checkout (a git worktree of an older
commit), the two alternating round by round so that a load on the machine falls on both.

    git worktree add --detach /tmp/rnnplay_old <commit>
    RNNPLAY_CORPUS_DIR=/work/shared/corpus python -m bench.launch_time --rounds 5 \\
        --baseline /tmp/rnnplay_old --write

The first frame is the first capture of the pane that shows the footer's F5: the app listens for
keys from then on. The pane is polled every 5 ms, so a time is late by that much at most.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOCKET = f"rnnplay-launch-bench-{os.getpid()}"
POLL_S = 0.005
GIVE_UP_S = 30.0


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def first_frame(checkout: Path, save_dir: str) -> float:
    """Launch the app in a fresh 120x40 tmux pane; seconds until its first frame shows."""
    env = {"RNNPLAY_SAVE_DIR": save_dir, "RNNPLAY_CORPUS_DIR": os.environ.get(
        "RNNPLAY_CORPUS_DIR", str(ROOT / "corpus"))}  # fmt: skip
    command = " ".join(
        [f"cd {shlex.quote(str(checkout))} &&", "env",
         *(f"{k}={shlex.quote(v)}" for k, v in env.items()),
         shlex.quote(sys.executable), "-m", "rnnplay.cli"])  # fmt: skip
    started = time.monotonic()
    _tmux("new-session", "-d", "-s", "app", "-x", "120", "-y", "40", command)
    try:
        while time.monotonic() - started < GIVE_UP_S:
            if "F5" in _tmux("capture-pane", "-p", "-t", "app"):
                return time.monotonic() - started
            time.sleep(POLL_S)
        raise RuntimeError(f"no frame from {checkout} in {GIVE_UP_S:g} s")
    finally:
        _tmux("kill-session", "-t", "app")


def help_time(checkout: Path, args: list[str]) -> float:
    """Seconds `python -m rnnplay.cli ARGS` takes, run in `checkout`."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rnnplay.cli", *args], cwd=checkout,
                   capture_output=True, check=True)  # fmt: skip
    return time.monotonic() - started


MEASURES = {
    "launch → first frame": lambda checkout, save_dir: first_frame(checkout, save_dir),
    "rnnplay --help": lambda checkout, _: help_time(checkout, ["--help"]),
    "rnnplay complete --help": lambda checkout, _: help_time(checkout, ["complete", "--help"]),
}
BAR_S = {"launch → first frame": 1.0, "rnnplay --help": 0.3, "rnnplay complete --help": 0.3}


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def render(times: dict[str, dict[str, list[float]]], rounds: int, argv: list[str],
           load_before: str, load_after: str) -> str:  # fmt: skip
    from bench.results_md import cpu_model

    corpus = os.environ.get("RNNPLAY_CORPUS_DIR")
    prefix = f"RNNPLAY_CORPUS_DIR={shlex.quote(corpus)} " if corpus else ""
    checkouts = list(times)
    lines = [
        "## Launch to first frame, and --help (issue 21)",
        "",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs; Python "
        f"{platform.python_version()}; load average {load_before} before, {load_after} after "
        "(1, 5, 15 min)" + ("; a loaded machine: rerun quiet for the bars"
                            if os.getloadavg()[0] > (os.cpu_count() or 1) else ""),
        f"- command: `{prefix}"
        f"{shlex.join(['.venv/bin/python', '-m', 'bench.launch_time', *argv])}`",
        f"- method: {rounds} rounds, checkouts alternating; the app in a fresh tmux pane of "
        "120x40, its pane polled every 5 ms for the footer's F5; --help as a whole process",
        "",
        "| measure | bar | " + " | ".join(f"{name} median (min–max)" for name in checkouts)
        + (" | ratio |" if len(checkouts) == 2 else ""),
        "|---|---|" + "---|" * len(checkouts) + ("---|" if len(checkouts) == 2 else ""),
    ]
    for measure, bar in BAR_S.items():
        cells = [f"{statistics.median(times[c][measure]):.2f} s "
                 f"({min(times[c][measure]):.2f}–{max(times[c][measure]):.2f})"
                 for c in checkouts]  # fmt: skip
        row = f"| {measure} | ≤ {bar:g} s | " + " | ".join(cells) + " |"
        if len(checkouts) == 2:
            new, old = (statistics.median(times[c][measure]) for c in checkouts)
            row += f" {old / new:.1f}x faster |"
        lines.append(row)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout, measured alongside")
    parser.add_argument("--write", action="store_true", help="write into bench/RESULTS.md")
    args = parser.parse_args(argv)
    checkouts = {"this checkout": ROOT}
    if args.baseline:
        commit = subprocess.run(["git", "-C", str(args.baseline), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip()  # fmt: skip
        checkouts[f"baseline {commit}".strip()] = args.baseline.resolve()
    times: dict[str, dict[str, list[float]]] = {c: {m: [] for m in MEASURES} for c in checkouts}
    load_before = _load()
    _tmux("new-session", "-d", "-s", "keep", "-x", "120", "-y", "40")  # the server, started once
    try:
        with tempfile.TemporaryDirectory() as save_dir:
            for round_ in range(args.rounds):
                for name, checkout in checkouts.items():
                    for measure, run in MEASURES.items():
                        seconds = run(checkout, save_dir)
                        times[name][measure].append(seconds)
                        print(f"round {round_ + 1} {name}: {measure} {seconds:.2f} s", flush=True)
    finally:
        _tmux("kill-server")
    section = render(times, args.rounds, argv, load_before, _load())
    print(section)
    if args.write:
        from bench.results_md import write_section

        write_section(section, name="launch_time")


if __name__ == "__main__":
    main()
