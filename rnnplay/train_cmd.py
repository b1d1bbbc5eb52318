"""Train a character RNN headless and print the book's progress lines (or JSON lines).

This module is the command line: its options, and the checks on them that need no model, made
first so that a mistyped option is refused at once. What trains (rnnplay/train_run.py) imports
torch (~2 CPU-seconds), and is imported only once the options are sound.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from engine.config import ConfigError, CorpusConfig, TrainConfig, specs
from rnnplay.headless import StopSignals, say
from rnnplay.options import add_settings, flags, given, whole_number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_settings(parser, CorpusConfig)
    add_settings(parser, TrainConfig, notes={"threads": "default: torch's"})
    add = parser.add_argument
    add("--jsonl", metavar="PATH", help="write one JSON object per epoch/prediction; - = stdout")
    add("--save", metavar="PATH", help="save the session here at the end (and with --save-every)")
    add("--save-every", type=whole_number, default=0, metavar="N", help="also save every N epochs")
    add("--resume", metavar="PATH",
        help="continue a saved session with its saved settings (to --epochs N); saves back to it. "
        f"Only {flags(_resumable())} and the saving options may be given with it")


def _resumable() -> set[str]:
    return {spec.name for spec in specs(TrainConfig) if spec.may_change_on_resume}


def run(args: argparse.Namespace) -> int:
    try:
        fresh = _check(args)
    except ConfigError as err:
        say(f"rnnplay train: {err}")
        return 2
    with StopSignals() as signals, contextlib.ExitStack() as held:
        try:
            from rnnplay.train_run import train

            return train(args, fresh, signals, held)
        except KeyboardInterrupt:  # before training began: nothing to save
            say("rnnplay train: interrupted before training began")
            return signals.exit_status


def _check(args: argparse.Namespace) -> tuple[CorpusConfig, TrainConfig] | None:
    """Refuse options that cannot work together, and a fresh run's settings that are out of
    bounds, before anything is loaded; a fresh run's corpus and settings (None with --resume,
    whose settings the session holds)."""
    for option in ("save", "resume", "jsonl"):
        if getattr(args, option) == "":
            raise ConfigError(f"--{option} needs a file name, not an empty one")
    if args.save_every and not (args.save or args.resume):
        raise ConfigError("--save-every needs --save PATH (or --resume PATH)")
    if args.save_every < 0:
        raise ConfigError("--save-every cannot be negative")
    if args.resume:
        fixed = set(given(args, CorpusConfig)) | (set(given(args, TrainConfig)) - _resumable())
        if fixed:
            raise ConfigError(f"a resumed session keeps its saved settings; drop {flags(fixed)} "
                              f"(only {flags(_resumable())} and saving may change)")
    path = args.save or args.resume
    if path and args.jsonl not in (None, "-") and _same_file(args.jsonl, path):
        raise ConfigError(f"--jsonl and {'--save' if args.save else '--resume'} both name "
                          f"{path}: the JSON lines would overwrite the session; give --jsonl "
                          "another file")
    if args.resume:
        return None
    source = CorpusConfig(**given(args, CorpusConfig))
    source.check()
    return source, TrainConfig.from_dict(given(args, TrainConfig))


def _same_file(a: str, b: str) -> bool:
    one, other = (Path(os.path.abspath(Path(p).expanduser())) for p in (a, b))
    try:
        return one == other or os.path.samefile(one, other)
    except OSError:  # one of them does not exist yet: the names decide
        return False
