"""Loading a session: read and verify the container, decode the state, check it fits a model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from engine.config import ConfigError, TrainConfig
from engine.corpus import Vocab
from engine.models import build_model
from engine.session import container
from engine.session.codec import CodecError, decode
from engine.session.types import FORMAT, FORMAT_VERSION, CorpusRef, Session, SessionError

# ----------------------------------------------------------------------------- loading


def load_session(path: str | Path) -> Session:
    """Read and verify a session; SessionError names the problem (never a traceback)."""
    source = Path(path).expanduser()
    try:
        header, tensors = container.read_container(
            source, fmt=FORMAT, max_version=FORMAT_VERSION
        )
    except container.SafeFileError as e:
        raise SessionError(f"cannot load {source}: {e}") from None
    except OSError as e:
        raise SessionError(f"cannot load {source}: {e.strerror or e}") from None
    try:
        return _build_session(source, header, tensors)
    except (CodecError, ConfigError, KeyError, TypeError, ValueError) as e:
        raise SessionError(f"cannot load {source}: the session is inconsistent ({e})") from None


def _build_session(
    source: Path, header: container.Header, tensors: dict[str, torch.Tensor]
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
