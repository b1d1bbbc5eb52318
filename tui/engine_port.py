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
    # engine.session: the app saves through session_bytes (trainer thread) + write_session.
    SessionError: type[Exception]
    session_bytes: Callable[..., bytes]
    write_session: Callable[..., Any]
    load_session: Callable[..., Any]
    restore_trainer: Callable[..., Any]
    list_sessions: Callable[..., list[Any]]
    suggest_path: Callable[..., Any]
    default_save_dir: Callable[[], Any]
    name: str = "engine"


def real_engine() -> EnginePort:
    """The real engine; imported lazily so `--help` and tests never pay for torch."""
    from engine.config import ConfigError, TrainConfig
    from engine.corpus import CorpusError, load_corpus
    from engine.device import available_devices
    from engine.generate import Completer
    from engine.models import build_model
    from engine.session import (
        SessionError,
        default_save_dir,
        list_sessions,
        load_session,
        restore_trainer,
        session_bytes,
        suggest_path,
        write_session,
    )
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
        SessionError=SessionError,
        session_bytes=session_bytes,
        write_session=write_session,
        load_session=load_session,
        restore_trainer=restore_trainer,
        list_sessions=list_sessions,
        suggest_path=suggest_path,
        default_save_dir=default_save_dir,
        name="engine",
    )
