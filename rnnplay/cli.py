"""`rnnplay` opens the app; `rnnplay train`, `rnnplay sweep` and `rnnplay complete` run headless."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from rnnplay import app_cmd

# Each command, its module in rnnplay/ (which parses and runs it), its line in `rnnplay --help`.
COMMANDS = (
    ("train", "train_cmd", "train headless, printing the book's progress lines"),
    ("sweep", "sweep_cmd", "many runs on Ray Tune (lists, distributions, early stopping)"),
    ("complete", "complete_cmd", "complete a prefix with a saved session's model"),
    ("inspect", "inspect_cmd", "a saved session's hidden units, saliency and next-char odds"),
    ("bench-device", "bench_device_cmd", "time batches on each device, epoch estimates"),
)
# Commands whose output is all they do: run as the program, they end the process as soon as it is
# flushed. The interpreter's teardown of torch's objects holds nothing for them and costs ~0.5
# CPU-seconds, tens of seconds on a busy 2-core machine: a Ctrl-C'd `complete` said "interrupted"
# at once and then took over a minute to end.
ENDS_AT_ONCE = {"complete", "inspect"}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv` (None: every command's options). A command's module is imported
    only when argv names it: some of them import torch (~1 s), which `rnnplay --help` and the
    app's first frame do not wait for. A name that is only an option's value costs an import,
    never a different parse: a subparser is only used when argparse picks its command."""
    parser = argparse.ArgumentParser(
        prog="rnnplay",
        description="A terminal playground for character-level RNNs. With no command it opens "
        "the app; its options pre-fill the setup form.",
    )
    app_cmd.add_arguments(parser)
    parser.set_defaults(run=app_cmd.run, command="")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, module_name, summary in COMMANDS:
        if argv is not None and name not in argv:
            commands.add_parser(name, help=summary)  # named in the list, never parsed
            continue
        module = importlib.import_module(f"rnnplay.{module_name}")
        command = commands.add_parser(name, help=summary, description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(run=module.run, command=name)
    return parser


# Options that only name a file to open or write: any name the filesystem takes will do. Every
# other text is kept in a session or printed, so it must be text.
FILE_ONLY = {"path", "save", "resume", "jsonl"}
POSITIONAL = {"prefix", "text"}


def not_text(args: argparse.Namespace) -> str | None:
    """One line naming the first argument that is not UTF-8, else None.

    Python hands bytes that are not UTF-8 over as lone surrogates (surrogateescape); they cannot
    be written to a UTF-8 terminal, a JSON line or a session, so they are refused before
    anything runs rather than crash a run after it trained."""
    for name, value in vars(args).items():
        if name in FILE_ONLY:
            continue
        for text in value if isinstance(value, tuple | list) else (value,):
            if isinstance(text, str) and not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    shown = name.upper() if name in POSITIONAL else "--" + name.replace("_", "-")
                    return (f"{shown} is not UTF-8 text ({os.fsencode(text)!r}): give it in "
                            "UTF-8 (a file can be linked or copied to a UTF-8 name)")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv`; its exit status. With no argv this is the program itself
    (the `rnnplay` script, `python -m rnnplay`): its own arguments, and it may end the process."""
    program = argv is None
    try:
        if argv is None:
            argv = sys.argv[1:]
        args = build_parser(argv).parse_args(argv)
        refused = not_text(args)
        if refused is not None:
            print(" ".join(("rnnplay", args.command)).strip() + f": {refused}", file=sys.stderr)
            return 2
        status = args.run(args)
    except KeyboardInterrupt:  # Ctrl-C while starting up, before a command handles it
        print("rnnplay: interrupted", file=sys.stderr)
        return 130
    if program and args.command in ENDS_AT_ONCE:
        _end_now(status)
    return status


def _end_now(status: int) -> NoReturn:
    """End the process with `status` once stdout and stderr are flushed, without the
    interpreter's teardown (see ENDS_AT_ONCE)."""
    # A Ctrl-C while a slow reader takes the last lines ends it as it ends any program, instead
    # of raising KeyboardInterrupt out of the flush.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or gone: the command has said so where it could
            pass
    os._exit(status)


if __name__ == "__main__":
    sys.exit(main())
