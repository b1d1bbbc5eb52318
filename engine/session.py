"""Sessions: save a trainer, load it anywhere, and carry on exactly where it stopped.

File format (format version 1)
==============================
One file per session, a plain safetensors file (see engine/safefile.py for the byte layout and
the checks made on reading). Its `__metadata__` holds:

    format          "rnnplay-session"
    format_version  "1"   (readers refuse larger numbers: a newer rnnplay wrote it)
    meta            one JSON document, ASCII-only (\\u escapes), described below
    meta_sha256     SHA-256 of the meta string
    data_sha256     SHA-256 of all tensor bytes (safetensors checks neither)

The meta document:

    saved_at     "2026-01-01T12:00:00Z" (UTC)
    summary      {"model", "epoch", "perplexity" (null before the first epoch), "corpus"}
                 what a load screen shows, readable from the header alone
    corpus       {"name": "jaychou" | "pysrc" | an absolute path, "sha256": of the normalised
                 text (Corpus.sha256), "max_chars": characters used (reloading with it gives the
                 same text), "vocab_size"}
    vocab        the vocabulary in index order (the model's rows and columns mean these chars)
    prompt       the prompt text typed in the app
    trainer      Trainer.state_dict() as JSON, tensors replaced by {"__tensor__": name}; see
                 engine/session_codec.py for the tags. Holds the config (TrainConfig.to_dict()),
                 weights, optimizer state, epoch/step counters, perplexity/gradient-norm history,
                 samples, the in-epoch cursor (consecutive sampling's hidden state) and the RNG
                 states (sampling generator, torch, python, cuda).
    tensors      {name: [dtype, shape]}: the manifest the safetensors index must match
    environment  {"rnnplay", "torch", "safetensors", "python", "platform", "device",
                  "device_name"} - informative only

Tensors are named by their place in the state ("trainer/model/W_xh",
"trainer/optimizer/state/0/exp_avg", ...), so `safetensors.safe_open` shows them readably.

Nothing here ever unpickles: no pickle, no torch.load. A shared save is data, never code.
Saves are atomic (temporary file, fsync, rename, fsync of the directory): a crash or a full disk
while saving leaves the previous save as it was.
"""

from __future__ import annotations

import copy
import errno
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import torch

from engine import safefile
from engine.config import ConfigError, TrainConfig
from engine.corpus import Corpus, CorpusError, Vocab, load_corpus
from engine.device import DeviceError, resolve_device
from engine.events import EpochEnd, Event
from engine.models import CharRNN, build_model
from engine.session_codec import CodecError, decode, encode
from engine.train import Trainer

FORMAT = "rnnplay-session"
FORMAT_VERSION = 1
SUFFIX = ".rnnplay"
SAVE_DIR_ENV = "RNNPLAY_SAVE_DIR"
REPO_ROOT = Path(__file__).resolve().parent.parent


class SessionError(Exception):
    """A session cannot be saved or loaded; str(error) is a complete message for the user."""


@dataclass(frozen=True)
class SessionInfo:
    """What a load screen lists; read from the header only."""

    path: Path
    model: str
    epoch: int
    perplexity: float | None
    corpus: str
    saved_at: str


@dataclass(frozen=True)
class CorpusRef:
    name: str  # "jaychou", "pysrc" or the absolute path of a text file
    sha256: str  # of the normalised text the model was trained on
    max_chars: int  # load_corpus(name, max_chars) gives that text again
    vocab_size: int


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
    state: dict[str, Any]  # Trainer.state_dict() as saved
    environment: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # things a user should know (device fallback)

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
        model = build_model(cfg.model, len(self.vocab), cfg.hidden, cfg.layers)
        model.load_state_dict(self.state["model"])
        return model.to(device).eval()


# ----------------------------------------------------------------------------- paths


def default_save_dir() -> Path:
    """$RNNPLAY_SAVE_DIR, else saves/ in the checkout."""
    env = os.environ.get(SAVE_DIR_ENV)
    return Path(env).expanduser() if env else REPO_ROOT / "saves"


