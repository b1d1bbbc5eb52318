"""A headless training run, once rnnplay/train_cmd.py has checked its options: the book's
progress lines (or JSON lines), periodic and final saves, and the signals that stop it."""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from engine.config import ConfigError, CorpusConfig, TrainConfig, specs
from engine.data.corpus import CorpusError, load_corpus
from engine.data.download import stderr_progress
from engine.playground.events import Event
from engine.session import (
    PeriodicSave,
    SaveLock,
    Session,
    SessionError,
    check_save_target,
    load_session,
    restore_trainer,
)
from engine.session.export import event_record
from engine.training.build import build_trainer
from engine.training.device import DeviceError, resolve_device
from engine.training.events import EpochEnd, RunState, Sample, StatusChanged
from engine.training.overfitting import BaselineWatch
from engine.training.trainer import Trainer
from rnnplay.headless import Output, StopSignals, say
from rnnplay.options import as_typed, given

EXIT_STATUS = {RunState.FINISHED: 0, RunState.DIVERGED: 3}


class Reporter:
    """Turns trainer events into the book's lines on stdout and/or JSON lines.

    The book prints an epoch's line with its samples (every pred_period epochs) and after the
    last epoch; samples taken by time (pred_seconds) within an epoch get a line of their own
    saying where training is."""

    def __init__(self, book: Output | None, jsonl: Output | None = None) -> None:
        self.book, self.jsonl, self.pred_period = book, jsonl, 0
        self._end: EpochEnd | None = None  # the latest epoch, until its line is printed
        self._placed = -1  # the step the latest printed line stands for
        self.overfit: BaselineWatch | None = None  # says once when the run starts to overfit

    def watch_overfitting(self, trainer: Trainer) -> None:
        """Say on stderr, once, the epoch the run starts to overfit (as the app's log does); a
        resumed run's epochs are read first, so what it said before is not said again."""
        self.overfit = BaselineWatch.after(len(trainer.corpus.vocab), trainer.history)

    def __call__(self, event: Event) -> None:
        if isinstance(event, EpochEnd):
            self._json(event_record(event))
            self._end = event
            note = self.overfit.add(event, "rnnplay train") if self.overfit else None
            if note is not None:
                say(note)
            last = event.epoch == event.epochs
            if last or (self.pred_period and event.epoch % self.pred_period == 0):
                self._epoch_line()
        elif isinstance(event, Sample):
            self._json(event_record(event))
            if self._end is not None and self._end.step == event.step:
                self._epoch_line()  # an epoch's samples, taken by time: its line first
            elif event.step != self._placed:
                self._write(f"step {event.step} (in epoch {event.epoch + 1})")
                self._placed = event.step
            self._write(f" - {event.text}")
        elif isinstance(event, StatusChanged) and event.status == RunState.DIVERGED:
            say(f"rnnplay: {event.message}")

    def _epoch_line(self) -> None:
        end, self._end = self._end, None
        if end is None:
            return
        val = "" if end.val_perplexity is None else f", val perplexity {end.val_perplexity:.2f}"
        self._write(f"epoch {end.epoch}, perplexity {end.perplexity:.2f}{val}, "
                    f"time {end.seconds:.2f} sec")
        self._placed = end.step

    def _write(self, line: str) -> None:
        if self.book:
            self.book.write(line)

    def _json(self, obj: dict[str, Any] | None) -> None:
        if self.jsonl and obj is not None:
            self.jsonl.write(json.dumps(obj, ensure_ascii=False))


def train(args: argparse.Namespace, fresh: tuple[CorpusConfig, TrainConfig] | None,
          signals: StopSignals, held: contextlib.ExitStack) -> int:
    """The run `args` ask for: a new one on `fresh` (its corpus and settings, checked), or with
    None the --resume session's. `held` keeps the save path locked (SaveLock) until the run's
    last save is written."""
    stdout = Output(sys.stdout, "stdout", "training goes on without progress lines")
    reporter = Reporter(None if args.jsonl == "-" else stdout)
    try:
        save_path = args.save or args.resume
        if save_path:  # checked now, not after training
            check_writable(Path(save_path))
            held.enter_context(SaveLock(save_path))
        session = None
        if fresh is None:
            session = load_session(args.resume)
            trainer = _resumed(session, args, reporter)
        else:
            trainer = _fresh(args, *fresh, reporter)
        if args.resume and trainer.epoch >= trainer.target_epochs:
            say(f"rnnplay train: nothing to train: {args.resume} has trained {trainer.epoch} "
                f"epochs and --epochs is {trainer.target_epochs}; the file is left as it was "
                f"(give --epochs above {trainer.epoch} to train on)")
            return 0
        reporter.jsonl = _open_jsonl(args.jsonl, stdout)
    except CorpusError as err:
        say(f"rnnplay train: {as_typed(err)}")
        return 2
    except (ConfigError, DeviceError, SessionError, OSError) as err:
        say(f"rnnplay train: {err}")
        return 2
    reporter.pred_period = trainer.config.pred_period
    reporter.watch_overfitting(trainer)
    saver = None
    if save_path:
        # A resumed session is saved with what the app left in it beside the trainer.
        kept = ({"prompt": session.prompt, "label": session.label,
                 "prompt_settings": session.prompt_settings} if session else {})
        saver = PeriodicSave(trainer, save_path, args.save_every,
                             on_error=lambda err: say(f"rnnplay train: {err}; training goes on"),
                             **kept)
    if args.jsonl != "-":
        stdout.write(_headline(trainer))
    status = signals.train(trainer)
    if reporter.jsonl:
        reporter.jsonl.close()
    if saver is not None and status != "aborted":
        try:
            say(f"saved {saver.finish()}")
        except SessionError as err:
            say(f"rnnplay train: {err}")
            return 1
    return EXIT_STATUS.get(status, signals.exit_status)


