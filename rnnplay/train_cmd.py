"""Train a character RNN headless and print the book's progress lines (or JSON lines)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import IO

from engine.config import MODELS, SAMPLINGS, ConfigError, TrainConfig
from engine.corpus import CorpusError, load_corpus
from engine.device import DeviceError, resolve_device
from engine.download import stderr_progress
from engine.events import EpochEnd, Event, Sample, StatusChanged
from engine.train import Trainer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    add = parser.add_argument
    add("--corpus", default="jaychou", help="jaychou, pysrc or a UTF-8 text file (default jaychou)")
    add("--max-chars", type=int, default=10_000, help="characters used; 0 = all (default 10000)")
    add("--model", choices=MODELS, default=d.model, help="default scratch")
    add("--sampling", choices=SAMPLINGS, default=d.sampling, help="default random")
    add("--epochs", type=int, default=d.epochs, help=f"default {d.epochs}")
    add("--lr", type=float, default=None, help="default: 100 for scratch (SGD), 1e-3 otherwise")
    add("--clip", type=float, default=d.clip, help=f"gradient-norm threshold (default {d.clip})")
    add("--batch-size", type=int, default=d.batch_size, help=f"default {d.batch_size}")
    add("--num-steps", type=int, default=d.num_steps, help=f"default {d.num_steps}")
    add("--hidden", type=int, default=d.hidden, help=f"default {d.hidden}")
    add("--layers", type=int, default=d.layers, help="default 1 (nn models only)")
    add("--device", default=d.device, help="auto, cpu, cuda or cuda:N (default auto)")
    add("--seed", type=int, default=d.seed, help="default 0")
    add("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    add("--prefixes", default=",".join(d.prefixes), help="comma-separated (default 分开,不分开)")
    add("--pred-period", type=int, default=d.pred_period, help="epochs between predictions")
    add("--pred-len", type=int, default=d.pred_len, help="characters predicted (default 50)")
    add("--jsonl", metavar="PATH", help="write one JSON object per epoch/prediction; - = stdout")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    prefixes = tuple(p for p in args.prefixes.split(",") if p)
    return TrainConfig(
        model=args.model, hidden=args.hidden, layers=args.layers, sampling=args.sampling,
        epochs=args.epochs, lr=args.lr, clip=args.clip, batch_size=args.batch_size,
        num_steps=args.num_steps, device=args.device, seed=args.seed, prefixes=prefixes,
        pred_period=args.pred_period, pred_len=args.pred_len, threads=args.threads,
    )


class Reporter:
    """Turns trainer events into the book's lines on stdout and/or JSON lines."""

    def __init__(self, book: IO[str] | None, jsonl: IO[str] | None, pred_period: int) -> None:
        self.book, self.jsonl, self.pred_period = book, jsonl, pred_period

    def __call__(self, event: Event) -> None:
        if isinstance(event, EpochEnd):
            self._json({"type": "epoch", **asdict(event)})
            last = event.epoch == event.epochs
            if self.book and (last or (self.pred_period and event.epoch % self.pred_period == 0)):
                print(f"epoch {event.epoch}, perplexity {event.perplexity:.2f}, "
                      f"time {event.seconds:.2f} sec", file=self.book, flush=True)
        elif isinstance(event, Sample):
            self._json({"type": "prediction", **asdict(event)})
            if self.book:
                print(f" - {event.text}", file=self.book, flush=True)
        elif isinstance(event, StatusChanged) and event.status == "diverged":
            print(f"rnnplay: {event.message}", file=sys.stderr, flush=True)

    def _json(self, obj: dict) -> None:
        if self.jsonl:
            self.jsonl.write(json.dumps(obj, ensure_ascii=False) + "\n")
            self.jsonl.flush()


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
        config.check()
        resolve_device(config.device)  # before a corpus download that would be wasted
        corpus = load_corpus(args.corpus, args.max_chars, progress=stderr_progress("corpus"))
        jsonl = _open_jsonl(args.jsonl)
        reporter = Reporter(None if args.jsonl == "-" else sys.stdout, jsonl, config.pred_period)
        trainer = Trainer(corpus, config, on_event=reporter)
    except (ConfigError, CorpusError, DeviceError, OSError) as err:
        print(f"rnnplay train: {err}", file=sys.stderr)
        return 2
    if args.jsonl != "-":
        print(f"training {config.model} on {corpus.name} ({len(corpus.text)} characters, "
              f"vocabulary {len(corpus.vocab)}) on {trainer.device}: {config.epochs} epochs, "
              f"{config.sampling} sampling, lr {config.learning_rate:g}", flush=True)
    return _train(trainer)


def _train(trainer: Trainer) -> int:
    try:
        status = trainer.run()
    except KeyboardInterrupt:
        print(f"\nrnnplay train: interrupted after epoch {trainer.epoch}", file=sys.stderr)
        return 130
    return 3 if status == "diverged" else 0


def _open_jsonl(path: str | None) -> IO[str] | None:
    if path is None:
        return None
    if path == "-":
        return sys.stdout
    return open(path, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process


