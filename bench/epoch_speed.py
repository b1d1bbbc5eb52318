"""Seconds per training epoch: the book's code (bench/book.py) against the engine, on this CPU.

Run from the repo root:  python -m bench.epoch_speed   (RNNPLAY_CORPUS_DIR may point at the zip)

Book and engine epochs alternate (ABBA order, after warm-up epochs), so both see the same load
from whatever else runs on the machine; the medians and their ratio within one run are what
count. The run also counts the matrix-product FLOPs of one scratch epoch, measures this machine's
sgemm rate in the same process, and reports the "FLOP floor": the time the engine's products
alone would take at that rate. Results replace the epoch-speed section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch

from bench import book

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START, END = "<!-- epoch_speed:start -->", "<!-- epoch_speed:end -->"
# The bar, as book seconds / engine seconds per epoch.
BAR = {"scratch": 2.2, "rnn": 1.0}


@dataclass
class Case:
    """One comparison: a book trainer and an engine trainer with the same math and settings."""

    label: str
    model: str  # engine model kind
    sampling: str
    book_times: list[float] = field(default_factory=list)
    engine_times: list[float] = field(default_factory=list)
    # CPUs' worth of time other processes used during each round (book + engine epoch).
    other_load: list[float] = field(default_factory=list)
    book_ppl: float = float("nan")
    engine_ppl: float = float("nan")
    engine_batches: int = 0

    def quiet(self, max_load: float) -> Case:
        """The rounds in which other processes used at most max_load CPUs."""
        keep = [i for i, load in enumerate(self.other_load) if not load > max_load]
        return replace(
            self,
            book_times=[self.book_times[i] for i in keep],
            engine_times=[self.engine_times[i] for i in keep],
            other_load=[self.other_load[i] for i in keep],
        )

    @property
    def rounds(self) -> int:
        return len(self.book_times)

    @property
    def book_median(self) -> float:
        return statistics.median(self.book_times)

    @property
    def engine_median(self) -> float:
        return statistics.median(self.engine_times)

    @property
    def ratio(self) -> float:
        return self.book_median / self.engine_median

    @property
    def paired_ratio(self) -> float:
        """Median over rounds of book/engine within the round: cancels slow load drift."""
        pairs = zip(self.book_times, self.engine_times, strict=True)
        return statistics.median([b / e for b, e in pairs])

    @property
    def min_ratio(self) -> float:
        """Ratio of the fastest epochs: other load only ever adds time, so minima are the
        least disturbed estimate of each side's own speed."""
        return min(self.book_times) / min(self.engine_times)


class LoadMeter:
    """CPU time used by other processes (and the hypervisor's steal) over an interval, in CPUs.

    /proc/stat counts busy time of the whole machine; subtracting this process's own CPU time
    leaves everyone else's. With 2 cores, a neighbour using one core halves what 2 threads get
    and makes every small multi-threaded op wait at its barrier, so such rounds are flagged.
    Resolution is one clock tick (10 ms) per CPU; NaN where /proc/stat is not available.
    """

    def __init__(self) -> None:
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start()

    def _busy(self) -> float:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                fields = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return float("nan")
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / self._tick

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system

    def start(self) -> None:
        self._t0, self._busy0, self._own0 = time.perf_counter(), self._busy(), self._own()

    def other_cpus(self) -> float:
        wall = time.perf_counter() - self._t0
        other = (self._busy() - self._busy0) - (self._own() - self._own0)
        return max(other, 0.0) / max(wall, 1e-9)


def wait_for_quiet(max_load: float, timeout: float) -> float:
    """Wait (up to timeout seconds) for a 1-second window with other load <= max_load."""
    meter = LoadMeter()
    deadline = time.monotonic() + timeout
    while True:
        meter.start()
        time.sleep(1.0)
        load = meter.other_cpus()
        if not load > max_load or time.monotonic() >= deadline:
            return load


def _quartiles(xs: list[float]) -> tuple[float, float]:
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


# --------------------------------------------------------------------------- FLOPs and sgemm


