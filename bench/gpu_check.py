"""GPU check: the engine's scratch model on CUDA against the CPU, and epoch times on CUDA.

Run through bench/gpu.sh (or `python -m bench.gpu_check`). Four parts:

1. Parity: the same seeded scratch model (identical initial weights) and the same batch go through
   one forward + backward on the CPU and on CUDA; the relative errors of logits, final state,
   loss and every gradient are printed and must be below --tol.
2. Speed: one epoch at a time, alternating book and engine, for scratch (random and consecutive
   sampling) and the nn models rnn, gru, lstm (consecutive, like the book) on CUDA; the median
   seconds per epoch and book / engine ratios are printed as a table. The nn models are also
   timed on the engine's other input path (TorchRNN.path: one-hot + torch's fused kernels is
   the CUDA default, the lookup + hand-written loops the CPU one), to show the choice holds.
3. Keystrokes: the engine models trained in part 2 answer a prompt typed one character at a
   time (engine.generation.generate.Completer: push + a 50-character completion, as the app's prompt
   does), on the device; p50/p99 milliseconds per keystroke.
4. Save on the device, load on the CPU: each trained model is saved as a session, loaded and
   restored on the CPU; the weights must be bit-identical, the CPU trainer must train on, and
   the greedy completions of both are compared.

`--device cpu` runs the same code with the CPU standing in for the GPU: a self-test of this
script on machines without CUDA (the parity errors are then exactly zero).
Exits 2 with a message when CUDA is requested but not available.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from bench import book
from bench.gpu_usage import keystrokes, save_here_load_on_cpu
from engine.config import TrainConfig
from engine.training.trainer import Trainer

NO_CUDA = 2
CHECK_FAILED = 1


@dataclass
class Row:
    model: str
    sampling: str
    book: float
    engine: float
    other: float | None = None  # the engine on its other input path (nn models)
    other_path: str = ""


def _rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    """||a - b|| / ||b|| in float64, with a and b both on the CPU."""
    a64, b64 = a.detach().double().cpu(), b.detach().double().cpu()
    norm = torch.linalg.vector_norm
    return float(norm(a64 - b64) / norm(b64).clamp_min(1e-30))


def _forward_backward(
    model: torch.nn.Module, X: torch.Tensor, Y: torch.Tensor, state: tuple[torch.Tensor, ...]
) -> dict[str, torch.Tensor]:
    """Logits, final state, loss and gradients of one book-style training step (no update)."""
    model.zero_grad(set_to_none=True)
    logits, (h,) = model(X, state)
    loss = F.cross_entropy(logits, Y.t().reshape(-1))
    loss.backward()
    out = {"logits": logits, "final state": h, "loss": loss}
    for name, p in model.named_parameters():
        assert p.grad is not None, f"no gradient for {name}"
        out[f"grad {name}"] = p.grad
    return out


def parity(corpus: object, device: torch.device, seed: int, tol: float, hidden: int) -> bool:
    """Engine scratch model: CPU vs `device` on the same weights and batch; prints errors."""
    from engine.data.sampling import batch_at, random_starts
    from engine.models.char_rnn import build_model

    indices = corpus.indices  # type: ignore[attr-defined]
    vocab = len(corpus.vocab)  # type: ignore[attr-defined]
    torch.manual_seed(seed)
    cpu_model = build_model("scratch", vocab, hidden)
    # deepcopy then .to(): bit-identical initial weights on both devices.
    dev_model = copy.deepcopy(cpu_model).to(device)
    starts = random_starts(len(indices), book.BATCH_SIZE, book.NUM_STEPS, torch.Generator())
    X, Y = batch_at(indices, starts[0], book.NUM_STEPS)
    # A non-zero incoming state, as in consecutive sampling, so the h0 path is covered too.
    h0 = 0.5 * torch.randn(book.BATCH_SIZE, hidden, generator=torch.Generator())
    ref = _forward_backward(cpu_model, X, Y, (h0,))
    got = _forward_backward(dev_model, X.to(device), Y.to(device), (h0.to(device),))

    print(f"parity: engine scratch model, cpu vs {device} (one forward + backward, batch 32x35)")
    print(
        f"  float32 matmul precision: {torch.get_float32_matmul_precision()}, "
        f"cuda matmul TF32: {torch.backends.cuda.matmul.allow_tf32}, "
        f"cuDNN TF32: {torch.backends.cudnn.allow_tf32}"
    )
    ok = True
    for name, ref_t in ref.items():
        err = _rel_err(got[name], ref_t)
        passed = err <= tol
        ok &= passed
        print(f"  {name:<14} relative error {err:.2e}  {'ok' if passed else 'FAIL'}")
    print(f"  parity {'passed' if ok else 'FAILED'} (tolerance {tol:g})")
    return ok


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time_epoch(fn: Callable[[], object], device: torch.device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    fn()
    _sync(device)
    return time.perf_counter() - t0


def speed(
    corpus: object, device: torch.device, models: list[str], warmup: int, epochs: int,
    hidden: int = book.NUM_HIDDENS,
) -> tuple[list[Row], dict[str, Trainer]]:
    """Median seconds per epoch, book vs engine on `device`, alternating epochs (ABBA); also
    the trained engine trainers, one per model (the last sampling timed)."""
    indices: list[int] = corpus.indices.tolist()  # type: ignore[attr-defined]
    vocab = len(corpus.vocab)  # type: ignore[attr-defined]
    cases = [
        (m, s)
        for m in models
        for s in (("random", "consecutive") if m == "scratch" else ("consecutive",))
    ]
    rows, trained = [], {}
    for model, sampling in cases:
        if model == "scratch":
            book_epoch = book.BookScratchTrainer(
                indices, vocab, is_random_iter=sampling == "random", device=device,
                num_hiddens=hidden,
            ).train_epoch
        else:
            book_epoch = book.BookModelTrainer(
                indices, vocab, cell=model, device=device, num_hiddens=hidden
            ).train_epoch
        # Without predictions and held-out perplexity: the book's epochs have neither.
        config = TrainConfig(model=model, sampling=sampling, device=str(device), pred_period=0,
                             val_chars=0, hidden=hidden)
        trainer = Trainer(corpus, config)  # type: ignore[arg-type]
        sides: list[tuple[Callable[[], object], list[float]]] = [
            (book_epoch, []),
            (trainer.run_epoch, []),
        ]
        other_path = ""
        if model != "scratch":
            other = Trainer(corpus, config)  # type: ignore[arg-type]
            auto = "one-hot" if device.type == "cuda" else "lookup"
            other_path = "lookup" if auto == "one-hot" else "one-hot"
            other.model.path = other_path  # type: ignore[union-attr]
            sides.append((other.run_epoch, []))
        for _ in range(warmup):
            for fn, _times in sides:
                fn()
        for i in range(epochs):
            for fn, times in sides if i % 2 == 0 else sides[::-1]:
                times.append(_time_epoch(fn, device))
        medians = [statistics.median(times) for _fn, times in sides]
        row = Row(model, sampling, medians[0], medians[1],
                  medians[2] if len(medians) > 2 else None, other_path)
        print(
            f"  {model}/{sampling}: book {row.book:.4f}s  engine {row.engine:.4f}s"
            + (f"  engine {other_path} path {row.other:.4f}s" if row.other else ""),
            file=sys.stderr,
        )
        rows.append(row)
        trained[model] = trainer
    return rows, trained


def print_table(rows: list[Row], device: torch.device, warmup: int, epochs: int) -> None:
    print(
        f"\nspeed on {device}: median s/epoch over {epochs} epochs after {warmup} warm-up, "
        "book and engine alternating"
    )
    print("| model | sampling | book s/epoch | engine s/epoch | book / engine "
          "| engine, other path s/epoch | other path / engine |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        other = (
            f"{r.other:.4f} ({r.other_path}) | {r.other / r.engine:.2f}x"
            if r.other is not None
            else "- | -"
        )
        print(
            f"| {r.model} | {r.sampling} | {r.book:.4f} | {r.engine:.4f} "
            f"| {r.book / r.engine:.2f}x | {other} |"
        )


def describe(device: torch.device) -> str:
    text = f"torch {torch.__version__}"
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        text += (
            f", CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, "
            f"{props.name} ({props.total_memory / 2**30:.0f} GiB)"
        )
    else:
        text += f", CPU ({torch.get_num_threads()} threads)"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bash bench/gpu.sh",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu for a self-test")
    parser.add_argument("--models", default="scratch,rnn,gru,lstm")
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs per side and case")
    parser.add_argument("--warmup", type=int, default=2, help="untimed epochs per side first")
    parser.add_argument("--tol", type=float, default=1e-4, help="largest relative error allowed")
    parser.add_argument("--corpus-dir", default=None, help="directory holding the jaychou zip")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-chars", type=int, default=10_000,
                        help="corpus characters (the book's 10,000; fewer for a quick self-test)")
    parser.add_argument("--hidden", type=int, default=book.NUM_HIDDENS,
                        help="hidden units (the book's 256; fewer for a quick self-test)")
    parser.add_argument("--keystrokes", type=int, default=40,
                        help="prompt characters typed in the keystroke check")
    parser.add_argument("--skip-speed", action="store_true", help="parity check only")
    args = parser.parse_args(argv)

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        why = (
            "this torch is a CPU-only build"
            if torch.version.cuda is None
            else "no CUDA GPU is visible (driver missing or CUDA_VISIBLE_DEVICES empty)"
        )
        print(
            f"gpu check: CUDA is not available: {why} (torch {torch.__version__} "
            f"in {sys.executable}).\nRun it on a machine with an NVIDIA GPU and a CUDA build "
            "of torch (PYTHON=/path/to/python selects another interpreter), or pass "
            "--device cpu to self-test this script on the CPU.",
            file=sys.stderr,
        )
        return NO_CUDA
    device = torch.device(args.device)

    from engine.data.corpus import CorpusError, load_corpus

    try:
        corpus = load_corpus("jaychou", args.max_chars, corpus_dir=args.corpus_dir)
    except CorpusError as err:
        print(f"gpu check: {err}", file=sys.stderr)
        return NO_CUDA
    print(f"gpu check on {device}: {describe(device)}; corpus jaychou, vocab {len(corpus.vocab)}")

    ok = parity(corpus, device, args.seed, args.tol, args.hidden)
    if not args.skip_speed:
        models = [m.strip() for m in args.models.split(",") if m.strip()]
        rows, trained = speed(corpus, device, models, args.warmup, args.epochs, args.hidden)
        print_table(rows, device, args.warmup, args.epochs)
        keystrokes(trained, corpus, device, args.keystrokes)
        ok &= save_here_load_on_cpu(trained, corpus)
    return 0 if ok else CHECK_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
