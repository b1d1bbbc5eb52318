"""What the trainer thread works with: requests, the run it holds, and its event handler.

Plain values and small functions, apart from TrainerDriver so both stay short.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message

from engine.events import BatchEnd, EpochEnd, Event, Sample, StatusChanged
from tui.messages import EpochPoint, Progress, RunInfo, SampleText, StatusChange

# Per-batch updates are throttled on the trainer thread: posting every batch would flood the
# UI's message queue at thousands of batches per second on small corpora.
PROGRESS_INTERVAL_S = 0.1


@dataclass
class RunRequest:
    corpus: str
    max_chars: int
    config: dict[str, Any]
    label: str = ""


@dataclass
class LoadRequest:
    path: str


@dataclass
class ContinueRequest:
    run_id: int
    epochs: int | None = None


@dataclass
class Quit:
    pass


Request = RunRequest | LoadRequest | ContinueRequest | Quit


@dataclass
class ActiveRun:
    run_id: int
    trainer: Any
    corpus: Any
    config: Any
    info: RunInfo
    epochs: int  # the target epoch count (changes when a parked run continues further)
    path: Path | None = None  # the session file it was loaded from or last saved to
    # Batches trained since this trainer was built or loaded, counted on the trainer thread; a
    # save records the count it captured, so "unsaved progress" is a plain comparison.
    progress: int = 0
    saved_progress: int = 0
    running: bool = False
    state: str = "idle"  # "loaded" before a loaded session runs, else the last run status
    setup: dict[str, str] | None = None  # a loaded session's settings, as setup-pane text

    @property
    def unsaved(self) -> bool:
        return self.progress != self.saved_progress


def setup_text(value: float) -> str:
    """A number as the setup pane shows it: short, but never losing precision."""
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def event_handler(
    post: Callable[[Message], Any],
    run_id: int,
    ref: list[ActiveRun],
    closing: Callable[[], bool],
) -> Callable[[Any], None]:
    """A trainer's on_event: engine events become app messages (runs on the trainer thread).

    `ref` holds the run once its Trainer exists (the constructor may already emit events);
    `closing` says the app is going away, so the trainer stops at the next batch.
    """
    last_post = 0.0

    def on_event(event: Event) -> None:
        # Once per batch at most: keep it cheap.
        nonlocal last_post
        if ref and closing():
            ref[0].trainer.stop()
        if isinstance(event, BatchEnd):
            if ref:
                ref[0].progress += 1
            now = time.monotonic()
            if now - last_post < PROGRESS_INTERVAL_S and event.batch < event.batches:
                return
            last_post = now
            post(
                Progress(
                    run_id, event.epoch, event.batch, event.batches, event.loss,
                    event.chars_per_sec,
                )
            )  # fmt: skip
        elif isinstance(event, EpochEnd):
            post(
                EpochPoint(
                    run_id, event.epoch, event.epochs, event.perplexity, event.seconds,
                    event.chars_per_sec, event.grad_norm, event.lr,
                )
            )  # fmt: skip
        elif isinstance(event, Sample):
            post(SampleText(run_id, event.epoch, event.prefix, event.text))
        elif isinstance(event, StatusChanged):
            post(StatusChange(run_id, event.status, event.message))

    return on_event


def run_info(run_id: int, label: str, config: Any, corpus: Any, trainer: Any) -> RunInfo:
    return RunInfo(
        run_id=run_id,
        label=label or f"#{run_id} {config.model}·{config.sampling}",
        model=config.model,
        sampling=config.sampling,
        epochs=config.epochs,
        lr=config.learning_rate,
        clip=config.clip,
        vocab_size=len(corpus.vocab),
        device=str(getattr(trainer, "device", config.device)),
        corpus=getattr(corpus, "name", ""),
        prefixes=tuple(config.prefixes),
    )


def loaded_setup(corpus_ref: Any, config: Any) -> dict[str, str]:
    """A restored trainer's settings as the setup pane's field text (ids as in SetupPane)."""
    return {
        "corpus": str(corpus_ref.name),
        "max_chars": str(corpus_ref.max_chars),
        "model": config.model,
        "sampling": config.sampling,
        "layers": str(config.layers),
        "hidden": str(config.hidden),
        "lr": setup_text(config.learning_rate),
        "clip": setup_text(config.clip),
        "batch_size": str(config.batch_size),
        "num_steps": str(config.num_steps),
        "epochs": str(config.epochs),
        "device": str(config.device),
    }
