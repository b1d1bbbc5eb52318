"""Greedy completion of a prefix by a saved session's model (what the app's prompt shows)."""

from __future__ import annotations

import argparse
import sys

from engine.generate import Completer
from engine.session import Session, SessionError, load_session

DEFAULT_CHARS = 50  # the app prompt's default completion length


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("path", metavar="PATH", help="a session file saved by rnnplay")
    add("prefix", metavar="PREFIX", nargs="?", default=None,
        help="text to complete (default: the prompt saved with the session)")
    add("--chars", type=int, default=DEFAULT_CHARS,
        help=f"characters to generate (default {DEFAULT_CHARS})")
    add("--completion-only", action="store_true",
        help="print only the generated characters, not the prefix before them")


def complete(session: Session, prefix: str, chars: int) -> tuple[str, list[str]]:
    """(completion, characters of the prefix the model does not know) - the app's computation:
    a CPU copy of the weights in a Completer, set_text(prefix), complete(chars)."""
    completer = Completer(session.build_model("cpu"), session.vocab)
    completer.set_text(prefix)
    return completer.complete(chars), completer.unknown


def run(args: argparse.Namespace) -> int:
    if args.chars < 0:
        print("rnnplay complete: --chars cannot be negative", file=sys.stderr)
        return 2
    try:
        session = load_session(args.path)
    except SessionError as err:
        print(f"rnnplay complete: {err}", file=sys.stderr)
        return 1
    prefix = session.prompt if args.prefix is None else args.prefix
    completion, unknown = complete(session, prefix, args.chars)
    if unknown:
        chars = "".join(dict.fromkeys(unknown))
        print(f"rnnplay complete: skipped characters the model does not know: {chars!r}",
              file=sys.stderr)
    if not completion and args.chars:
        print("rnnplay complete: nothing to complete from (no known character in the prefix)",
              file=sys.stderr)
    print(completion if args.completion_only else prefix + completion)
    return 0
