"""What the tests share besides fixtures: a small trainer, the command line (in a process or in
this one), the app on the real core with a tiny corpus and its waits, a recorder of the core's
reports, and crafted session files.

Imported by name (`from helpers import make_app`): pytest puts tests/ on the path (pyproject's
`pythonpath`), so no test imports a conftest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from safetensors.torch import save
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from engine import session as sess
from engine.data import corpus as corpus_module
from engine.data import hosted
from engine.data.corpus import Corpus
from engine.generation.generate import Completer
from engine.models.char_rnn import model_for
from engine.playground.events import Event, RunState, StatusChanged
from engine.session import SessionError, load_session
from engine.training.build import build_trainer
from engine.training.events import TrainerEvent
from engine.training.trainer import Trainer
from rnnplay.cli import main
from tui.app import AppOptions, RnnplayApp
from tui.screens.load import LoadScreen
from tui.widgets.prompt import PromptPane

REPO_ROOT = Path(__file__).resolve().parent.parent

# An epoch of a few thousand characters in milliseconds; tests that rely on a size pass it.
SMALL_SETTINGS: dict[str, Any] = {
    "hidden": 16, "batch_size": 4, "num_steps": 8, "epochs": 2, "device": "cpu", "threads": 1,
}


def small_trainer(
    corpus: Corpus, on_event: Callable[[TrainerEvent], None] | None = None, **settings: Any
) -> Trainer:
    """A new run's trainer on `corpus`, built as the app and `rnnplay train` build one
    (engine.training.build), with SMALL_SETTINGS unless `settings` (TrainConfig fields) say."""
    return build_trainer(corpus, {**SMALL_SETTINGS, **settings}, on_event)


INSPECT_TEXT = (
    "the quick brown fox jumps over the lazy dog.\npack my box with five dozen jugs!\n" * 4
)


def small_session(folder: Path, model: str, layers: int) -> Path:
    """A small model of `model` trained one epoch on INSPECT_TEXT (so units and odds differ from
    their initial values), saved with the prompt "the " in `folder`."""
    text_file = folder / "tiny.txt"
    text_file.write_text(INSPECT_TEXT, encoding="utf-8")
    trainer = small_trainer(corpus_module.load_corpus(str(text_file), max_chars=0), model=model,
                            hidden=12, layers=layers, num_steps=5, epochs=1, pred_period=0)
    trainer.run_epoch()
    return sess.save_session(folder / f"{model}.rnnplay", trainer, prompt="the ")


def _cli_env() -> dict[str, str]:
    # The checkout's packages whatever the working directory, and UTF-8 whatever the locale.
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PYTHONIOENCODING": "utf-8"}


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`python -m rnnplay ARGS` in a new process, to its end; its exit code and its output."""
    return subprocess.run([sys.executable, "-m", "rnnplay", *args], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=timeout, env=_cli_env())


# Starts `python -m rnnplay` with Ctrl-C as a shell gives it: delivered and not ignored. A child
# inherits its parent's ignored signals and signal mask, and Python keeps an inherited SIG_IGN for
# SIGINT; a test that sends SIGINT tests rnnplay, not what the pytest worker's other tests left.
_AS_FROM_A_SHELL = ("import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
                    "signal.signal(signal.SIGINT, signal.SIG_DFL); "
                    "os.execv(sys.executable, [sys.executable, '-m', 'rnnplay', *sys.argv[1:]])")


