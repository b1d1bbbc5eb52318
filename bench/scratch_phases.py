"""Where a scratch training batch spends its time: each phase timed on its own, on this CPU.

Run from the repo root:  python -m bench.scratch_phases   (RNNPLAY_CORPUS_DIR may point at the zip)

Every phase calls the engine's own code (engine.models.char_rnn, recurrence, softmax_output,
clipping) on one batch at the book's settings, repeated in rounds that visit the phases in
alternating order; the whole batch (model.loss, backward, clipping, SGD step) is timed the same way,
so the phases' sum can be checked against it. Matrix products are also put against the machine's
sgemm rate for their own shape: the difference is what is left to win in that phase. Results replace
the scratch-phases section of bench/RESULTS.md.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import torch
import torch.nn.functional as F

from bench import book
from bench.flops import sgemm_gflops
from bench.results_md import publish
from bench.rounds import book_vocab, machine_line, round_parser, time_rounds


def phases(vocab: int, seed: int = 0) -> tuple[dict[str, Callable[[], object]], dict[str, float]]:
    """name -> a function running that phase; name -> its matrix-product seconds at sgemm rate."""
    from engine.models.char_rnn import build_model
    from engine.models.recurrence import TanhRecurrence
    from engine.models.softmax_output import input_grad, logits_grad, loss_forward, weight_grads
    from engine.training.clipping import clip_gradients

    B, T, H, V = book.BATCH_SIZE, book.NUM_STEPS, book.NUM_HIDDENS, vocab
    n = B * T
    torch.manual_seed(seed)
    model = build_model("scratch", V, H)
    params = list(model.parameters())
    opt = torch.optim.SGD(params, lr=book.LR_SCRATCH)
    gen = torch.Generator().manual_seed(seed)
    X = torch.randint(V, (B, T), generator=gen)
    Y = torch.randint(V, (B, T), generator=gen)
    target = Y.t().reshape(-1)
    h0 = torch.zeros(B, H)
    W_xh, W_hh, b_h, W_hq, b_q = (p.detach() for p in params)
    pre = F.embedding(X.t(), W_xh).add_(b_h)
    with torch.no_grad():
        hs = TanhRecurrence.apply(pre, h0, W_hh)
    h = hs.reshape(-1, H)
    grad = torch.tensor(1.0)
    _, out = loss_forward(h, W_hq, b_q, target)
    d_logits = logits_grad(out, grad)
    d_hs = input_grad(out, d_logits).view(T, B, H)
    leaf = pre.clone().requires_grad_()
    w_leaf = W_hh.clone().requires_grad_()

    def bptt() -> None:
        w_leaf.grad = leaf.grad = None
        TanhRecurrence.apply(leaf, h0, w_leaf).backward(d_hs)

    def fresh_logits_grad() -> None:
        logits_grad(loss_forward(h, W_hq, b_q, target)[1], grad)

    def whole_batch() -> None:
        loss, _ = model.loss(X, Y, model.begin_state(B))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = clip_gradients(params, book.CLIPPING_THETA)
        torch.stack((loss.detach(), norm)).tolist()
        opt.step()

    whole_batch()  # gradients exist for the clipping phase
    ids = X.t().reshape(-1)
    d_z = torch.randn(n, H, generator=gen)

    def recurrence_forward() -> None:
        with torch.no_grad():
            TanhRecurrence.apply(pre, h0, W_hh)

    w_pad, b_pad = out.w_pad, F.pad(b_q, (0, out.w_pad.shape[1] - V))

    def clip_and_step() -> None:
        clip_gradients(params, book.CLIPPING_THETA)
        opt.step()

    run: dict[str, Callable[[], object]] = {
        "input lookup X_t W_xh + b_h (F.embedding)": lambda: F.embedding(X.t(), W_xh).add_(b_h),
        "recurrence forward, 35 steps": recurrence_forward,
        "output O = HW + b, softmax cross-entropy, dL/dO": fresh_logits_grad,
        "  of which the product HW + b": lambda: torch.addmm(b_pad, h, w_pad),
        "dL/dH = dO W^T": lambda: input_grad(out, d_logits),
        "dL/dW_hq = H^T dO, dL/db_q": lambda: weight_grads(out, d_logits),
        "BPTT chain, 34 steps, + dL/dW_hh = H^T dZ": bptt,
        "dL/dW_xh (embedding backward: index-add)": lambda: torch.ops.aten.embedding_dense_backward(
            d_z, ids, V, -1, False
        ),
        "clipping (global norm) + SGD step": clip_and_step,
        "whole batch (model.loss, backward, clip, step)": whole_batch,
    }
    rate = {  # GFLOP/s of each product's own shape, measured now
        "out": sgemm_gflops(n, H, V),
        "dh": sgemm_gflops(n, V, H),
        "dw": sgemm_gflops(H, n, V),
        "hh": sgemm_gflops(H, n, H),
        "step": sgemm_gflops(B, H, H),
    }
    flop_s = {
        "recurrence forward, 35 steps": 2 * n * H * H / rate["step"],
        "output O = HW + b, softmax cross-entropy, dL/dO": 2 * n * H * V / rate["out"],
        "dL/dH = dO W^T": 2 * n * V * H / rate["dh"],
        "dL/dW_hq = H^T dO, dL/db_q": 2 * n * H * V / rate["dw"],
        "BPTT chain, 34 steps, + dL/dW_hh = H^T dZ": 2 * (T - 1) * B * H * H / rate["step"]
        + 2 * n * H * H / rate["hh"],
    }
    return run, {k: v / 1e9 for k, v in flop_s.items()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = round_parser("bench.scratch_phases", __doc__, wait=3.0).parse_args(argv)
    vocab = book_vocab(args)
    run, floor = phases(vocab)
    items = list(run.items())
    timed = time_rounds(lambda r: items if r % 2 == 0 else items[::-1], args.rounds, args.wait)
    med = timed.medians_ms()
    whole = med["whole batch (model.loss, backward, clip, step)"]
    lines = [
        "## Where a scratch training batch spends its time (CPU)",
        "",
        machine_line("bench.scratch_phases", args, argv),
        f"- method: each phase of one batch at the book's settings (vocab {vocab}) timed on its "
        f"own with the engine's code, {args.rounds} rounds in alternating order, median; the "
        "floor column is the phase's matrix products at this machine's sgemm rate for their "
        f"shape. {timed.load_note()}.",
        "",
        "| phase | ms | share of the batch | products at sgemm rate, ms |",
        "|---|---|---|---|",
    ]
    parts = 0.0
    for name, ms in med.items():
        if name.startswith("whole"):
            continue
        if not name.startswith("  "):
            parts += ms
        fl = f"{floor[name] * 1e3:.2f}" if name in floor else "-"
        lines.append(f"| {name} | {ms:.2f} | {ms / whole:.0%} | {fl} |")
    lines.append(f"| **sum of the phases** | {parts:.2f} | {parts / whole:.0%} | "
                 f"{sum(floor.values()) * 1e3:.2f} |")
    lines.append(f"| **whole batch** | {whole:.2f} | 100% | |")
    publish("\n".join(lines) + "\n", "scratch_phases", write=not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
