"""Turning a loaded session back into a trainer, with the checks that only make sense then: the
device is available here, the corpus is the saved text, and the training state fits the model."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import torch

from engine.config import ConfigError
from engine.data.corpus import Corpus, CorpusError, load_corpus
from engine.models.memory_estimate import check_memory
from engine.session.trainer_state import StateError, restore_state
from engine.session.types import Session, SessionError
from engine.training.device import DeviceError, resolve_device
from engine.training.events import TrainerEvent
from engine.training.trainer import Trainer


def restore_trainer(
    session: Session,
    on_event: Callable[[TrainerEvent], None] | None = None,
    device: str | torch.device | None = None,
    *,
    epochs: int | None = None,
    threads: int | None = None,
    shown: Mapping[str, Any] | None = None,
    corpus: Corpus | None = None,
    diverged_ok: bool = False,
) -> Trainer:
    """A trainer in exactly the saved state, on `device` (default: the saved device setting,
    falling back to the CPU with a note when that device is missing here; its config, and so
    its saves, keep the saved setting then).

    epochs: a new target epoch count (resume "to epoch N"); default the saved one.
    threads: torch threads on this machine; default the saved setting.
    shown: new values for settings that only change what is shown (the sample prompts, their
    period and length: TrainConfig.with_shown); training stays bit-exact.
    corpus: the corpus, if already loaded or found elsewhere (a path corpus on another machine);
    it must be the saved text (SHA-256 checked) in any case.
    diverged_ok: restore a session saved diverged (Session.diverged), to look at, never to
    train: without it such a session is refused, since its next step is the one that diverged
    (the same batch with the same weights).
    """
    if session.diverged and not diverged_ok:
        raise SessionError(
            f"cannot resume {session.path}: its run diverged and cannot train on (it would take "
            f"the step that diverged again, from the same weights): start a new run; "
            f"{session.diverged}"
        )
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
        cfg = cfg.with_shown(shown or {})
        check_memory(cfg, len(text.vocab), target, train_chars=len(text.indices))
        trainer = Trainer(text, cfg, on_event, train_chars=state.get("train_chars"))
        _check_state_fits(trainer, state)
        restore_state(trainer, state)
        if device is None and spec != session.config.device:
            # Trains on what is here, saves the setting it was given: a GPU session resumed
            # for a while on a laptop still trains on the GPU of the machine it goes back to.
            trainer.config = replace(trainer.config, device=session.config.device)
    except (ConfigError, DeviceError, StateError) as e:
        raise SessionError(f"cannot resume {session.path}: {e}") from None
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError,
            OverflowError, ZeroDivisionError):
        # Not one of the worded refusals above: torch's or Python's own text means nothing to
        # a user (the fuzz tests keep this path unreached).
        raise SessionError(
            f"cannot resume {session.path}: its training state does not fit this trainer"
        ) from None
    return trainer


def _check_state_fits(trainer: Trainer, state: dict[str, Any]) -> None:
    """Shapes and ranges the trainer would only trip over later, mid-training (the checksums
    rule out damage, so this is about crafted files): raise StateError naming the part."""
    params = trainer.params
    for index, slots in state["optimizer"]["state"].items():
        if not (isinstance(index, int) and 0 <= index < len(params)):
            raise StateError("optimizer state for a parameter the model does not have")
        for name, value in slots.items():
            if not isinstance(value, torch.Tensor) or not value.dim():
                continue  # step counters and the like
            if value.shape != params[index].shape:
                raise StateError(f"optimizer {name} has the wrong shape")
    cursor = state["cursor"]
    if cursor is not None:
        _check_cursor(trainer, cursor)


def _check_cursor(trainer: Trainer, cursor: dict[str, Any]) -> None:
    cfg, starts = trainer.config, cursor["starts"]
    if not (isinstance(starts, torch.Tensor) and starts.dtype == torch.int64):
        raise StateError("the epoch in progress has no valid batch table")
    if starts.dim() != 2 or starts.shape[1] != cfg.batch_size or not starts.numel():
        raise StateError("the epoch in progress has a batch table of the wrong shape")
    if int(starts.min()) < 0 or int(starts.max()) + cfg.num_steps >= len(trainer.data):
        raise StateError("the epoch in progress reads outside the corpus")
    if not 0 <= int(cursor["batch"]) <= len(starts):
        raise StateError("the epoch in progress is past its end")
    if cursor["state"] is not None:
        want = [s.shape for s in trainer.model.begin_state(cfg.batch_size, "meta")]
        if [s.shape for s in cursor["state"]] != want:
            raise StateError("the hidden state of the epoch in progress has the wrong shape")


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
        session.notes.append(f"training on the CPU instead (the session keeps device "
                             f"{session.config.device}): {e}")
        return "cpu"
    return session.config.device


def _load_corpus(session: Session) -> Corpus:
    ref = session.corpus
    try:
        return load_corpus(ref.name, max_chars=ref.max_chars, preprocess=ref.preprocess)
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
