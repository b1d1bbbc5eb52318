"""The fake engine's sessions: the names and behaviour of engine.session, as JSON files."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fake_corpus import Corpus, Vocab, load_corpus
from fake_trainer import Trainer

from engine.config import TrainConfig

SAVE_DIR_ENV = "RNNPLAY_SAVE_DIR"
FAKE_FORMAT = "fake-rnnplay-session"


class SessionError(Exception):
    pass


@dataclass(frozen=True)
class SessionInfo:
    path: Path
    model: str
    epoch: int
    perplexity: float | None
    corpus: str
    saved_at: str


@dataclass(frozen=True)
class CorpusRef:
    name: str
    sha256: str
    max_chars: int
    vocab_size: int


@dataclass
class Session:
    path: Path
    saved_at: str
    config: TrainConfig
    corpus: CorpusRef
    vocab: Vocab
    prompt: str
    state: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def epoch(self) -> int:
        return int(self.state["epoch"])

    @property
    def perplexity(self) -> float | None:
        history = self.state["history"]
        return float(history[-1]["perplexity"]) if history else None


def default_save_dir() -> Path:
    env = os.environ.get(SAVE_DIR_ENV)
    return Path(env).expanduser() if env else Path("saves")


def suggest_path(trainer: Trainer, directory: Path | None = None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{Path(trainer.corpus.name).stem}-{trainer.config.model}-e{trainer.epoch}-{stamp}"
    return (directory or default_save_dir()) / f"{name}.rnnplay"


def session_bytes(trainer: Trainer, prompt: str = "") -> bytes:
    state = trainer.state_dict()
    history = state["history"]
    doc = {
        "format": FAKE_FORMAT,
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "summary": {
            "model": trainer.config.model,
            "epoch": trainer.epoch,
            "perplexity": history[-1]["perplexity"] if history else None,
            "corpus": trainer.corpus.name,
        },
        "corpus": {"name": trainer.corpus.name, "max_chars": len(trainer.corpus.text)},
        "prompt": prompt,
        "trainer": state,
    }
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def write_session(path: str | Path, data: bytes) -> Path:
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    except OSError as e:
        raise SessionError(f"cannot save to {target}: {e.strerror or e}") from None
    return target


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as e:
        raise SessionError(f"cannot load {path}: {e.strerror or e}") from None
    except ValueError:
        raise SessionError(f"cannot load {path}: not an rnnplay session file") from None
    if not isinstance(doc, dict) or doc.get("format") != FAKE_FORMAT:
        raise SessionError(f"cannot load {path}: not an rnnplay session file")
    return doc


def load_session(path: str | Path) -> Session:
    source = Path(path).expanduser()
    doc = _read(source)
    state = doc["trainer"]
    corpus = load_corpus(doc["corpus"]["name"], max_chars=doc["corpus"]["max_chars"])
    return Session(
        path=source,
        saved_at=doc["saved_at"],
        config=TrainConfig.from_dict(state["config"]),
        corpus=CorpusRef(corpus.name, corpus.sha256, len(corpus.text), len(corpus.vocab)),
        vocab=corpus.vocab,
        prompt=doc["prompt"],
        state=state,
    )


def restore_trainer(
    session: Session,
    on_event: Callable[[Any], None] | None = None,
    device: str | None = None,
    *,
    epochs: int | None = None,
    threads: int | None = None,
    corpus: Corpus | None = None,
) -> Trainer:
    text = corpus or load_corpus(session.corpus.name, max_chars=session.corpus.max_chars)
    config = TrainConfig.from_dict(session.state["config"])
    if epochs is not None:
        config = replace(config, epochs=epochs)
    # As the engine: the saved state's epoch target gives way to the new one.
    state = {**session.state, "config": {**session.state["config"], "epochs": config.epochs}}
    trainer = Trainer(text, config, on_event)
    trainer.load_state_dict(state)
    return trainer


def list_sessions(directory: str | Path | None = None) -> list[SessionInfo]:
    folder = Path(directory) if directory is not None else default_save_dir()
    infos = []
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        try:
            doc = _read(path)
        except SessionError:
            continue
        s = doc["summary"]
        infos.append(
            SessionInfo(path, s["model"], s["epoch"], s["perplexity"], s["corpus"], doc["saved_at"])
        )
    return sorted(infos, key=lambda i: i.saved_at, reverse=True)
