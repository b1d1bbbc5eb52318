"""Complete a prefix with a saved session's model (what the app's prompt shows): greedy by
default, or sampled with a temperature and top-k; or list the likeliest next characters."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from engine.config import SEED_MAX, ConfigError
from engine.generation.decoding import Decoding
from engine.generation.generate import MAX_CHARS
from rnnplay.options import flags
from rnnplay.prompt_model import open_prompt_model

DEFAULT_CHARS = 50  # the app prompt's default completion length
MAX_SAMPLES = 1000
# Options that shape a completion: they mean nothing with --probs.
COMPLETION_OPTIONS = ("chars", "completion_only", "temperature", "top_k", "seed", "samples")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("path", metavar="PATH", help="a session file saved by rnnplay")
    add("prefix", metavar="PREFIX", nargs="?", default=None,
        help="text to complete (default: the prompt saved with the session)")
    add("--chars", type=int, metavar="N",
        help=f"characters to generate (default {DEFAULT_CHARS}, at most {MAX_CHARS})")
    add("--completion-only", action="store_true",
        help="print only the generated characters, not the prefix before them")
    add("--temperature", type=float, metavar="T",
        help="sample each character from softmax(logits / T) instead of taking the likeliest; "
        "0 = greedy (the default)")
    add("--top-k", type=int, metavar="K",
        help="sample among the K likeliest characters only (default 0 = all; 1 = greedy)")
    add("--seed", type=int, metavar="S",
        help="seed the sampling, so every call prints the same (default: a new seed each call)")
    add("--samples", type=int, metavar="M",
        help=f"print M completions (at most {MAX_SAMPLES}), seeded S, S+1, ... with --seed")
    add("--probs", type=int, metavar="K",
        help="instead of a completion, the K likeliest next characters after the prefix with "
        "their probabilities, one per line: <char> TAB <prob> (newline shown as \\n)")


def decodings(args: argparse.Namespace) -> list[Decoding]:
    """One decoding rule per sample asked for; ConfigError names a bad value."""
    samples = 1 if args.samples is None else args.samples
    if not 1 <= samples <= MAX_SAMPLES:
        raise ConfigError(f"--samples must be 1 to {MAX_SAMPLES}, not {samples}")
    rule = Decoding(
        temperature=0.0 if args.temperature is None else args.temperature,
        top_k=0 if args.top_k is None else args.top_k,
        seed=args.seed,
    )
    if rule.seed is None:
        return [rule] * samples
    if rule.seed + samples - 1 > SEED_MAX:
        raise ConfigError(f"--seed {rule.seed} leaves no seed for sample {samples}: "
                          f"seeds go up to {SEED_MAX}; give a smaller one")
    return [replace(rule, seed=rule.seed + i) for i in range(samples)]


def shown_char(ch: str) -> str:
    """A character on a line of its own: a newline as \\n, a tab as \\t, any other invisible
    character by its escape."""
    return ch if ch.isprintable() else repr(ch)[1:-1]


def run(args: argparse.Namespace) -> int:
    try:
        rules = _check(args)
    except ConfigError as err:
        print(f"rnnplay complete: {err}", file=sys.stderr)
        return 2
    opened = open_prompt_model(args.path, "complete")
    if opened is None:
        return 1
    session, completer = opened
    prefix = session.prompt if args.prefix is None else args.prefix
    completer.set_text(prefix)
    if completer.unknown:
        skipped = "".join(dict.fromkeys(completer.unknown))
        print(f"rnnplay complete: skipped characters the model does not know: {skipped!r}",
              file=sys.stderr)
    chars = DEFAULT_CHARS if args.chars is None else args.chars
    try:
        if args.probs is not None:
            odds = completer.next_char_probs(args.probs)
            lines = [f"{shown_char(ch)}\t{p:.6g}" for ch, p in odds]
            nothing = not odds
        else:
            completions = [completer.complete(chars, rule) for rule in rules]
            lines = [c if args.completion_only else prefix + c for c in completions]
            nothing = chars > 0 and not completions[0]
    except ValueError as err:  # a top-k beyond this model's vocabulary, a diverged model
        print(f"rnnplay complete: {err}", file=sys.stderr)
        return 2
    if nothing:
        print("rnnplay complete: nothing to complete from (no known character in the prefix)",
              file=sys.stderr)
    for line in lines:
        print(line)
    return 0


def _check(args: argparse.Namespace) -> list[Decoding]:
    if args.probs is not None:
        if args.probs < 1:
            raise ConfigError(f"--probs must be 1 or more, not {args.probs}")
        given = [name for name in COMPLETION_OPTIONS if getattr(args, name) not in (None, False)]
        if given:
            raise ConfigError(f"--probs lists the next characters' odds, not a completion: "
                              f"drop {flags(given)}")
        return []
    if args.chars is not None and not 0 <= args.chars <= MAX_CHARS:
        raise ConfigError(f"--chars must be 0 to {MAX_CHARS}, not {args.chars}")
    return decodings(args)
