"""A scripted engine with the real engine's interface (engine/API.md), for UI tests.

Deterministic: perplexity follows a fixed curve, samples and completions are drawn from the
corpus text, and nothing touches torch, so snapshot tests render the same frame every time.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from tui.engine_port import EnginePort

TEXT = (
    "想要有直升机 想要和你飞到宇宙去 想要和你融化在一起 融化在宇宙里 "
    "我每天每天每天在想想想想著你 这样的甜蜜 让我开始相信命运 感谢地心引力 让我碰到你 "
    "分开 不分开 我不能再想 我不能再想 我不 我不 我不能 爱情走的太快就像龙卷风 "
    "不能承受我已无处可躲 我不要再想 我不要再想 我不 我不 我不要再想你 "
)


class ConfigError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field  # the TrainConfig field at fault, as in engine.config


class CorpusError(Exception):
    pass


@dataclass
class TrainConfig:
    model: str = "scratch"
    hidden: int = 256
    layers: int = 1
    sampling: str = "random"
    epochs: int = 250
    lr: float | None = None
    clip: float = 0.01
    batch_size: int = 32
    num_steps: int = 35
    device: str = "auto"
    seed: int = 0
    prefixes: tuple[str, ...] = ("分开", "不分开")
    pred_period: int = 50
    pred_len: int = 50
    threads: int | None = None

    @property
    def learning_rate(self) -> float:
        if self.lr is not None:
            return float(self.lr)
        return 100.0 if self.model == "scratch" else 1e-3

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["prefixes"] = list(self.prefixes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def check(self, corpus_length: int | None = None) -> None:
        lr = self.learning_rate
        if not math.isfinite(lr) or lr <= 0:
            raise ConfigError(f"lr must be a positive number, not {lr}", "lr")
        if self.model not in ("scratch", "rnn", "gru", "lstm"):
            raise ConfigError(f"unknown model {self.model!r}", "model")
        if self.model == "scratch" and self.layers != 1:
            raise ConfigError(
                "the scratch model has one layer; use rnn/gru/lstm for --layers", "layers"
            )
        if corpus_length is not None and self.batch_size * self.num_steps >= corpus_length:
            raise ConfigError(
                f"the corpus has {corpus_length} characters, too few for one batch of "
                f"{self.batch_size} x {self.num_steps} steps; lower the batch size or steps",
                "batch_size",
            )


class Vocab:
    def __init__(self, text: str) -> None:
        self.idx_to_char = sorted(set(text))
        self.char_to_idx = {c: i for i, c in enumerate(self.idx_to_char)}

    def __len__(self) -> int:
        return len(self.idx_to_char)

    def __contains__(self, ch: object) -> bool:
        return ch in self.char_to_idx

    def encode(self, text: str) -> tuple[list[int], list[str]]:
        known = [self.char_to_idx[c] for c in text if c in self.char_to_idx]
        return known, [c for c in text if c not in self.char_to_idx]

    def decode(self, idx: list[int]) -> str:
        return "".join(self.idx_to_char[i] for i in idx)


@dataclass(frozen=True)
class Corpus:
    name: str
    text: str
    vocab: Vocab
    indices: list[int]
    sha256: str = "0" * 64


def load_corpus(
    spec: str = "jaychou", max_chars: int = 10_000, corpus_dir: Any = None, progress: Any = None
) -> Corpus:
    if spec in ("jaychou", "pysrc"):
        text = TEXT * 16 if spec == "jaychou" else "def f(x):\n    return x\n" * 20
    elif Path(spec).is_file():
        text = Path(spec).read_text(encoding="utf-8")
    else:
        raise CorpusError(f"no corpus {spec!r}: use jaychou, pysrc or a file path")
    if max_chars:
        text = text[:max_chars]
    vocab = Vocab(text)
    return Corpus(spec, text, vocab, vocab.encode(text)[0])


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


# -- events (same names and fields as engine.events) ----------------------------------------
@dataclass(frozen=True)
class BatchEnd:
    epoch: int
    batch: int
    batches: int
    loss: float
    chars_per_sec: float


@dataclass(frozen=True)
class EpochEnd:
    epoch: int
    epochs: int
    perplexity: float
    seconds: float
    chars_per_sec: float
    grad_norm: float
    lr: float


@dataclass(frozen=True)
class Sample:
    epoch: int
    prefix: str
    text: str


@dataclass(frozen=True)
class StatusChanged:
    status: str
    message: str = ""


class SnapshotBox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0

    def publish(self) -> None:
        with self._lock:
            self._version += 1

    def latest(self) -> tuple[int, dict[str, Any]] | None:
        with self._lock:
            return self._version, {"version": self._version}


@dataclass
class Script:
    """How the fake trains: `batch_delay` seconds per batch, `batches` per epoch."""

    batches: int = 4
    batch_delay: float = 0.0
    diverge_at: int | None = None
    fail_at: int | None = None


class Trainer:
    script = Script()

    def __init__(
        self, corpus: Corpus, config: TrainConfig, on_event: Callable[[Any], None] | None = None
    ) -> None:
        self.corpus = corpus
        self.config = config
        self.on_event = on_event or (lambda e: None)
        self.device = "cpu"
        self.epoch = 0
        self.history: list[EpochEnd] = []
        self.samples: list[Sample] = []
        self.status = "stopped"
        self.snapshots = SnapshotBox()
        self.lr = config.learning_rate
        self._run_gate = threading.Event()
        self._run_gate.set()
        self._stop = threading.Event()
        self._soon: list[Callable[[Trainer], None]] = []
        self._lock = threading.Lock()
        self._running = threading.Lock()

    # controls
    def pause(self) -> None:
        self._run_gate.clear()

    def resume(self) -> None:
        self._run_gate.set()

    def stop(self) -> None:
        self._stop.set()
        self._run_gate.set()

    def set_lr(self, lr: float) -> None:
        self.call_soon(lambda t: setattr(t, "lr", lr))

    def set_epochs(self, n: int) -> None:
        self.call_soon(lambda t: setattr(t.config, "epochs", n))

    def call_soon(self, fn: Callable[[Trainer], None]) -> None:
        # As the engine: between batches while running, at once (on the caller's thread) if not.
        if self._running.acquire(blocking=False):
            try:
                fn(self)
            finally:
                self._running.release()
            return
        with self._lock:
            self._soon.append(fn)

    def _drain(self) -> None:
        with self._lock:
            soon, self._soon = self._soon, []
        for fn in soon:
            fn(self)

    def _between_batches(self) -> bool:
        self._drain()
        if not self._run_gate.is_set():
            self._set_status("paused")
            while not self._run_gate.wait(0.05):
                self._drain()
            if not self._stop.is_set():
                self._set_status("running")
        return not self._stop.is_set()

    def _set_status(self, status: str, message: str = "") -> None:
        self.status = status
        self.on_event(StatusChanged(status, message))

    def perplexity(self, epoch: int) -> float:
        v = len(self.corpus.vocab)
        rate = 0.08 if self.config.sampling == "random" else 0.06
        return 1.0 + (v - 1.0) * math.exp(-rate * epoch)

    def run_epoch(self) -> EpochEnd:
        s = self.script
        e = self.epoch + 1
        for b in range(1, s.batches + 1):
            if s.batch_delay:
                time.sleep(s.batch_delay)
            self.on_event(BatchEnd(e, b, s.batches, math.log(self.perplexity(e)), 12_345.0))
            self.snapshots.publish()
        if s.fail_at == e:
            raise RuntimeError("scripted failure")
        self.epoch = e
        grad = 0.5 * math.exp(-0.03 * e) + 0.004
        end = EpochEnd(e, self.config.epochs, self.perplexity(e), 0.25, 12_345.0, grad, self.lr)
        self.history.append(end)
        self.on_event(end)
        if e % self.config.pred_period == 0:
            for prefix in self.config.prefixes:
                sample = Sample(e, prefix, prefix + TEXT[e % 20 : e % 20 + self.config.pred_len])
                self.samples.append(sample)
                self.on_event(sample)
        return end

    def run(self) -> str:
        with self._running:
            return self._run_locked()

    def _run_locked(self) -> str:
        self._stop.clear()
        self._set_status("running")
        while self.epoch < self.config.epochs:
            if not self._between_batches():
                self._drain()
                self._set_status("stopped")
                return "stopped"
            if self.script.diverge_at == self.epoch + 1:
                self._set_status("diverged", "loss became NaN")
                return "diverged"
            self.run_epoch()
        self._drain()
        self._set_status("finished")
        return "finished"

    def state_dict(self) -> dict[str, Any]:
        return {
            "config": {**self.config.to_dict(), "lr": self.lr},
            "epoch": self.epoch,
            "history": [asdict(e) for e in self.history],
            "samples": [asdict(s) for s in self.samples],
        }

    def load_state_dict(self, d: dict[str, Any]) -> None:
        self.epoch = int(d["epoch"])
        self.history = [EpochEnd(**e) for e in d["history"]]
        self.samples = [Sample(**s) for s in d["samples"]]
        self.snapshots.publish()


# -- sessions (the names and behaviour of engine.session; JSON instead of safetensors) -------
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
        config.epochs = epochs
    trainer = Trainer(text, config, on_event)
    trainer.load_state_dict(session.state)
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
