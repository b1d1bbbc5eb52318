"""`rnnplay` opens the app; `rnnplay train` and `rnnplay complete` run headless."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rnnplay import app_cmd, bench_device_cmd, complete_cmd, inspect_cmd, train_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rnnplay",
        description="A terminal playground for character-level RNNs. With no command it opens "
        "the app; its options pre-fill the setup form.",
    )
    app_cmd.add_arguments(parser)
    parser.set_defaults(run=app_cmd.run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, module, summary in (
        ("train", train_cmd, "train headless, printing the book's progress lines"),
        ("complete", complete_cmd, "complete a prefix with a saved session's model"),
        ("inspect", inspect_cmd, "a saved session's hidden units, saliency and next-char odds"),
        ("bench-device", bench_device_cmd, "time batches on each device, epoch estimates"),
    ):
        command = commands.add_parser(name, help=summary, description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except KeyboardInterrupt:  # Ctrl-C while starting up, before a command handles it
        print("rnnplay: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
