"""Complete a prefix with a saved session's model (what the app's prompt shows): greedy by
default, or sampled with a temperature and top-k; or list the likeliest next characters."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from engine.config import SEED_MAX, ConfigError, DecodingConfig
from engine.generation.decoding import MAX_CHARS, Decoding
from rnnplay.headless import print_lines
from rnnplay.options import add_settings, number, options_given, whole_number

# What reads a model is imported when a completion is asked for: `rnnplay complete --help` and
# the parser of every other command do not wait for torch (~1 s).
if TYPE_CHECKING:
    from engine.generation.generate import Completer
    from engine.session import Session

DEFAULT_CHARS = 50  # the app prompt's default completion length
MAX_SAMPLES = 1000
SEPARATOR = "---"  # starts the line between two samples
# Options that shape a completion: they mean nothing with --probs.
COMPLETION_OPTIONS = ("chars", "completion_only", "temperature", "top_k", "seed", "samples")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("path", metavar="PATH", help="a session file saved by rnnplay")
    add("prefix", metavar="PREFIX", nargs="?", default=None,
        help="text to complete (default: the prompt saved with the session)")
    add("--chars", type=whole_number, metavar="N",
        help=f"characters to generate (default {DEFAULT_CHARS}, at most {MAX_CHARS})")
    add("--completion-only", action="store_true",
        help="print only the generated characters, not the prefix before them")
    add("--temperature", type=number, metavar="T",
        help="sample each character from softmax(logits / T) instead of taking the likeliest; "
        "0 = greedy (the default)")
    add("--top-k", type=whole_number, metavar="K",
        help="sample among the K likeliest characters only (default 0 = all; 1 = greedy)")
    add("--seed", type=whole_number, metavar="S",
        help="seed the sampling, so every call prints the same (default: a new seed each call)")
    add("--samples", type=whole_number, metavar="M",
        help=f"print M completions (at most {MAX_SAMPLES}), seeded S, S+1, ... with --seed")
    add("--probs", type=whole_number, metavar="K",
        help="instead of a completion, the K likeliest next characters after the prefix with "
        "their probabilities, one per line: <char> TAB <prob> (newline shown as \\n)")
    add_settings(parser, DecodingConfig, notes={"warmup": "the app's ctrl+y"})


def decodings(args: argparse.Namespace) -> list[Decoding]:
    """One decoding rule per sample asked for; ConfigError names a bad value."""
    samples = 1 if args.samples is None else args.samples
    if not 1 <= samples <= MAX_SAMPLES:
        raise ConfigError(f"--samples must be 1 to {MAX_SAMPLES}, not {samples}")
    rule = Decoding(
        temperature=0.0 if args.temperature is None else args.temperature,
        top_k=0 if args.top_k is None else args.top_k,
        seed=args.seed,
        warmup=getattr(args, "warmup", 0),
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
    from rnnplay.prompt_model import open_prompt_model

    opened = open_prompt_model(args.path, "complete")
    if opened is None:
        return 1
    session, completer = opened
    warmup = getattr(args, "warmup", 0)
    if warmup:
        why = _warm_up(completer, session, warmup)
        if why:
            print(f"rnnplay complete: --warmup reads the training text: {why}", file=sys.stderr)
            return 1
    prefix = session.prompt if args.prefix is None else args.prefix
    completer.set_text(prefix)
    chars = DEFAULT_CHARS if args.chars is None else args.chars
    unknown = "".join(dict.fromkeys(completer.unknown))
    if len(completer.unknown) == len(prefix) and (args.probs is not None or chars > 0):
        why = (f"the model knows none of its characters ({unknown!r})" if prefix
               else "the prefix is empty (the session saved no prompt); give a PREFIX")
        print(f"rnnplay complete: nothing to complete from: {why}", file=sys.stderr)
        return 2
    if unknown:
        print(f"rnnplay complete: skipped characters the model does not know: {unknown!r}",
              file=sys.stderr)
    try:
        if args.probs is not None:
            odds = completer.next_char_probs(args.probs)
            lines: Iterable[str] = [f"{shown_char(ch)}\t{p:.6g}" for ch, p in odds]
        else:
            lines = _completions(completer, prefix, chars, rules, args.completion_only)
        return print_lines("complete", lines)
    except ValueError as err:  # a top-k beyond this model's vocabulary, a diverged model
        print(f"rnnplay complete: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rnnplay complete: interrupted", file=sys.stderr)
        return 130


def _completions(completer: Completer, prefix: str, chars: int, rules: list[Decoding],
                 completion_only: bool) -> Iterator[str]:
    """Each completion as it is made (a thousand long ones take minutes: the first shows at
    once); with more than one, a line before each after the first says which sample starts, as
    samples may hold newlines of their own."""
    for i, rule in enumerate(rules):
        if i:
            seed = "" if rule.seed is None else f" (seed {rule.seed})"
            yield f"{SEPARATOR} sample {i + 1} of {len(rules)}{seed}"
        completion = completer.complete(chars, rule)
        yield completion if completion_only else prefix + completion


def _warm_up(completer: Completer, session: Session, chars: int) -> str | None:
    """Read the training text's first `chars` characters into the completer (the app's
    warm-up); why not, when the session's corpus cannot be read or is not its text."""
    from engine.data.corpus import CorpusError, load_corpus

    ref = session.corpus
    try:
        corpus = load_corpus(ref.name, max_chars=ref.max_chars, preprocess=ref.preprocess)
    except CorpusError as err:
        return str(err)
    if corpus.sha256 != ref.sha256:
        return f"the corpus {ref.name!r} is not the text the session trained on (it changed)"
    completer.warm_up(corpus.text[:chars])
    return None


def _check(args: argparse.Namespace) -> list[Decoding]:
    if args.probs is not None:
        if args.probs < 1:
            raise ConfigError(f"--probs must be 1 or more, not {args.probs}")
        given = options_given(args, sorted(COMPLETION_OPTIONS))
        if given:
            raise ConfigError(f"--probs lists the next characters' odds, not a completion: "
                              f"drop {given}")
        return []
    if args.chars is not None and not 0 <= args.chars <= MAX_CHARS:
        raise ConfigError(f"--chars must be 0 to {MAX_CHARS}, not {args.chars}")
    return decodings(args)
