"""A scripted engine with the real engine's interface (engine/API.md), for UI tests.

Deterministic: perplexity follows a fixed curve, samples and completions are drawn from the
corpus text, and nothing touches torch, so snapshot tests render the same frame every time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from tui.engine_port import EnginePort

TEXT = (
    "想要有直升机 想要和你飞到宇宙去 想要和你融化在一起 融化在宇宙里 "
    "我每天每天每天在想想想想著你 这样的甜蜜 让我开始相信命运 感谢地心引力 让我碰到你 "
    "分开 不分开 我不能再想 我不能再想 我不 我不 我不能 爱情走的太快就像龙卷风 "
    "不能承受我已无处可躲 我不要再想 我不要再想 我不 我不 我不要再想你 "
)


class ConfigError(Exception):
    pass


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
            raise ConfigError(f"lr must be a positive number, not {lr}")
        if self.model not in ("scratch", "rnn", "gru", "lstm"):
            raise ConfigError(f"unknown model {self.model!r}")
        if self.model == "scratch" and self.layers != 1:
            raise ConfigError("the scratch model has one layer; use rnn/gru/lstm for --layers")
        if corpus_length is not None and self.batch_size * self.num_steps >= corpus_length:
            raise ConfigError(
                f"the corpus has {corpus_length} characters, too few for one batch of "
                f"{self.batch_size} x {self.num_steps} steps; lower the batch size or steps"
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
    return [("auto", None), ("cpu", None), ("cuda", "no CUDA device (torch built without CUDA)")]


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
        with self._lock:
            self._soon.append(fn)

    def _between_batches(self) -> bool:
        with self._lock:
            soon, self._soon = self._soon, []
        for fn in soon:
            fn(self)
        if not self._run_gate.is_set():
            self._set_status("paused")
            self._run_gate.wait()
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
        self._stop.clear()
        self._set_status("running")
        while self.epoch < self.config.epochs:
            if not self._between_batches():
                self._set_status("stopped")
                return "stopped"
            if self.script.diverge_at == self.epoch + 1:
                self._set_status("diverged", "loss became NaN")
                return "diverged"
            self.run_epoch()
        self._set_status("finished")
        return "finished"

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch}

    def load_state_dict(self, d: dict[str, Any]) -> None:
        self.epoch = d["epoch"]


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
        name="fake",
    )
