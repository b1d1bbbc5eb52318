"""Time a few training batches of a setup on each device (CPU with 1 thread and with all
threads, every CUDA GPU) and estimate the seconds per epoch side by side."""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING

from engine.config import ConfigError, CorpusConfig, TrainConfig
from engine.data.download import stderr_progress
from engine.data.errors import CorpusError
from rnnplay.headless import Output, say
from rnnplay.options import add_settings, as_typed, given, whole_number

# What loads a corpus and times batches imports torch (~2 CPU-seconds): it is imported once the
# options are known to be sound, so a mistyped one is refused at once.
if TYPE_CHECKING:
    from engine.training.device_bench import DeviceTiming

# Where to train is what this command varies; the rest describe the setup being timed.
NOT_OPTIONS = {"device", "threads", "epochs", "pred_period", "pred_len", "prefixes"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_settings(parser, CorpusConfig)
    add_settings(parser, TrainConfig, include=lambda spec: spec.name not in NOT_OPTIONS)
    parser.add_argument("--batches", type=whole_number, default=5, metavar="N",
                        help="timed batches per device, default 5")
    parser.add_argument("--warmup", type=whole_number, default=2, metavar="N",
                        help="untimed batches per device first, default 2")


def run(args: argparse.Namespace) -> int:
    try:
        if args.batches < 1 or args.warmup < 1:
            raise ConfigError("--batches and --warmup must be at least 1")
        source = CorpusConfig(**given(args, CorpusConfig))
        source.check()
        config = TrainConfig(**given(args, TrainConfig))
        config.check()
        from engine.data.corpus import load_corpus
        from engine.training.device_bench import bench_devices, verdict

        corpus = load_corpus(source.corpus, source.max_chars, progress=stderr_progress("corpus"),
                             preprocess=source.preprocess)
        config.check(len(corpus.indices))
    except CorpusError as err:
        say(f"rnnplay bench-device: {as_typed(err)}")
        return 2
    except (ConfigError, OSError) as err:
        say(f"rnnplay bench-device: {err}")
        return 2
    except KeyboardInterrupt:
        say("rnnplay bench-device: interrupted")
        return 130
    out = Output(sys.stdout, "stdout", "", "bench-device")
    out.write(
        f"{config.model}, hidden {config.hidden} x {config.layers} layer(s), batch "
        f"{config.batch_size} x {config.num_steps} steps, {config.sampling} sampling, on "
        f"{corpus.name} ({len(corpus.text):,} characters, vocabulary {len(corpus.vocab)}): "
        f"{args.batches} batches per device after {args.warmup} warm-up"
    )
    out.write(f"{'device':<34} {'s/batch':>9} {'s/epoch':>9}")

    def row(t: DeviceTiming) -> None:
        out.write(_row(t))
        if out.failed:  # no one reads the rest: stop timing
            raise OutputGone

    try:
        timings = bench_devices(corpus, config, args.batches, args.warmup, on_timing=row)
    except OutputGone:
        return 1
    except KeyboardInterrupt:
        say("rnnplay bench-device: interrupted")
        return 130
    epochs = {t.batches for t in timings if t.batches}
    if epochs:
        out.write(f"(an epoch is {'/'.join(str(n) for n in sorted(epochs))} batches)")
    out.write(verdict(timings))
    return 1 if out.failed else 0


class OutputGone(Exception):
    """stdout stopped working (a closed pipe, a full disk) while devices were being timed."""


def _row(t: DeviceTiming) -> str:
    if t.error is not None or math.isnan(t.batch_seconds):
        return f"{t.name:<34} not timed: {t.error}"
    return f"{t.name:<34} {t.batch_seconds:>9.4f} {t.epoch_seconds:>9.3f}"