def start_cli(*args: str) -> subprocess.Popen[str]:
    """`python -m rnnplay ARGS` started in a new process (for signals and closed pipes)."""
    return subprocess.Popen([sys.executable, "-c", _AS_FROM_A_SHELL, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO_ROOT, env=_cli_env())


def signal_state(pid: int) -> str:
    """A process's signal dispositions as the kernel holds them (blocked, ignored, caught), for
    a test's message when a signal seemed to do nothing."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "(no /proc status)"
    return " ".join(line.replace("\t", " ") for line in lines
                    if line.startswith(("State", "SigBlk", "SigIgn", "SigCgt")))


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`rnnplay ARGS` in this process: (exit code, stdout, stderr)."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err

# Small enough that an epoch takes milliseconds, long enough for the book's two prefixes. Kept
# in the repository and named relative to the working directory, so snapshots show one path.
TINY_FILE = Path(__file__).parent / "tui" / "tiny_lyrics.txt"
TINY_TEXT = TINY_FILE.read_text(encoding="utf-8")
TINY_SETUP = {
    "max_chars": "0",
    "hidden": "16",
    "batch_size": "4",
    "num_steps": "8",
    "lr": "30",
    "epochs": "20",
    "pred_period": "10",
    "pred_len": "20",
    "device": "cpu",
}

def make_app(
    train: bool = False, prompt: str = "", load: str | None = None, **setup: str
) -> RnnplayApp:
    values = {"corpus": os.path.relpath(TINY_FILE), **TINY_SETUP, **setup}
    return RnnplayApp(AppOptions(train=train, setup=values, prompt=prompt, load=load))


# The book's own corpus, cut small: for the app's tests of what it does with jaychou's files
# (saving, loading, the sessions listed), where the tiny text file would not do.
JAYCHOU_SMALL = {
    "corpus": "jaychou",
    "max_chars": "2000",
    "hidden": "32",
    "batch_size": "8",
    "num_steps": "10",
    "epochs": "3",
    "device": "cpu",
}


def jaychou_app(
    train: bool = False, prompt: str = "", load: str | None = None, **setup: str
) -> RnnplayApp:
    options = AppOptions(train=train, setup={**JAYCHOU_SMALL, **setup}, prompt=prompt, load=load)
    return RnnplayApp(options)


def trainer_of(app: RnnplayApp, run_id: int = 1) -> Trainer:
    """The trainer of the app's run `run_id` (the core's own object)."""
    return app.playground._runs[run_id].trainer


def prompt_of(app: RnnplayApp) -> PromptPane:
    return app.query_one(PromptPane)


SETTLE_EVERY_S = 0.5  # how often wait_for lets the pilot settle the app while a condition waits


async def wait_for(
    pilot: Pilot, condition: Callable[[], bool], timeout: float = 15.0, what: str = ""
) -> None:
    """Let the app run until `condition` holds (the threads post to it asynchronously).

    The timeout is generous: it only bounds a hang, and a busy 2-core CI box is slow.

    Between checks the app runs on its own (its timers repaint it); the pilot's settling (every
    widget handed a message, the screen updated) comes once the condition holds, and the
    condition is checked again after it. Settling at every check cost ~0.1 CPU-second a second
    of waiting, a plain sleep an eighth of that: across hundreds of Pilot tests, a minute of CPU.
    It still settles twice a second: once in CI a finished run's snapshot test timed out
    waiting for the runs table to take its height from its row, which the settling at every
    check had never let happen; settling now and then is the cheap part of that.
    """
    deadline = time.monotonic() + timeout
    settle_at = time.monotonic() + SETTLE_EVERY_S
    while True:
        if condition():
            await pilot.pause(0)
            if condition():
                return
        now = time.monotonic()
        if now > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        if now > settle_at:
            settle_at = now + SETTLE_EVERY_S
            await pilot.pause(0)
        else:
            await asyncio.sleep(0.02)


async def pause_once_running(pilot: Pilot, app: RnnplayApp) -> None:
    """Wait for the selected run to train, then pause it with F6 and wait for the pause."""
    await wait_for(pilot, lambda: app.state == "running", what="training")
    await pilot.press("f6")
    await wait_for(pilot, lambda: app.state == "paused", what="paused")


async def prompt_settled(pilot: Pilot, app: RnnplayApp) -> None:
    """Wait until the prompt pane holds every completion of what is typed (the selected run's,
    or each marked run's line) and is laid out at the height they need: it grows at once, but
    shrinks only SHRINK_AFTER_S after typing pauses (tui/widgets/prompt_height.py), which a fixed
    1.5 s pause used to sit out whatever the machine's speed."""
    prompt = prompt_of(app)

    def settled() -> bool:
        if prompt.marked.runs:
            completed = all(prompt.line_of(line.run_id) for line in prompt.marked.runs)
        else:
            completed = prompt._completed_for == prompt.text
        return completed and prompt.height_settled

    await wait_for(pilot, settled, what="the prompt's completions and its height settled")


async def new_lr(
    pilot: Pilot, app: RnnplayApp, lr: str, while_open: Callable[[], None] | None = None
) -> None:
    """F8, `lr` typed into its dialog (`while_open` checks it first) and Enter; returns once
    the dialog has gone."""
    await pilot.press("f8")
    await wait_for(pilot, lambda: app.screen.query("#new-lr"), what="the lr dialog")
    if while_open is not None:
        while_open()
    app.screen.query_one("#new-lr", Input).value = lr
    await pilot.press("enter")
    await wait_for(pilot, lambda: not app.screen.query("#new-lr"), what="the dialog gone")


async def both_train_then_new_lr(pilot: Pilot, app: RnnplayApp, lr: float) -> None:
    """Runs 1 and 2 (a grid) training, then F8 gives the selected one, #2, `lr`."""
    await wait_for(pilot, lambda: app.playground.training_runs() == [1, 2], timeout=30,
                   what="both train")  # fmt: skip
    await new_lr(pilot, app, f"{lr:g}")
    await wait_for(pilot, lambda: app.playground.summary(2).config.lr == lr, what=f"lr {lr:g}")


async def listed_saves(pilot: Pilot, app: RnnplayApp, rows: int) -> DataTable:
    """ctrl+o, then the load dialog's table of saves once it lists `rows` of them."""
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, LoadScreen), what="load screen")
    table = app.screen.query_one("#saves", DataTable)
    await wait_for(pilot, lambda: table.row_count == rows, what="listed")
    return table