def scratch_flops_per_batch(
    batch: int, steps: int, hidden: int, vocab: int, *, one_hot_input: bool
) -> dict[str, int]:
    """Multiply-add FLOPs (2*m*k*n) of the matrix products in one forward+backward batch.

    Only products count: tanh, bias adds, softmax and the lookup/scatter of the engine's input
    projection are O(N*H) or O(N*V) and small next to these. The first step's H_{t-1} is the
    initial state, which needs no gradient, hence steps-1 products for dH_{t-1}.
    """
    n, h, v = batch * steps, hidden, vocab
    flops = {
        "recurrence fwd: T x (B,H)@(H,H)": 2 * n * h * h,
        "recurrence bwd dH: (T-1) x (B,H)@(H,H)": 2 * (steps - 1) * batch * h * h,
        "W_hh grad: (H,N)@(N,H)": 2 * n * h * h,
        "output fwd: (N,H)@(H,V)": 2 * n * h * v,
        "output bwd dH: (N,V)@(V,H)": 2 * n * v * h,
        "W_hq grad: (H,N)@(N,V)": 2 * n * h * v,
    }
    if one_hot_input:
        # The book multiplies the one-hot inputs by W_xh, and autograd does the same for the
        # gradient (no dX: the one-hot inputs do not require grad).
        flops["one-hot input fwd: (N,V)@(V,H)"] = 2 * n * v * h
        flops["W_xh grad: (V,N)@(N,H)"] = 2 * v * n * h
    return flops


