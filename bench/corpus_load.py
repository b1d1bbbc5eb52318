"""Load time and peak memory of engine.data.corpus.load_corpus on big UTF-8 texts.

Run from the repo root:  python -m bench.corpus_load   (prints a markdown section for RESULTS.md)

Texts, written to a temporary directory at 1 MB and 10 MB of UTF-8 (the sizes are bytes):
  * python: the standard library's .py files in path order, repeated (ASCII; vocab ~100),
  * cjk: CJK ideographs drawn from 5,000 with Zipf-like weights, punctuation and a newline every
    ~30 characters, from a fixed seed (3 bytes per character in UTF-8, 2 in a Python str),
  * cjk+emoji: the same with 1 in 100 characters an emoji; one code point past U+FFFF makes
    Python store the whole str at 4 bytes per character, the worst case for the text itself.

Each load runs in a fresh interpreter, after `import engine.data.corpus` (torch and numpy loaded):
  * peak RSS over the RSS just before the call (Linux: the high-water mark is reset through
    /proc/self/clear_refs first, so the import's own peak does not count), in bytes per character,
  * the tracemalloc peak of the same call in a second interpreter (Python and numpy allocations;
    torch's allocator is not traced), as a cross-check,
  * wall time of the call (median of --runs interpreters); linear time shows as equal s/MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
MB = 1_000_000
KINDS = ("python", "cjk", "cjk+emoji")

# Runs in the child: everything before the marked line is the baseline.
CHILD = r"""
import json, sys, time, tracemalloc
import engine.data.corpus as corpus_mod

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return -1

path, mode = sys.argv[1], sys.argv[2]
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current RSS
    hwm_reset = True
except OSError:
    hwm_reset = False
if mode == "trace":
    tracemalloc.start()
before = status("VmRSS")
t0 = time.perf_counter()
corpus = corpus_mod.load_corpus(path, max_chars=0)
seconds = time.perf_counter() - t0
out = {"seconds": seconds, "chars": len(corpus.text), "vocab": len(corpus.vocab),
       "dtype": str(corpus.indices.dtype).replace("torch.", ""),
       "rss_peak_over": status("VmHWM") - before, "hwm_reset": hwm_reset}
if mode == "trace":
    out["traced_peak"] = tracemalloc.get_traced_memory()[1]
print(json.dumps(out))
"""


def python_text(size: int) -> str:
    """Standard-library sources, in sorted path order, repeated to `size` UTF-8 bytes."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    parts: list[str] = []
    total = 0
    for path in sorted(stdlib.rglob("*.py")):
        if total >= size:
            break
        try:
            src = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        parts.append(src)
        total += len(src.encode("utf-8"))
    if not parts:
        raise SystemExit(f"no Python sources under {stdlib}")
    return _cut("".join(parts) * (size // max(total, 1) + 1), size)


def cjk_text(size: int, emoji_every: int = 0) -> str:
    """Synthetic CJK-heavy text (fixed seed); about 1 in `emoji_every` characters an emoji."""
    rng = random.Random(0)
    ideographs = [chr(0x4E00 + i) for i in rng.sample(range(0x5200), 5000)]
    cum_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(ideographs))))
    emoji = [chr(0x1F600 + i) for i in range(80)]
    chars = rng.choices(ideographs, cum_weights=cum_weights, k=size // 2)  # > size bytes; cut below
    next_newline = 0
    for i in range(len(chars)):
        if i == next_newline:
            chars[i] = "\n"
            next_newline += rng.randint(10, 50)
        elif i % 7 == 3:
            chars[i] = rng.choice("，。、！？")
        elif emoji_every and rng.random() < 1 / emoji_every:
            chars[i] = rng.choice(emoji)
    return _cut("".join(chars), size)


def _cut(text: str, size: int) -> str:
    """The longest prefix of `text` that is at most `size` bytes of UTF-8."""
    return text.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def make_text(kind: str, size: int) -> str:
    if kind == "python":
        return python_text(size)
    return cjk_text(size, emoji_every=100 if kind == "cjk+emoji" else 0)


def measure(path: Path, mode: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), mode],
        capture_output=True, text=True, cwd=REPO, env=env, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"loading {path} failed:\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10", help="text sizes in MB, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="fresh interpreters per text (time)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    sizes = [int(float(s) * MB) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            for size in sizes:
                path = Path(tmp) / f"{kind}-{size}.txt"
                path.write_text(make_text(kind, size), encoding="utf-8")
                runs = [measure(path, "rss") for _ in range(args.runs)]
                traced = measure(path, "trace")
                chars = runs[0]["chars"]
                rows.append({
                    "kind": kind, "bytes": path.stat().st_size, "chars": chars,
                    "vocab": runs[0]["vocab"], "dtype": runs[0]["dtype"],
                    "seconds": statistics.median(r["seconds"] for r in runs),
                    "rss": max(r["rss_peak_over"] for r in runs) / chars,
                    "traced": traced["traced_peak"] / chars,
                    "hwm_reset": all(r["hwm_reset"] for r in runs),
                })
                print(json.dumps(rows[-1]), file=sys.stderr)
    print(render(rows, args))
    return 0


def render(rows: list[dict], args: argparse.Namespace) -> str:
    python = os.path.relpath(sys.executable)
    lines = [
        "## Corpus load time and memory (1 MB and 10 MB texts)",
        "",
        f"- machine: {os.cpu_count()} logical CPUs; torch {torch.__version__}, "
        f"Python {sys.version.split()[0]}",
        f"- command: `{python} -m bench.corpus_load --sizes {args.sizes} --runs {args.runs}`",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "- method: `load_corpus(path, max_chars=0)` in a fresh interpreter after `import "
        "engine.data.corpus`; peak RSS over the RSS just before the call (high-water mark reset "
        "through /proc/self/clear_refs"
        + ("" if all(r["hwm_reset"] for r in rows) else ", NOT available here: includes import")
        + "), worst of the runs; tracemalloc peak of the call in one more interpreter; median "
        "wall time. Bar: at most 16 bytes per character of peak memory, time linear in size.",
        "",
        "| text | UTF-8 bytes | chars | vocab | indices | load s (median) | s per M chars "
        "| peak RSS B/char | traced peak B/char |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['kind']} | {r['bytes']:,} | {r['chars']:,} | {r['vocab']:,} | {r['dtype']} "
            f"| {r['seconds']:.3f} | {r['seconds'] / r['chars'] * 1e6:.3f} "
            f"| **{r['rss']:.1f}** | {r['traced']:.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