def notified(app: RnnplayApp, words: str) -> bool:
    """Whether a toast containing `words` (in its title or message) was shown."""
    return any(words in f"{n.title} {n.message}" for n in app._notifications)



# -- the playground core, without a UI -------------------------------------------------------
# A run that trains in milliseconds on a small text file.
TINY_RUN = dict(hidden=16, batch_size=4, num_steps=6, lr=1.0, device="cpu", pred_period=0)
# ... that trains until it is stopped.
FOREVER_RUN = dict(TINY_RUN, epochs=100000)


class Recorder:
    """Collects (run_id, event) reports and waits for one that matches."""

    def __init__(self) -> None:
        self.reports: list[tuple[int | None, Event]] = []
        self._cond = threading.Condition()

    def __call__(self, run_id: int | None, event: Event) -> None:
        with self._cond:
            self.reports.append((run_id, event))
            self._cond.notify_all()

    def wait(self, match: Callable[[int | None, Event], bool], timeout: float = 30.0) -> Event:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for run_id, event in self.reports:
                    if match(run_id, event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching report in {timeout} s: {self.reports[-5:]}")
                self._cond.wait(left)

    def of(self, kind: type, run_id: int | None = None) -> list:
        with self._cond:
            return [
                e
                for r, e in self.reports
                if isinstance(e, kind) and (run_id is None or r == run_id)
            ]

    def status(self, run_id: int, status: RunState, timeout: float = 30.0) -> StatusChanged:
        return self.wait(  # type: ignore[return-value]
            lambda r, e: r == run_id and isinstance(e, StatusChanged) and e.status == status,
            timeout,
        )


# -- crafted session files -----------------------------------------------------------------
def header_of(path: Path) -> tuple[int, dict[str, Any]]:
    """(header length, header JSON) of a safetensors file, read as any reader would."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    return n, json.loads(data[8 : 8 + n])


def write_with_meta(path: Path, source: Path, meta_text: str) -> None:
    """`source`'s tensors and data checksum with another meta document (checksum recomputed):
    a crafted file that every integrity check accepts."""
    with sess.container.open_container(source, fmt=sess.FORMAT, max_version=99) as c:
        tensors, data_sha = c.tensors(), c.header.data_sha256
    metadata = {"format": sess.FORMAT, "format_version": str(sess.FORMAT_VERSION),
                "meta": meta_text, "meta_sha256": hashlib.sha256(meta_text.encode()).hexdigest(),
                "data_sha256": data_sha}
    path.write_bytes(save(tensors, metadata=metadata))


def meta_of(path: Path) -> dict[str, Any]:
    return json.loads(header_of(path)[1]["__metadata__"]["meta"])


def refused(path: Path, *words: str) -> str:
    """load_session's refusal of `path`: one line naming the file and each of `words`."""
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    for word in words:
        assert word in message, message
    return message


def time_machine_text() -> str:
    """A stand-in for the book's timemachine.txt (never the real one, which is not ours to
    commit): Wells-like lines with capitals, digits, punctuation and blank lines, ~20,000
    characters, the same every time."""
    rng = random.Random(19)
    words = ("the", "time", "traveller", "machine", "Filby", "said", "and", "of", "a", "to",
             "was", "it", "in", "that", "his", "fourth", "dimension", "Psychologist", "1895")
    lines = ["The Time Machine, by H. G. Wells [1898]", "", "", "I", ""]
    while sum(map(len, lines)) < 20_000:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
        lines.append(line + rng.choice((".", ",", ";", "!", " --", "")))
        if rng.random() < 0.1:
            lines.append("")
    return "\n".join(lines) + "\n"


def time_machine_copy(corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """time_machine_text() put where load_corpus("timemachine") looks (RNNPLAY_CORPUS_DIR ->
    corpus_dir), accepted as the book's file for this test only; returns the text."""
    text = time_machine_text()
    corpus_dir.mkdir(parents=True, exist_ok=True)
    (corpus_dir / hosted.TIMEMACHINE_FILE).write_text(text, encoding="utf-8")
    sha1 = hashlib.sha1(text.encode()).hexdigest()
    book = hosted.HOSTED["timemachine"]
    monkeypatch.setitem(hosted.HOSTED, "timemachine", replace(book, sha1=sha1))
    monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(corpus_dir))
    return text


def greedy(trainer: Trainer, text: str, n: int) -> str:
    """The run's own greedy completion of `text`, from the weights its trainer last published:
    what the prompt should show for it."""
    cfg = trainer.config
    completer = Completer(model_for(cfg, len(trainer.corpus.vocab)), trainer.corpus.vocab)
    completer.load_weights(trainer.snapshots.latest()[1])
    completer.set_text(text)
    return completer.complete(n)