def suggest_path(trainer: Trainer, directory: Path | None = None) -> Path:
    """A fresh file name such as saves/jaychou-scratch-e30-20260101-120000.rnnplay."""
    corpus = re.sub(r"[^\w.-]+", "_", Path(trainer.corpus.name).stem)[:40] or "corpus"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{corpus}-{trainer.config.model}-e{trainer.epoch}-{stamp}{SUFFIX}"
    return (directory or default_save_dir()) / name


# ----------------------------------------------------------------------------- saving


def save_session(path: str | Path, trainer: Trainer, prompt: str = "") -> Path:
    """Write the trainer's full state to path atomically; returns the path written.

    Call between batches or when the trainer is not running (e.g. through trainer.call_soon);
    to keep file I/O off the trainer thread, call session_bytes there and write_session later.
    """
    return write_session(path, session_bytes(trainer, prompt))


def session_bytes(trainer: Trainer, prompt: str = "") -> bytes:
    """The complete file as bytes: a consistent snapshot, safe to write from another thread."""
    state = trainer.state_dict()
    try:
        doc, tensors = encode(state, "trainer")
    except CodecError as e:
        raise SessionError(f"cannot save this trainer: {e}") from None
    meta = {
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "summary": _summary(trainer),
        "corpus": _corpus_ref(trainer.corpus),
        "vocab": list(trainer.corpus.vocab.idx_to_char),
        "prompt": prompt,
        "trainer": doc,
        "tensors": {n: [safefile.DTYPE_NAMES.get(t.dtype, "?"), list(t.shape)]
                    for n, t in tensors.items()},
        "environment": _environment(trainer.device),
    }
    try:
        # Copies every tensor's bytes now, so training may go on while the bytes are written.
        return safefile.encode_container(tensors, meta, fmt=FORMAT, version=FORMAT_VERSION)
    except (safefile.SafeFileError, ValueError) as e:
        raise SessionError(f"cannot save this trainer: {e}") from None


