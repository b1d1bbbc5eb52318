"""`rnnplay` (the interactive app): options and launch. rnnplay/cli.py dispatches here."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

# Python hands the GIL between threads every 5 ms by default; while the trainer thread runs
# Python between torch ops, the UI and completion threads wait that long for each hand-over, and a
# 50-step greedy rollout hands over hundreds of times. 1 ms keeps keystrokes responsive.
GIL_SWITCH_INTERVAL_S = 0.001

# Setup-pane fields each option pre-fills (dest -> field id).
SETUP_OPTIONS = {
    "corpus": "corpus",
    "max_chars": "max_chars",
    "model": "model",
    "layers": "layers",
    "hidden": "hidden",
    "sampling": "sampling",
    "lr": "lr",
    "clip": "clip",
    "batch_size": "batch_size",
    "num_steps": "num_steps",
    "epochs": "epochs",
    "device": "device",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the interactive app; each setup option only pre-fills the setup pane."""
    parser.add_argument(
        "--train", action="store_true", help="start training at launch (the prompt has the focus)"
    )
    parser.add_argument("--corpus", help="jaychou (default), pysrc or a text file path")
    parser.add_argument(
        "--max-chars",
        type=int,
        dest="max_chars",
        help="use the first N characters of the corpus (0 = all; default 10000)",
    )
    parser.add_argument(
        "--model",
        choices=["scratch", "rnn", "gru", "lstm"],
        help="scratch (the book's from-scratch RNN, default) or an nn model",
    )
    parser.add_argument("--layers", type=int, help="recurrent layers (default 1)")
    parser.add_argument("--hidden", type=int, help="hidden units (default 256)")
    parser.add_argument(
        "--sampling", choices=["random", "consecutive"], help="minibatch sampling (default random)"
    )
    parser.add_argument(
        "--lr", type=float, help="learning rate (default: 100 for scratch/SGD, 1e-3 for Adam)"
    )
    parser.add_argument("--clip", type=float, help="gradient clipping threshold (default 0.01)")
    parser.add_argument("--batch-size", type=int, dest="batch_size", help="default 32")
    parser.add_argument("--num-steps", type=int, dest="num_steps", help="default 35")
    parser.add_argument("--epochs", type=int, help="default 250")
    parser.add_argument("--device", help="auto (default), cpu, cuda or cuda:N")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads for training (default 1: more threads "
        "fight the UI for a small CPU and can run far slower)",
    )
    parser.add_argument("--prompt", default="", help="text to put in the prompt at launch")
    parser.add_argument(
        "--load",
        metavar="PATH",
        help="open a saved session (its settings, curves, samples and prompt); F5/F6 trains "
        "it on, --train at once, --epochs N to epoch N (other setup options are ignored)",
    )


def _warm_torch(threads: int) -> None:
    """Pay torch's lazy imports now: the first optimizer otherwise costs ~1 s with the GIL held,
    which would freeze the UI right after training starts."""
    import torch

    torch.set_num_threads(threads)
    param = torch.nn.Parameter(torch.zeros(2))
    for opt in (torch.optim.SGD([param], lr=0.1), torch.optim.Adam([param], lr=1e-3)):
        opt.zero_grad()
        (param * 2).sum().backward()
        torch.nn.utils.clip_grad_norm_([param], 1.0)
        opt.step()


def setup_values(args: argparse.Namespace) -> dict[str, str]:
    values = {}
    for dest, field_id in SETUP_OPTIONS.items():
        value = getattr(args, dest, None)
        if value is not None:
            values[field_id] = f"{value:g}" if isinstance(value, float) else str(value)
    return values


def run(args: argparse.Namespace) -> int:
    """Launch the app; returns the process exit status."""
    threads = args.threads if getattr(args, "threads", None) else 1
    started = time.monotonic()
    _warm_torch(threads)
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)

    from tui.app import AppOptions, RnnplayApp
    from tui.engine_port import real_engine

    app = RnnplayApp(
        real_engine(),
        AppOptions(
            train=bool(getattr(args, "train", False)),
            setup=setup_values(args),
            prompt=getattr(args, "prompt", "") or "",
            handle_signals=True,
            # A bad file is reported inside the app, which then starts fresh.
            load=getattr(args, "load", None),
            threads=threads,
        ),
    )
    # Until the app's loop takes them over (on mount), a signal ends the process at once,
    # which is right: nothing has started yet.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    if os.environ.get("RNNPLAY_LAUNCH_TRACE"):
        print(f"rnnplay: launch prep {time.monotonic() - started:.2f}s", file=sys.stderr)
    result = app.run()
    _print_exit_notes(app.exit_notes)
    return int(result or 0)


def _print_exit_notes(notes: list[str]) -> None:
    """Where the autosave went, once the terminal is back; after an SSH drop there is no
    terminal left, and that must not turn a clean exit into a traceback."""
    for note in notes:
        try:
            print(note, file=sys.stderr)
        except OSError:
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rnnplay")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
