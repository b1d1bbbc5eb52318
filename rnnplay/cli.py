"""`rnnplay` with no command opens the app; `rnnplay train` and `rnnplay complete` run headless."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

COMMANDS = ("train", "complete")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] in COMMANDS:
        return _run_command(args_list[0], args_list[1:])
    from rnnplay import app_cmd  # the app (and textual) load only when the app is wanted

    parser = argparse.ArgumentParser(
        prog="rnnplay",
        description="A terminal playground for character-level RNNs. "
        "Commands: `rnnplay train --help`, `rnnplay complete --help`.",
    )
    app_cmd.add_arguments(parser)
    return app_cmd.run(parser.parse_args(args_list))


def _run_command(name: str, argv: list[str]) -> int:
    if name == "train":
        from rnnplay import train_cmd as command
    else:
        from rnnplay import complete_cmd as command
    parser = argparse.ArgumentParser(prog=f"rnnplay {name}", description=command.__doc__)
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