def check_writable(path: Path) -> None:
    """Raise OSError with a one-line reason unless a session can be saved at `path`: what the
    save itself refuses (engine.session.check_save_target: a directory, a special file, a link,
    a folder without write permission), and a folder that refuses a new file even to root
    (/proc, a read-only mount), found by creating one there as the atomic save would."""
    try:
        target = check_save_target(path)
    except SessionError as err:
        raise OSError(str(err)) from None
    if not target.parent.is_dir():
        return  # the save creates the missing folders, inside one check_save_target approved
    try:
        fd, probe = tempfile.mkstemp(dir=target.parent, prefix=".rnnplay-check-")
    except OSError as err:
        raise OSError(f"cannot save to {path}: cannot create a file in {target.parent} "
                      f"({err.strerror})") from None
    os.close(fd)
    os.unlink(probe)


def _fresh(args: argparse.Namespace, source: CorpusConfig, config: TrainConfig,
           reporter: Reporter) -> Trainer:
    resolve_device(config.device)  # refused before a corpus download that would be wasted
    corpus = load_corpus(source.corpus, source.max_chars, progress=stderr_progress("corpus"),
                         preprocess=source.preprocess)
    return build_trainer(corpus, given(args, TrainConfig), reporter)


def _resumed(session: Session, args: argparse.Namespace, reporter: Reporter) -> Trainer:
    settings = given(args, TrainConfig)
    shown = {spec.name: settings[spec.name] for spec in specs(TrainConfig)
             if spec.setting.shown_only and spec.name in settings}
    trainer = restore_trainer(session, reporter, settings.get("device"),
                              epochs=settings.get("epochs"), threads=settings.get("threads"),
                              shown=shown)
    for note in session.notes:
        say(f"rnnplay train: note: {note}")
    return trainer


def _headline(trainer: Trainer) -> str:
    cfg, corpus = trainer.config, trainer.corpus
    what = (f"resuming {cfg.model} at epoch {trainer.epoch}" if trainer.epoch or trainer.cursor
            else f"training {cfg.model}")
    held_out = trainer.held_out
    return (f"{what} on {corpus.name} ({len(corpus.text)} characters, vocabulary "
            f"{len(corpus.vocab)}) on {trainer.device}: {trainer.target_epochs} epochs, "
            f"{cfg.sampling} sampling, lr {trainer.lr:g}"
            + (f", at most {cfg.epoch_batches:,} batches an epoch" if cfg.epoch_batches else "")
            + (f"; validation on {held_out.describe()}" if held_out else ""))


def _open_jsonl(path: str | None, stdout: Output) -> Output | None:
    if path is None:
        return None
    if path == "-":
        return stdout
    try:  # lives as long as the run; Output closes it
        stream = _open_fifo(path) if _is_fifo(path) else _open_text(path)
    except OSError as err:
        raise OSError(f"cannot write JSON lines to {path}: {err.strerror}") from None
    return Output(stream, path, "JSON lines stop here, training goes on")


def _open_text(path: str) -> IO[str]:
    return open(path, "w", encoding="utf-8")  # noqa: SIM115


def _is_fifo(path: str) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def _open_fifo(path: str) -> IO[str]:
    """A FIFO opened for writing: at once if a program reads it, else after saying that the run
    waits for one (opening blocks until then; Ctrl-C gives up, before training)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as err:
        if err.errno != errno.ENXIO:  # ENXIO: no reader yet
            raise
        say(f"rnnplay train: waiting for a program to read the FIFO {path} (Ctrl-C gives up)")
        return _open_text(path)
    os.set_blocking(fd, True)  # a slow reader then slows the lines, never drops them
    return os.fdopen(fd, "w", encoding="utf-8")
