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
Saves are atomic (engine/atomic_write.py: temporary file, fsync, rename, fsync of the directory):
a crash or a full disk while saving leaves the previous save as it was.

This module saves and loads; the shared types are in engine/session_types.py, the summary and
environment parts of the meta in engine/session_meta.py, restoring a trainer in
engine/session_restore.py, and the save directory and its listing in engine/session_dir.py.
Every public name is importable from here.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from engine import safefile
from engine.atomic_write import atomic_write
from engine.config import ConfigError, TrainConfig
from engine.corpus import Vocab
from engine.events import EpochEnd, Event
from engine.models import build_model
from engine.session_codec import CodecError, decode, encode
from engine.session_dir import (
    SAVE_DIR_ENV,
    default_save_dir,
    list_sessions,
    session_info,
    suggest_path,
)
from engine.session_meta import corpus_ref, environment, summary
from engine.session_restore import restore_trainer
from engine.session_types import (
    FORMAT,
    FORMAT_VERSION,
    CorpusRef,
    Session,
    SessionError,
    SessionInfo,
)
from engine.train import Trainer

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
        "summary": summary(trainer),
        "corpus": corpus_ref(trainer.corpus),
        "vocab": list(trainer.corpus.vocab.idx_to_char),
        "prompt": prompt,
        "trainer": doc,
        "tensors": {n: [safefile.DTYPE_NAMES.get(t.dtype, "?"), list(t.shape)]
                    for n, t in tensors.items()},
        "environment": environment(trainer.device),
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
        atomic_write(target, data)
    except OSError as e:
        raise SessionError(_write_error(target, e)) from None
    return target


def _write_error(target: Path, e: OSError) -> str:
    kept = "the previous save there is untouched" if target.exists() else "nothing was written"
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"cannot save to {target}: no space left on the device; {kept}"
    return f"cannot save to {target}: {e.strerror or e}; {kept}"


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


__all__ = [
    "FORMAT_VERSION",
    "SAVE_DIR_ENV",
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
    "session_info",
    "suggest_path",
    "write_session",
]