def write_session(path: str | Path, data: bytes) -> Path:
    """Atomically replace path with data (from session_bytes); SessionError on any failure."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise SessionError(f"cannot save to {target}: it is a directory")
    try:
        safefile.atomic_write(target, data)
    except OSError as e:
        raise SessionError(_write_error(target, e)) from None
    return target


def _write_error(target: Path, e: OSError) -> str:
    kept = "the previous save there is untouched" if target.exists() else "nothing was written"
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"cannot save to {target}: no space left on the device; {kept}"
    return f"cannot save to {target}: {e.strerror or e}; {kept}"


def _summary(trainer: Trainer) -> dict[str, Any]:
    last = trainer.history[-1].perplexity if trainer.history else None
    return {
        "model": trainer.config.model,
        "epoch": trainer.epoch,
        "perplexity": last if last is None or last < float("inf") else None,
        "corpus": trainer.corpus.name,
    }


def _corpus_ref(corpus: Corpus) -> dict[str, Any]:
    # len(text) as max_chars reproduces the same prefix whatever limit was asked for.
    return {
        "name": corpus.name,
        "sha256": corpus.sha256,
        "max_chars": len(corpus.text),
        "vocab_size": len(corpus.vocab),
    }


def _environment(device: torch.device) -> dict[str, Any]:
    name = None
    if device.type == "cuda":
        try:
            name = torch.cuda.get_device_name(device)
        except Exception:  # informative only; never let it stop a save
            name = None
    return {
        "rnnplay": _version("rnnplay"),
        "torch": torch.__version__,
        "safetensors": _version("safetensors"),
        "python": platform.python_version(),
        "platform": sys.platform,
        "device": str(device),
        "device_name": name,
    }


def _version(package: str) -> str | None:
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None


class PeriodicSave:
    """Saves a trainer to one path every `every` epochs while it runs, and once more at finish().

    It chains itself in front of the trainer's on_event (set up before trainer.run()). A save is
    scheduled with trainer.call_soon at an epoch's end, so it runs on the trainer thread between
    batches: after that epoch's samples, never inside an optimizer step. A failed periodic save
    (full disk) does not stop training: on_error gets the SessionError and the previous save
    stays as it was.
    """

    def __init__(
        self,
        trainer: Trainer,
        path: str | Path,
        every: int = 0,
        prompt: str = "",
        on_error: Callable[[SessionError], None] | None = None,
    ) -> None:
        if every < 0:
            raise ValueError("the save period cannot be negative")
        self.trainer, self.path, self.every, self.prompt = trainer, Path(path), every, prompt
        self.on_error = on_error or (lambda err: None)
        self.saves = 0  # successful saves so far
        self._forward = trainer.on_event
        trainer.on_event = self._on_event

    def _on_event(self, event: Event) -> None:
        self._forward(event)
        if isinstance(event, EpochEnd) and self.every and event.epoch % self.every == 0:
            self.trainer.call_soon(self._save_quietly)

    def _save_quietly(self, trainer: Trainer) -> None:
        try:
            self.save()
        except SessionError as err:
            self.on_error(err)

    def save(self) -> Path:
        path = save_session(self.path, self.trainer, self.prompt)
        self.saves += 1
        return path

    def finish(self) -> Path:
        """The final save; SessionError on failure. Call it after run() returned, whatever the
        status: a diverged trainer keeps the weights from before the bad step, and a stopped
        one stopped between batches. (Not after a KeyboardInterrupt, which can land mid-step.)
        """
        return self.save()


# ----------------------------------------------------------------------------- loading


def load_session(path: str | Path) -> Session:
    """Read and verify a session; SessionError names the problem (never a traceback)."""
    source = Path(path).expanduser()
    try:
        header, tensors = safefile.read_container(
            source, fmt=FORMAT, max_version=FORMAT_VERSION
        )
    except safefile.SafeFileError as e:
        raise SessionError(f"cannot load {source}: {e}") from None
    except OSError as e:
        raise SessionError(f"cannot load {source}: {e.strerror or e}") from None
    try:
        return _build_session(source, header, tensors)
    except (CodecError, ConfigError, KeyError, TypeError, ValueError) as e:
        raise SessionError(f"cannot load {source}: the session is inconsistent ({e})") from None


def _build_session(
    source: Path, header: safefile.Header, tensors: dict[str, torch.Tensor]
) -> Session:
    meta = header.meta
    manifest = {n: (d, tuple(s)) for n, (d, s) in _dict(meta, "tensors").items()}
    if manifest != header.index:
        raise ValueError("the tensor index does not match the manifest")
    state, used = decode(_dict(meta, "trainer"), tensors)
    if used != set(tensors):
        raise ValueError("unreferenced tensors in the file")
    if not isinstance(state, dict):
        raise TypeError("the trainer state is not an object")
    config = TrainConfig.from_dict(_dict(state, "config"))
    config.check()
    vocab = Vocab(_list(meta, "vocab"))
    c = _dict(meta, "corpus")
    corpus = CorpusRef(str(c["name"]), str(c["sha256"]), int(c["max_chars"]), len(vocab))
    _check_model_shapes(config, len(vocab), _dict(state, "model"))
    prompt = meta.get("prompt", "")
    return Session(
        path=source,
        format_version=header.version,
        saved_at=str(meta.get("saved_at", "")),
        config=config,
        corpus=corpus,
        vocab=vocab,
        prompt=prompt if isinstance(prompt, str) else "",
        state=state,
        environment=meta.get("environment") if isinstance(meta.get("environment"), dict) else {},
    )


def _check_model_shapes(cfg: TrainConfig, vocab_size: int, weights: dict[str, Any]) -> None:
    # A crafted config (hidden 8192, 16 layers) must not make us allocate a model bigger than
    # the weights actually in the file, so count first, then build and load strictly. (A model
    # on the meta device would allocate nothing, but costs seconds of torch imports.)
    if not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise ValueError("the weights are not all tensors")
    if sum(v.numel() for v in weights.values()) != model_size(cfg, vocab_size):
        raise ValueError(f"the weights do not fit a {cfg.model} model of the saved size")
    model = build_model(cfg.model, vocab_size, cfg.hidden, cfg.layers)
    try:
        model.load_state_dict(weights)
    except RuntimeError:
        raise ValueError(f"the weights do not fit a {cfg.model} model of the saved size") from None


def model_size(cfg: TrainConfig, vocab_size: int) -> int:
    """Parameter count of build_model(cfg.model, vocab_size, cfg.hidden, cfg.layers)."""
    v, h = vocab_size, cfg.hidden
    output = h * v + v  # W_hq and b_q, or the dense layer
    if cfg.model == "scratch":
        return v * h + h * h + h + output
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cfg.model]
    layers = sum(gates * h * ((v if i == 0 else h) + h + 2) for i in range(cfg.layers))
    return layers + output


def _dict(d: dict[str, Any], key: str) -> dict[str, Any]:
    value = d[key]
    if not isinstance(value, dict):
        raise TypeError(f"{key} is not an object")
    return value


def _list(d: dict[str, Any], key: str) -> list[Any]:
    value = d[key]
    if not isinstance(value, list):
        raise TypeError(f"{key} is not a list")
    return value


# ----------------------------------------------------------------------------- restoring


def restore_trainer(
    session: Session,
    on_event: Callable[[Event], None] | None = None,
    device: str | torch.device | None = None,
    *,
    epochs: int | None = None,
    threads: int | None = None,
    corpus: Corpus | None = None,
) -> Trainer:
    """A trainer in exactly the saved state, on `device` (default: the saved device setting,
    falling back to the CPU with a note when that device is missing here).

    epochs: a new target epoch count (resume "to epoch N"); default the saved one.
    threads: torch threads on this machine; default the saved setting.
    corpus: the corpus, if already loaded or found elsewhere (a path corpus on another machine);
    it must be the saved text (SHA-256 checked) in any case.
    """
    spec = _device_spec(session, device)
    text = corpus if corpus is not None else _load_corpus(session)
    _check_corpus(session, text)
    cfg = replace(session.config, device=spec)
    if epochs is not None:
        cfg = replace(cfg, epochs=epochs)
    if threads is not None:
        cfg = replace(cfg, threads=threads)
    target = resolve_device(spec)
    state = copy.copy(session.state)  # shallow: the tensors are shared, never modified
    state["config"] = {**state["config"], "epochs": cfg.epochs}
    if state["rng"].get("cuda") is not None and target.type != "cuda":
        session.notes.append("the CUDA random state was not restored (not training on CUDA)")
    try:
        trainer = Trainer(text, cfg, on_event)
        _check_state_fits(trainer, state)
        trainer.load_state_dict(state)
    except (ConfigError, DeviceError) as e:
        raise SessionError(f"cannot resume {session.path}: {e}") from None
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError) as e:
        raise SessionError(
            f"cannot resume {session.path}: the saved training state does not fit ({e})"
        ) from None
    return trainer


def _check_state_fits(trainer: Trainer, state: dict[str, Any]) -> None:
    """Shapes and ranges the trainer would only trip over later, mid-training (the checksums
    rule out damage, so this is about crafted files): raise ValueError naming the part."""
    params = trainer.params
    for index, slots in state["optimizer"]["state"].items():
        if not (isinstance(index, int) and 0 <= index < len(params)):
            raise ValueError("optimizer state for a parameter the model does not have")
        for name, value in slots.items():
            if not isinstance(value, torch.Tensor) or not value.dim():
                continue  # step counters and the like
            if value.shape != params[index].shape:
                raise ValueError(f"optimizer {name} has the wrong shape")
    cursor = state["cursor"]
    if cursor is not None:
        _check_cursor(trainer, cursor)


def _check_cursor(trainer: Trainer, cursor: dict[str, Any]) -> None:
    cfg, starts = trainer.config, cursor["starts"]
    if not (isinstance(starts, torch.Tensor) and starts.dtype == torch.int64):
        raise ValueError("the epoch in progress has no valid batch table")
    if starts.dim() != 2 or starts.shape[1] != cfg.batch_size or not starts.numel():
        raise ValueError("the epoch in progress has a batch table of the wrong shape")
    if int(starts.min()) < 0 or int(starts.max()) + cfg.num_steps >= len(trainer.corpus.indices):
        raise ValueError("the epoch in progress reads outside the corpus")
    if not 0 <= int(cursor["batch"]) <= len(starts):
        raise ValueError("the epoch in progress is past its end")
    if cursor["state"] is not None:
        want = [s.shape for s in trainer.model.begin_state(cfg.batch_size, "meta")]
        if [s.shape for s in cursor["state"]] != want:
            raise ValueError("the hidden state of the epoch in progress has the wrong shape")


def _device_spec(session: Session, device: str | torch.device | None) -> str:
    """The device setting to train with: the one asked for, else the saved one ("auto" stays
    "auto", so a later save still follows the machine), else the CPU with a note."""
    if device is not None:
        try:
            resolve_device(str(device))
        except DeviceError as e:
            raise SessionError(str(e)) from None
        return str(device)
    try:
        resolve_device(session.config.device)
    except DeviceError as e:
        session.notes.append(f"training on the CPU instead: {e}")
        return "cpu"
    return session.config.device


def _load_corpus(session: Session) -> Corpus:
    ref = session.corpus
    try:
        return load_corpus(ref.name, max_chars=ref.max_chars)
    except CorpusError as e:
        raise SessionError(
            f"cannot resume {session.path}: its corpus is unavailable: {e}"
        ) from None


def _check_corpus(session: Session, corpus: Corpus) -> None:
    ref = session.corpus
    if corpus.sha256 != ref.sha256:
        raise SessionError(
            f"cannot resume {session.path}: the corpus {ref.name!r} is not the text it was "
            f"trained on (SHA-256 {corpus.sha256[:12]}... instead of {ref.sha256[:12]}...); "
            "it changed since the save"
        )
    if corpus.vocab != session.vocab:
        raise SessionError(f"cannot resume {session.path}: the corpus vocabulary differs")


# ----------------------------------------------------------------------------- listing


def list_sessions(directory: str | Path | None = None) -> list[SessionInfo]:
    """Sessions in a directory, newest first; unreadable or foreign files are skipped.

    Reads only headers (no tensor data, no checksum of the data), so it stays fast.
    """
    folder = Path(directory).expanduser() if directory is not None else default_save_dir()
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return []
    infos = [info for p in entries if (info := session_info(p)) is not None]
    return sorted(infos, key=lambda i: i.saved_at, reverse=True)


def session_info(path: Path) -> SessionInfo | None:
    """The summary of one file, or None if it is not a readable session."""
    try:
        if not path.is_file():
            return None
        header = safefile.read_header(path, fmt=FORMAT, max_version=FORMAT_VERSION)
        s = header.meta["summary"]
        ppl = s.get("perplexity")
        return SessionInfo(
            path=path,
            model=str(s["model"]),
            epoch=int(s["epoch"]),
            perplexity=float(ppl) if isinstance(ppl, int | float) else None,
            corpus=str(s["corpus"]),
            saved_at=str(header.meta.get("saved_at", "")),
        )
    except (safefile.SafeFileError, OSError, KeyError, TypeError, ValueError, AttributeError):
        return None


__all__ = [
    "FORMAT_VERSION",
    "PeriodicSave",
    "Session",
    "SessionError",
    "SessionInfo",
    "default_save_dir",
    "list_sessions",
    "load_session",
    "restore_trainer",
    "save_session",
    "session_bytes",
    "suggest_path",
    "write_session",
]