def sgemm_gflops(m: int, k: int, n: int, repeats: int = 40) -> float:
    """Median GFLOP/s of torch.mm (m,k)@(k,n) in float32 with the current thread setting."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    out = torch.empty(m, n)
    for _ in range(5):
        torch.mm(a, b, out=out)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b, out=out)
        times.append(time.perf_counter() - t0)
    return 2 * m * k * n / statistics.median(times) / 1e9


def sgemm_rates(batch: int, steps: int, hidden: int, vocab: int) -> dict[str, float]:
    """GFLOP/s of the shapes that dominate a scratch epoch (the first is the headline rate)."""
    n = batch * steps
    shapes = {
        "(N,H)@(H,V)": (n, hidden, vocab),
        "(N,V)@(V,H)": (n, vocab, hidden),
        "(H,N)@(N,V)": (hidden, n, vocab),
        "(H,N)@(N,H)": (hidden, n, hidden),
        "(B,H)@(H,H)": (batch, hidden, hidden),
    }
    return {name: sgemm_gflops(*mkn) for name, mkn in shapes.items()}


# Which measured shape stands for each product in the shape-aware floor.
_SHAPE_OF = {
    "recurrence fwd": "(B,H)@(H,H)",
    "recurrence bwd": "(B,H)@(H,H)",
    "W_hh grad": "(H,N)@(N,H)",
    "output fwd": "(N,H)@(H,V)",
    "output bwd": "(N,V)@(V,H)",
    "W_hq grad": "(H,N)@(N,V)",
    "one-hot input": "(N,V)@(V,H)",
    "W_xh grad": "(H,N)@(N,V)",
}


def shape_aware_seconds(flops: dict[str, int], rates: dict[str, float]) -> float:
    """Time of the products if each ran at the measured rate of its own shape."""
    total = 0.0
    for name, f in flops.items():
        shape = next(s for prefix, s in _SHAPE_OF.items() if name.startswith(prefix))
        total += f / (rates[shape] * 1e9)
    return total


# --------------------------------------------------------------------------- timing


def _engine_trainer(corpus: object, case: Case, seed: int) -> tuple[Callable[[], float], Case]:
    from engine.config import TrainConfig
    from engine.events import BatchEnd
    from engine.train import Trainer

    def on_event(event: object) -> None:
        if isinstance(event, BatchEnd):
            case.engine_batches = event.batches

    # pred_period=0: sample predictions are not training (the book's are left out too).
    cfg = TrainConfig(
        model=case.model, sampling=case.sampling, device="cpu", seed=seed, pred_period=0
    )
    trainer = Trainer(corpus, cfg, on_event=on_event)  # type: ignore[arg-type]

    def epoch() -> float:
        end = trainer.run_epoch()
        assert end is not None
        return end.perplexity

    return epoch, case


def _book_trainer(indices: list[int], vocab: int, case: Case, seed: int) -> Callable[[], float]:
    if case.model == "scratch":
        trainer = book.BookScratchTrainer(
            indices, vocab, is_random_iter=case.sampling == "random", seed=seed
        )
        return trainer.train_epoch
    return book.BookModelTrainer(indices, vocab, cell=case.model, seed=seed).train_epoch


def _timed(fn: Callable[[], float]) -> tuple[float, float]:
    t0 = time.perf_counter()
    ppl = fn()
    return time.perf_counter() - t0, ppl


def time_case(
    case: Case,
    corpus: object,
    indices: list[int],
    vocab: int,
    warmup: int,
    epochs: int,
    quiet_load: float = 0.2,
    wait: float = 0.0,
) -> Case:
    book_epoch = _book_trainer(indices, vocab, case, seed=0)
    engine_epoch, _ = _engine_trainer(corpus, case, seed=0)
    for _ in range(warmup):
        book_epoch()
        engine_epoch()
    meter = LoadMeter()
    for i in range(epochs):
        if wait > 0:
            wait_for_quiet(quiet_load, wait)
        meter.start()
        # ABBA: alternate which goes first, so a slow drift in machine load hits both equally.
        order = ((book_epoch, case.book_times), (engine_epoch, case.engine_times))
        for fn, times in order if i % 2 == 0 else order[::-1]:
            seconds, ppl = _timed(fn)
            times.append(seconds)
            if fn is book_epoch:
                case.book_ppl = ppl
            else:
                case.engine_ppl = ppl
        case.other_load.append(meter.other_cpus())
        print(
            f"  {case.label}: epoch {i + 1}/{epochs}  book {case.book_times[-1]:.3f}s"
            f"  engine {case.engine_times[-1]:.3f}s  other load {case.other_load[-1]:.2f} CPUs",
            file=sys.stderr,
        )
    return case


# --------------------------------------------------------------------------- report


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def _command(argv: list[str]) -> str:
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
        f"- machine: {_cpu_model()}, {os.cpu_count()} logical CPUs; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"Python {platform.python_version()}",
        f"- command: `{_command(argv)}`",
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
        "clip 0.01; scratch: SGD lr 100; rnn: Adam lr 1e-3, consecutive.",
        "- the CPUs are shared with other work: absolute times are noisy, the ratio within "
        f"one run is what counts (1-minute load average {args.load_before} at the start, "
        f"{args.load_after} at the end, on {os.cpu_count()} CPUs).",
        "",
        "| case | rounds | book s/epoch | engine s/epoch | book / engine | bar | "
        "paired / min ratio | engine / FLOP floor | book / FLOP floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cases:
        quiet = c.quiet(args.quiet_load)
        rows = [(f"all {c.rounds} ({quiet.rounds} quiet)", c)]
        if quiet.rounds and quiet.rounds < c.rounds:
            rows.append((f"quiet only: {quiet.rounds}", quiet))
        for which, sub in rows:
            bq, eq = _quartiles(sub.book_times), _quartiles(sub.engine_times)
            bar = BAR[c.model]
            verdict = "meets" if sub.ratio >= bar else "misses"
            is_scratch = c.model == "scratch"
            ef = f"{sub.engine_median / floor:.2f}x" if is_scratch else "-"
            bf = f"{sub.book_median / floor:.2f}x" if is_scratch else "-"
            lines.append(
                f"| {c.label} | {which} "
                f"| {sub.book_median:.3f} [{bq[0]:.3f}-{bq[1]:.3f}] "
                f"| {sub.engine_median:.3f} [{eq[0]:.3f}-{eq[1]:.3f}] | **{sub.ratio:.2f}x** "
                f"| >= {bar:g}x: {verdict} | {sub.paired_ratio:.2f}x / {sub.min_ratio:.2f}x "
                f"| {ef} | {bf} |"
            )
    loads = [x for c in cases for x in c.other_load]
    lines += [
        "",
        f"Other processes used a median {statistics.median(loads):.2f} CPUs (max "
        f"{max(loads):.2f}) during the timed rounds; a round is 'quiet' when they used at most "
        f"{args.quiet_load:g}. Perplexity after the last epoch, book / engine (same settings, "
        "different random streams): "
        + "; ".join(f"{c.model} {c.sampling} {c.book_ppl:.0f} / {c.engine_ppl:.0f}" for c in cases)
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


def write_section(body: str, path: Path = RESULTS) -> None:
    """Replace the text between the markers (or append it), keeping every other section."""
    section = f"{START}\n{body}{END}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        tail = tail.lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def profile_engine(corpus: object, spec: str, epochs: int = 5) -> int:
    """Print torch.profiler's operator table for a few engine epochs (after 2 warm-up ones)."""
    from torch.profiler import ProfilerActivity, profile

    model, sampling = spec.split("-")
    epoch, _ = _engine_trainer(corpus, Case(spec, model, sampling), seed=0)
    for _ in range(2):
        epoch()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(epochs):
            epoch()
    print(f"engine {spec}, {epochs} epochs, {torch.get_num_threads()} threads")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
    return 0


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.epoch_speed", description=__doc__)
    parser.add_argument("--epochs", type=int, default=15, help="timed epochs per side and case")
    parser.add_argument("--warmup", type=int, default=2, help="untimed epochs per side first")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--corpus-dir", default=None, help="directory holding the jaychou zip")
    parser.add_argument("--cases", default="scratch-random,scratch-consecutive,rnn-consecutive")
    parser.add_argument(
        "--quiet-load",
        type=float,
        default=0.2,
        help="a round is quiet when other processes used at most this many CPUs",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=5.0,
        help="before each round wait up to this many seconds for a quiet second (0: never)",
    )
    parser.add_argument("--no-write", action="store_true", help=f"do not update {RESULTS.name}")
    parser.add_argument(
        "--profile",
        metavar="MODEL-SAMPLING",
        help="instead of timing, profile 5 engine epochs (e.g. scratch-random) with torch.profiler",
    )
    args = parser.parse_args(argv)

    from engine.corpus import load_corpus

    torch.set_num_threads(args.threads)
    corpus = load_corpus("jaychou", corpus_dir=args.corpus_dir)
    indices: list[int] = corpus.indices.tolist()
    vocab = len(corpus.vocab)
    args.vocab_size = vocab
    batch, steps, hidden = book.BATCH_SIZE, book.NUM_STEPS, book.NUM_HIDDENS

    cases = []
    for spec in args.cases.split(","):
        model, sampling = spec.strip().split("-")
        book_name = "book scratch" if model == "scratch" else f"book RNNModel(nn.{model.upper()})"
        cases.append(Case(f"{model} + {sampling} ({book_name} vs engine)", model, sampling))

    if args.profile:
        return profile_engine(corpus, args.profile)

    args.load_before = _loadavg()
    rates_before = sgemm_rates(batch, steps, hidden, vocab)
    for case in cases:
        print(f"timing {case.label}", file=sys.stderr)
        time_case(
            case, corpus, indices, vocab, args.warmup, args.epochs, args.quiet_load, args.wait
        )
    rates_after = sgemm_rates(batch, steps, hidden, vocab)
    args.load_after = _loadavg()
    # The machine is shared: take the better of the two measurements as the attainable rate.
    rates = {k: max(rates_before[k], rates_after[k]) for k in rates_before}

    flops_engine = scratch_flops_per_batch(batch, steps, hidden, vocab, one_hot_input=False)
    flops_book = scratch_flops_per_batch(batch, steps, hidden, vocab, one_hot_input=True)
    batches = next((c.engine_batches for c in cases if c.model == "scratch"), 0) or (
        ((len(indices) - 1) // steps) // batch
    )
    body = render(cases, flops_engine, flops_book, batches, rates, args, argv)
    print(body)
    if not args.no_write:
        write_section(body)
        print(f"updated {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
