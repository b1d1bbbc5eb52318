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
import sys

import torch

from bench import book
from bench.epoch_timing import Case, profile_engine, time_case
from bench.flops import scratch_flops_per_batch, sgemm_rates
from bench.load_meter import loadavg
from bench.results_md import RESULTS, render, write_section


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.epoch_speed", description=__doc__)
    parser.add_argument("--epochs", type=int, default=15, help="timed epochs per side and case")
    parser.add_argument("--warmup", type=int, default=2, help="untimed epochs per side first")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--corpus-dir", default=None, help="directory holding the jaychou zip")
    parser.add_argument(
        "--cases",
        default="scratch-random,scratch-consecutive,rnn-consecutive,rnn-consecutive-onehot,"
        "gru-consecutive-onehot,lstm-consecutive-onehot",
        help="MODEL-SAMPLING against the book's code, MODEL-SAMPLING-onehot against the "
        "engine's model fed one-hot vectors (nn models)",
    )
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

    from engine.data.corpus import load_corpus

    torch.set_num_threads(args.threads)
    corpus = load_corpus("jaychou", corpus_dir=args.corpus_dir)
    indices: list[int] = corpus.indices.tolist()
    vocab = len(corpus.vocab)
    args.vocab_size = vocab
    batch, steps, hidden = book.BATCH_SIZE, book.NUM_STEPS, book.NUM_HIDDENS

    cases = []
    for spec in args.cases.split(","):
        model, sampling, *onehot = spec.strip().split("-")
        if onehot:
            cases.append(Case(f"{model} + {sampling} (engine fed one-hot vs engine)", model,
                              sampling, baseline="one-hot"))
            continue
        book_name = "book scratch" if model == "scratch" else f"book RNNModel(nn.{model.upper()})"
        cases.append(Case(f"{model} + {sampling} ({book_name} vs engine)", model, sampling))

    if args.profile:
        return profile_engine(corpus, args.profile)

    args.load_before = loadavg()
    rates_before = sgemm_rates(batch, steps, hidden, vocab)
    for case in cases:
        print(f"timing {case.label}", file=sys.stderr)
        time_case(
            case, corpus, indices, vocab, args.warmup, args.epochs, args.quiet_load, args.wait
        )
    rates_after = sgemm_rates(batch, steps, hidden, vocab)
    args.load_after = loadavg()
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
