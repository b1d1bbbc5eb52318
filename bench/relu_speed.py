"""φ = ReLU against the book's tanh on the scratch model: the same speed class (CPU).

Run from the repo root:  python -m bench.relu_speed   (RNNPLAY_CORPUS_DIR may point at the zip)

Both recurrences (engine.models.recurrence) and a whole training batch (model.loss, backward,
clipping; the SGD step does not depend on φ and is left out, so the weights stay those of the
seed and both φ see the same numbers every round) on one batch at the book's settings, tanh and
ReLU timed in the same rounds, the order alternating (ABBA): medians, and the ratios of medians
and of minimums (the minimum is what a loaded machine disturbs least).
Results replace the relu-speed section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import torch

from bench import book
from bench.load_meter import LoadMeter, loadavg, wait_for_quiet
from bench.results_md import cpu_model, write_section

PHASES = ("recurrence forward, 35 steps", "BPTT backward, 34 steps + dL/dW_hh",
          "whole batch (model.loss, backward, clip)")


def batch_phases(nonlinearity: str, vocab: int, seed: int = 0) -> dict[str, Callable[[], object]]:
    """Phase name -> a function running it once with φ = `nonlinearity`, on the engine's code."""
    from engine.models.char_rnn import build_model
    from engine.models.recurrence import RECURRENCE
    from engine.training.clipping import clip_gradients

    B, T, H = book.BATCH_SIZE, book.NUM_STEPS, book.NUM_HIDDENS
    torch.manual_seed(seed)
    model = build_model("scratch", vocab, H, nonlinearity=nonlinearity)
    params = list(model.parameters())
    gen = torch.Generator().manual_seed(seed)
    X = torch.randint(vocab, (B, T), generator=gen)
    Y = torch.randint(vocab, (B, T), generator=gen)
    h0 = torch.zeros(B, H)
    recurrence = RECURRENCE[nonlinearity]
    with torch.no_grad():
        # Pre-activations at the scale training reaches (the seed's N(0, 0.01) weights leave
        # ReLU's units on their kink), so both φ work on states that carry something.
        pre = torch.randn(T, B, H, generator=gen) * 0.5
        w_hh = torch.randn(H, H, generator=gen) * H**-0.5
    d_hs = torch.randn(T, B, H, generator=gen)
    leaf, w_leaf = pre.clone().requires_grad_(), w_hh.clone().requires_grad_()

    def forward() -> None:
        with torch.no_grad():
            recurrence.apply(pre, h0, w_hh)

    def backward() -> None:
        leaf.grad = w_leaf.grad = None
        recurrence.apply(leaf, h0, w_leaf).backward(d_hs)

    def whole_batch() -> None:
        for p in params:
            p.grad = None
        loss, _ = model.loss(X, Y, model.begin_state(B))
        loss.backward()
        torch.stack((loss.detach(), clip_gradients(params, book.CLIPPING_THETA))).tolist()

    return dict(zip(PHASES, (forward, backward, whole_batch), strict=True))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.relu_speed", description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait for quiet")
    parser.add_argument("--corpus-dir", default=None)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    from engine.data.corpus import load_corpus

    torch.set_num_threads(args.threads)
    vocab = len(load_corpus("jaychou", corpus_dir=args.corpus_dir).vocab)
    runs = {phi: batch_phases(phi, vocab) for phi in ("tanh", "relu")}
    times = {(phi, name): [] for phi in runs for name in PHASES}
    for phases in runs.values():  # warm-up
        for fn in phases.values():
            fn()
    loads, load_before = [], loadavg()
    for r in range(args.rounds):
        if args.wait:
            wait_for_quiet(0.2, args.wait)
        meter = LoadMeter()
        for name in PHASES:
            order = ("tanh", "relu") if (r + PHASES.index(name)) % 2 == 0 else ("relu", "tanh")
            for phi in order:
                t0 = time.perf_counter()
                runs[phi][name]()
                times[phi, name].append(time.perf_counter() - t0)
        loads.append(meter.other_cpus())
    med = {key: statistics.median(ts) * 1e3 for key, ts in times.items()}
    least = {key: min(ts) * 1e3 for key, ts in times.items()}
    lines = [
        "## φ = ReLU vs tanh on the scratch model (CPU)",
        "",
        f"- machine: {cpu_model()}; torch {torch.__version__}, {args.threads} threads; "
        f"command: `python -m bench.relu_speed {' '.join(argv)}`".rstrip(),
        f"- method: one batch at the book's settings (vocab {vocab}, batch 32, 35 steps, 256 "
        f"hidden) with the engine's code, tanh and ReLU in the same {args.rounds} rounds, the "
        "order alternating, median ms; ratios ReLU / tanh of the medians and of the minimums. "
        "Other processes used a median "
        f"{statistics.median(loads):.2f} CPUs (1-minute load average {load_before} at the start, "
        f"{loadavg()} at the end)"
        + ("; on a machine this busy the ms are slow and noisy, and the ratios, measured in the "
           "same rounds, are the result." if statistics.median(loads) > 0.2 else "."),
        "",
        "| phase | tanh, ms | ReLU, ms | ReLU / tanh (medians) | ReLU / tanh (minimums) |",
        "|---|---|---|---|---|",
    ]
    for name in PHASES:
        tanh, relu = med["tanh", name], med["relu", name]
        fastest = least["relu", name] / least["tanh", name]
        lines.append(f"| {name} | {tanh:.2f} | {relu:.2f} | {relu / tanh:.2f} | {fastest:.2f} |")
    body = "\n".join(lines) + "\n"
    print(body)
    if not args.no_write:
        write_section(body, name="relu_speed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
