"""Train a character RNN headless and print the book's progress lines (or JSON lines)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from dataclasses import asdict
from typing import IO

from engine.config import MODELS, SAMPLINGS, ConfigError, TrainConfig
from engine.corpus import CorpusError, load_corpus
from engine.device import DeviceError, resolve_device
from engine.download import stderr_progress
from engine.events import EpochEnd, Event, Sample, StatusChanged
from engine.session import PeriodicSave, SessionError, load_session, restore_trainer
from engine.train import Trainer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = TrainConfig()
    add = parser.add_argument
    add("--corpus", default="jaychou", help="jaychou, pysrc or a UTF-8 text file (default jaychou)")
    add("--max-chars", type=int, default=10_000, help="characters used; 0 = all (default 10000)")
    add("--model", choices=MODELS, default=d.model, help="default scratch")
    add("--sampling", choices=SAMPLINGS, default=d.sampling, help="default random")
    add("--epochs", type=int, default=None, help=f"default {d.epochs}")
    add("--lr", type=float, default=None, help="default: 100 for scratch (SGD), 1e-3 otherwise")
    add("--clip", type=float, default=d.clip, help=f"gradient-norm threshold (default {d.clip})")
    add("--batch-size", type=int, default=d.batch_size, help=f"default {d.batch_size}")
    add("--num-steps", type=int, default=d.num_steps, help=f"default {d.num_steps}")
    add("--hidden", type=int, default=d.hidden, help=f"default {d.hidden}")
    add("--layers", type=int, default=d.layers, help="default 1 (nn models only)")
    add("--device", default=None, help="auto, cpu, cuda or cuda:N (default auto)")
    add("--seed", type=int, default=d.seed, help="default 0")
    add("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    add("--prefixes", default=",".join(d.prefixes), help="comma-separated (default 分开,不分开)")
    add("--pred-period", type=int, default=d.pred_period, help="epochs between predictions")
    add("--pred-len", type=int, default=d.pred_len, help="characters predicted (default 50)")
    add("--jsonl", metavar="PATH", help="write one JSON object per epoch/prediction; - = stdout")
    add("--save", metavar="PATH", help="save the session here at the end (and with --save-every)")
    add("--save-every", type=int, default=0, metavar="N", help="also save every N epochs")
    add("--resume", metavar="PATH",
        help="continue a saved session with its saved settings (to --epochs N); saves back to it")


# Settings a resumed session keeps; only these may be given with --resume.
RESUME_OPTIONS = {"resume", "epochs", "device", "threads", "jsonl", "save", "save_every"}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    prefixes = tuple(p for p in args.prefixes.split(",") if p)
    d = TrainConfig()
    return TrainConfig(
        model=args.model, hidden=args.hidden, layers=args.layers, sampling=args.sampling,
        epochs=d.epochs if args.epochs is None else args.epochs, lr=args.lr, clip=args.clip,
        batch_size=args.batch_size, num_steps=args.num_steps,
        device=args.device or d.device, seed=args.seed, prefixes=prefixes,
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
    reporter = Reporter(None if args.jsonl == "-" else sys.stdout, None, 0)
    try:
        _check_save_options(args)
        trainer, save_path = _resumed(args, reporter) if args.resume else _fresh(args, reporter)
        reporter.jsonl = _open_jsonl(args.jsonl)
    except (ConfigError, CorpusError, DeviceError, SessionError, OSError) as err:
        print(f"rnnplay train: {err}", file=sys.stderr)
        return 2
    reporter.pred_period = trainer.config.pred_period
    saver = PeriodicSave(trainer, save_path, args.save_every) if save_path else None
    if args.jsonl != "-":
        print(_headline(trainer), flush=True)
    status = _train(trainer)
    if saver is not None and status != "aborted":
        try:
            print(f"saved {saver.finish()}", file=sys.stderr)
        except SessionError as err:
            print(f"rnnplay train: {err}", file=sys.stderr)
            return 1
    return {"diverged": 3, "stopped": 130, "aborted": 130}.get(status, 0)


def _check_save_options(args: argparse.Namespace) -> None:
    if args.save_every and not (args.save or args.resume):
        raise ConfigError("--save-every needs --save PATH (or --resume PATH)")
    if args.save_every < 0:
        raise ConfigError("--save-every cannot be negative")
    if args.resume:
        defaults = argparse.ArgumentParser()
        add_arguments(defaults)
        changed = [name for name, value in vars(defaults.parse_args([])).items()
                   if name not in RESUME_OPTIONS and getattr(args, name) != value]
        if changed:
            flags = ", ".join("--" + name.replace("_", "-") for name in changed)
            raise ConfigError(f"a resumed session keeps its saved settings; drop {flags} "
                              "(only --epochs, --device, --threads and saving may change)")


def _fresh(args: argparse.Namespace, reporter: Reporter) -> tuple[Trainer, str | None]:
    config = config_from_args(args)
    config.check()
    resolve_device(config.device)  # before a corpus download that would be wasted
    corpus = load_corpus(args.corpus, args.max_chars, progress=stderr_progress("corpus"))
    return Trainer(corpus, config, on_event=reporter), args.save


def _resumed(args: argparse.Namespace, reporter: Reporter) -> tuple[Trainer, str]:
    session = load_session(args.resume)
    trainer = restore_trainer(session, reporter, args.device, epochs=args.epochs,
                              threads=args.threads)
    for note in session.notes:
        print(f"rnnplay train: note: {note}", file=sys.stderr)
    return trainer, args.save or args.resume


def _headline(trainer: Trainer) -> str:
    cfg, corpus = trainer.config, trainer.corpus
    what = (f"resuming {cfg.model} at epoch {trainer.epoch}" if trainer.epoch or trainer.cursor
            else f"training {cfg.model}")
    return (f"{what} on {corpus.name} ({len(corpus.text)} characters, vocabulary "
            f"{len(corpus.vocab)}) on {trainer.device}: {trainer.target_epochs} epochs, "
            f"{cfg.sampling} sampling, lr {trainer.lr:g}")


def _train(trainer: Trainer) -> str:
    """Run; the first Ctrl-C stops between batches (so a save is clean), a second aborts."""

    def stop_gently(_signum: int, _frame: object) -> None:
        print("\nrnnplay train: stopping after this batch (Ctrl-C again to abort)",
              file=sys.stderr, flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        trainer.stop()

    previous = signal.signal(signal.SIGINT, stop_gently)
    try:
        return trainer.run()
    except KeyboardInterrupt:  # the second Ctrl-C: possibly mid-step, so nothing is saved
        print(f"rnnplay train: aborted in epoch {trainer.epoch + 1}", file=sys.stderr)
        return "aborted"
    finally:
        signal.signal(signal.SIGINT, previous)


def _open_jsonl(path: str | None) -> IO[str] | None:
    if path is None:
        return None
    if path == "-":
        return sys.stdout
    return open(path, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process


