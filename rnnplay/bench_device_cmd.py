"""Time a few training batches of a setup on each device (CPU with 1 thread and with all
threads, every CUDA GPU) and estimate the seconds per epoch side by side."""

from __future__ import annotations

import argparse
import math

from engine.config import ConfigError, CorpusConfig, TrainConfig
from engine.data.corpus import CorpusError, load_corpus
from engine.data.download import stderr_progress
from engine.training.device_bench import DeviceTiming, bench_devices, verdict
from rnnplay.headless import say
from rnnplay.options import add_settings, given

# Where to train is what this command varies; the rest describe the setup being timed.
NOT_OPTIONS = {"device", "threads", "epochs", "pred_period", "pred_len", "prefixes"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_settings(parser, CorpusConfig)
    add_settings(parser, TrainConfig, include=lambda spec: spec.name not in NOT_OPTIONS)
    parser.add_argument("--batches", type=int, default=5, metavar="N",
                        help="timed batches per device, default 5")
    parser.add_argument("--warmup", type=int, default=2, metavar="N",
                        help="untimed batches per device first, default 2")


def run(args: argparse.Namespace) -> int:
    try:
        if args.batches < 1 or args.warmup < 1:
            raise ConfigError("--batches and --warmup must be at least 1")
        source = CorpusConfig(**given(args, CorpusConfig))
        source.check()
        config = TrainConfig(**given(args, TrainConfig))
        config.check()
        corpus = load_corpus(source.corpus, source.max_chars, progress=stderr_progress("corpus"),
                             preprocess=source.preprocess)
        config.check(len(corpus.indices))
    except (ConfigError, CorpusError, OSError) as err:
        say(f"rnnplay bench-device: {err}")
        return 2
    except KeyboardInterrupt:
        say("rnnplay bench-device: interrupted")
        return 130
    print(
        f"{config.model}, hidden {config.hidden} x {config.layers} layer(s), batch "
        f"{config.batch_size} x {config.num_steps} steps, {config.sampling} sampling, on "
        f"{corpus.name} ({len(corpus.text):,} characters, vocabulary {len(corpus.vocab)}): "
        f"{args.batches} batches per device after {args.warmup} warm-up",
        flush=True,
    )
    print(f"{'device':<34} {'s/batch':>9} {'s/epoch':>9}", flush=True)
    try:
        timings = bench_devices(corpus, config, args.batches, args.warmup, on_timing=_print_row)
    except KeyboardInterrupt:
        say("rnnplay bench-device: interrupted")
        return 130
    epochs = {t.batches for t in timings if t.batches}
    if epochs:
        print(f"(an epoch is {'/'.join(str(n) for n in sorted(epochs))} batches)")
    print(verdict(timings))
    return 0


def _print_row(t: DeviceTiming) -> None:
    if t.error is not None or math.isnan(t.batch_seconds):
        print(f"{t.name:<34} not timed: {t.error}", flush=True)
    else:
        print(f"{t.name:<34} {t.batch_seconds:>9.4f} {t.epoch_seconds:>9.3f}", flush=True)
