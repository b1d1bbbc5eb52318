"""Loading a session: check the header and every meta field before reading a tensor byte, then
read the tensors (checksum verified) and check the weights fit the saved model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from engine.config import TrainConfig
from engine.models.char_rnn import model_for
from engine.models.memory_estimate import available_bytes, format_bytes
from engine.session import container, schema, state_schema
from engine.session.codec import CodecError, decode
from engine.session.field_checks import SchemaError, TensorSpec
from engine.session.types import FORMAT, FORMAT_VERSION, Session, SessionError
from engine.session.values import check_values


def load_session(path: str | Path) -> Session:
    """Read and verify a session; SessionError names the problem (never a traceback)."""
    source = Path(path).expanduser()
    try:
        with container.open_container(source, fmt=FORMAT, max_version=FORMAT_VERSION,
                                      check_room=_check_room) as c:
            header = c.header
            try:
                parts, config, doc = _check(header)
            except (SchemaError, CodecError) as e:
                raise SessionError(
                    f"cannot load {source}: the session is inconsistent ({e})"
                ) from None
            tensors = c.tensors()  # only now, with every size known to fit the saved model
    except container.SafeFileError as e:
        raise SessionError(f"cannot load {source}: {e}") from None
    except OSError as e:
        raise SessionError(f"cannot load {source}: {e.strerror or e}") from None
    except MemoryError:  # the room was there when checked, and then taken
        raise SessionError(f"cannot load {source}: not enough memory to load it; close other "
                           "programs or load it where more memory is free") from None
    state, _ = decode(doc, tensors)
    try:
        _check_model_shapes(config, len(parts.vocab), state["model"])
        check_values(state)
    except ValueError as e:
        raise SessionError(f"cannot load {source}: the session is inconsistent ({e})") from None
    return Session(
        path=source,
        format_version=header.version,
        saved_at=parts.saved_at,
        config=config,
        corpus=parts.corpus,
        vocab=parts.vocab,
        prompt=parts.prompt,
        label=parts.label,
        prompt_settings=parts.prompt_settings,
        diverged=parts.diverged,
        state=state,
        environment=parts.environment,
    )


def _check(header: container.Header) -> tuple[schema.MetaParts, TrainConfig, Any]:
    """Every field of the meta document, with tensors described by the header only."""
    parts = schema.check_meta(header.meta, header.index)
    specs = {n: TensorSpec(d, s) for n, (d, s) in header.index.items()}
    state, used = decode(parts.trainer, specs)
    if not isinstance(state, dict):
        raise SchemaError("the trainer state is not an object")
    config = state_schema.check_config(state.get("config"), parts.corpus.max_chars)
    state_schema.check_state(state, config, len(parts.vocab), parts.corpus.max_chars)
    if used != set(specs):  # bytes nothing would read, so nothing would bound
        raise SchemaError("unreferenced tensors in the file")
    return parts, config, parts.trainer


def _check_room(size: int) -> None:
    """Refuse, before it is mapped, a session of `size` bytes the memory free now cannot hold."""
    # The file is mapped (a private mapping counts against the process's data limit) and each
    # tensor copied out of it: about twice the file by the end (a 143 MB session: +220 MB of
    # data, +351 MB resident at the peak).
    need, room = 2 * size, available_bytes(torch.device("cpu"))
    if room is not None and need > room:
        raise container.SafeFileError(
            f"not enough memory: loading it takes about {format_bytes(need)} (twice the "
            f"file's {format_bytes(size)}) and {format_bytes(room)} is free; close other "
            "programs or load it where more memory is free")


def _check_model_shapes(cfg: TrainConfig, vocab_size: int, weights: dict[str, Any]) -> None:
    # The schema matched the parameter count; building the model checks every name and shape.
    model = model_for(cfg, vocab_size)
    try:
        model.load_state_dict(weights)
    except RuntimeError:
        raise ValueError(f"the weights do not fit a {cfg.model} model of the saved size") from None
