"""The slice of engine/ the app uses, gathered in one object.

The app takes an EnginePort instead of importing engine/ directly so tests can hand it a scripted
fake with the same interface (snapshot tests need fixed data, and the real engine may be slow).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EnginePort:
    TrainConfig: Any
    ConfigError: type[Exception]
    CorpusError: type[Exception]
    load_corpus: Callable[..., Any]
    available_devices: Callable[[], list[tuple[str, str | None]]]
    Trainer: Any
    build_model: Callable[..., Any]
    Completer: Any
    name: str = "engine"


def real_engine() -> EnginePort:
    """The real engine; imported lazily so `--help` and tests never pay for torch."""
    from engine.config import ConfigError, TrainConfig
    from engine.corpus import CorpusError, load_corpus
    from engine.device import available_devices
    from engine.generate import Completer
    from engine.models import build_model
    from engine.train import Trainer

    return EnginePort(
        TrainConfig=TrainConfig,
        ConfigError=ConfigError,
        CorpusError=CorpusError,
        load_corpus=load_corpus,
        available_devices=available_devices,
        Trainer=Trainer,
        build_model=build_model,
        Completer=Completer,
        name="engine",
    )
