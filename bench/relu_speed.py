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

import sys
from collections.abc import Callable

import torch

from bench import book
from bench.results_md import publish
from bench.rounds import Job, book_vocab, machine_line, round_parser, time_rounds

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
    args = round_parser("bench.relu_speed", __doc__, wait=0.0).parse_args(argv)
    vocab = book_vocab(args)
    runs = {phi: batch_phases(phi, vocab) for phi in ("tanh", "relu")}

    def in_round(r: int) -> list[tuple[tuple[str, str], Job]]:
        # ABBA: which φ goes first alternates by round and by phase.
        jobs = []
        for name in PHASES:
            order = ("tanh", "relu") if (r + PHASES.index(name)) % 2 == 0 else ("relu", "tanh")
            jobs += [((phi, name), runs[phi][name]) for phi in order]
        return jobs

    timed = time_rounds(in_round, args.rounds, args.wait)
    med, least = timed.medians_ms(), timed.minimums_ms()
    lines = [
        "## φ = ReLU vs tanh on the scratch model (CPU)",
        "",
        machine_line("bench.relu_speed", args, argv),
        f"- method: one batch at the book's settings (vocab {vocab}, batch 32, 35 steps, 256 "
        f"hidden) with the engine's code, tanh and ReLU in the same {args.rounds} rounds, the "
        "order alternating, median ms; ratios ReLU / tanh of the medians and of the minimums. "
        + timed.load_note()
        + ("; on a machine this busy the ms are slow and noisy, and the ratios, measured in the "
           "same rounds, are the result." if timed.other_load() > 0.2 else "."),
        "",
        "| phase | tanh, ms | ReLU, ms | ReLU / tanh (medians) | ReLU / tanh (minimums) |",
        "|---|---|---|---|---|",
    ]
    for name in PHASES:
        tanh, relu = med["tanh", name], med["relu", name]
        fastest = least["relu", name] / least["tanh", name]
        lines.append(f"| {name} | {tanh:.2f} | {relu:.2f} | {relu / tanh:.2f} | {fastest:.2f} |")
    publish("\n".join(lines) + "\n", "relu_speed", write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
