"""The session types and format constants (the file format is described in
engine/session/__init__.py), apart so every module of the package can use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine.config import TrainConfig
from engine.data.vocab import Vocab
from engine.generation.prompt_settings import PromptSettings
from engine.models.char_rnn import CharRNN, model_for

FORMAT = "rnnplay-session"
FORMAT_VERSION = 2  # 2: data_sha256 per tensor, written by safetensors itself (1 still loads)
SUFFIX = ".rnnplay"


class SessionError(Exception):
    """A session cannot be saved or loaded; str(error) is a complete message for the user."""


@dataclass(frozen=True)
class SessionInfo:
    """What a load screen lists; read from the header only.

    A file that is not a readable session has `problem` set (why, in one line, for the user);
    its other fields are then empty ("" / 0 / None) except path and saved_at (the file's
    modification time), so it can be listed and sorted with the others.
    """

    path: Path
    model: str
    epoch: int
    perplexity: float | None
    corpus: str
    saved_at: str  # "2026-01-01T12:00:00Z" (UTC)
    problem: str | None = None  # None for a readable session
    label: str = ""  # the run's name in the app ("#6 scratch·lr 10"); "" if it had none
    diverged: bool = False  # its run diverged: loaded, it is shown, never trained on
    lr: float | None = None  # the lr it trained at when saved (F8 may have changed its label's)

    @property
    def readable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class CorpusRef:
    name: str  # "jaychou", "timemachine", "pysrc" or the absolute path of a text file
    sha256: str  # of the normalised text the model was trained on
    max_chars: int  # load_corpus(name, max_chars, preprocess=...) gives that text again
    vocab_size: int
    preprocess: str = "none"  # what was done to the text first (absent from older files)


@dataclass
class Session:
    """A loaded, verified session (tensors on the CPU). Build a trainer with restore_trainer."""

    path: Path
    format_version: int
    saved_at: str
    config: TrainConfig
    corpus: CorpusRef
    vocab: Vocab
    prompt: str
    state: dict[str, Any]  # trainer_state() as saved
    environment: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # things a user should know (device fallback)
    label: str = ""  # the run's name in the app when it was saved ("" from the command line)
    # how the app's prompt completed (None: saved from the command line, or before they were kept)
    prompt_settings: PromptSettings | None = None
    # Why its run diverged (the trainer's message) when it was saved diverged; "" otherwise or
    # from before saves said so. Its weights are from before the bad step, which training on
    # would take again: the app loads it as diverged, `train --resume` refuses it.
    diverged: str = ""

    @property
    def epoch(self) -> int:
        return int(self.state["epoch"])

    @property
    def perplexity(self) -> float | None:
        history = self.state["history"]
        return float(history[-1]["perplexity"]) if history else None

    def build_model(self, device: torch.device | str = "cpu") -> CharRNN:
        """A fresh copy of the saved model (for a Completer; never a training model)."""
        cfg = self.config
        model = model_for(cfg, len(self.vocab))
        model.load_state_dict(self.state["model"])
        return model.to(device).eval()
