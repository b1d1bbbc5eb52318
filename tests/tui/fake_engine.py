"""A scripted engine with the real engine's interface (engine/API.md), for UI tests.

Deterministic: perplexity follows a fixed curve, samples and completions are drawn from the
corpus text, and nothing touches torch, so snapshot tests render the same frame every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_corpus import TEXT, CorpusError, Vocab, load_corpus
from fake_sessions import (
    SessionError,
    default_save_dir,
    list_sessions,
    load_session,
    restore_trainer,
    session_bytes,
    suggest_path,
    write_session,
)
from fake_trainer import Script, Trainer

from engine.config import ConfigError, TrainConfig
from tui.engine_port import EnginePort

# What tests take from here besides fake_engine(): the fake's parts, under the engine's names.
__all__ = [
    "Completer",
    "Script",
    "TrainConfig",
    "Trainer",
    "fake_engine",
    "load_corpus",
    "session_bytes",
    "write_session",
]


def available_devices() -> list[tuple[str, str | None]]:
    # Like engine.device: concrete devices only; the setup pane adds "auto" itself.
    return [("cpu", None), ("cuda", "no CUDA device (torch built without CUDA)")]


@dataclass
class FakeModel:
    kind: str
    vocab_size: int
    hidden: int = 256
    layers: int = 1


def build_model(kind: str, vocab_size: int, hidden: int = 256, layers: int = 1) -> FakeModel:
    return FakeModel(kind, vocab_size, hidden, layers)


class Completer:
    """Greedy 'rollout': continues the corpus after the last known character."""

    loads: list[int] = []  # every weights version loaded, across instances (for tests)

    def __init__(self, model: FakeModel, vocab: Vocab) -> None:
        self.model = model
        self.vocab = vocab
        self.text = ""
        self.version = 0

    def set_text(self, text: str) -> None:
        self.text = text

    def push(self, ch: str) -> None:
        self.text += ch

    def pop(self) -> None:
        self.text = self.text[:-1]

    @property
    def unknown(self) -> list[str]:
        return [c for c in self.text if c not in self.vocab]

    def load_weights(self, state_dict: dict[str, Any]) -> None:
        self.version = int(state_dict.get("version", 0))
        Completer.loads.append(self.version)

    def complete(self, n: int) -> str:
        known = [c for c in self.text if c in self.vocab]
        start = (TEXT.find(known[-1]) + 1) if known else 0
        return (TEXT[start:] + TEXT)[:n]


def fake_engine() -> EnginePort:
    return EnginePort(
        TrainConfig=TrainConfig,
        ConfigError=ConfigError,
        CorpusError=CorpusError,
        load_corpus=load_corpus,
        available_devices=available_devices,
        Trainer=Trainer,
        build_model=build_model,
        Completer=Completer,
        SessionError=SessionError,
        session_bytes=session_bytes,
        write_session=write_session,
        load_session=load_session,
        restore_trainer=restore_trainer,
        list_sessions=list_sessions,
        suggest_path=suggest_path,
        default_save_dir=default_save_dir,
        name="fake",
    )
