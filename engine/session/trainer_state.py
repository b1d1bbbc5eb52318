"""A trainer's state as a session holds it: everything needed to continue training exactly.

The dict mixes tensors (weights, optimizer moments, the epoch in progress, RNG states) with plain
JSON-able values; codec.py turns it into a file's parts and state_schema.py checks what comes back.
Its keys and layout are the session format's "trainer" part: old saves must keep loading, so a
change here is a change of the format.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import torch

from engine.training.controls import write_lr
from engine.training.events import EpochEnd, ParamStats, Sample
from engine.training.trainer import TORCH_RNG_LOCK, EpochCursor, Trainer


def trainer_state(trainer: Trainer) -> dict[str, Any]:
    """The trainer's state (call between batches or when it is not training)."""
    with TORCH_RNG_LOCK:  # never the seeded state of a run drawing its weights on another thread
        torch_rng = torch.get_rng_state()
    return {
        "config": trainer.current_config().to_dict(),
        "epoch": trainer.epoch,
        "step": trainer.step,
        # the characters training uses (the rest of the corpus is held out): the split is kept
        # even if the text after the corpus changes
        "train_chars": len(trainer.data),
        "model": {k: v.cpu() for k, v in trainer.model.state_dict().items()},
        "optimizer": trainer.optimizer.state_dict(),
        "history": [asdict(e) for e in trainer.history],
        "samples": [asdict(s) for s in trainer.samples],
        "cursor": None if trainer.cursor is None else _cursor_state(trainer.cursor),
        "rng": {
            "sampling": trainer.generator.get_state(),
            "torch": torch_rng,
            "python": _python_rng_to_json(random.getstate()),
            "cuda": torch.cuda.get_rng_state_all() if trainer.device.type == "cuda" else None,
        },
    }


class StateError(ValueError):
    """A part of a saved state does not fit the trainer; str(error) names the part in words."""


@contextlib.contextmanager
def _part(what: str) -> Iterator[None]:
    # The schema and the value checks (state_schema.py, values.py) let nothing through that these
    # steps are known to trip on; whatever torch or random still refuse is named here by the
    # part it came from, not by its own text ("Invalid mt19937 state", "('lr')").
    try:
        yield
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError,
            OverflowError, ZeroDivisionError) as e:
        raise StateError(f"the saved training state does not fit the trainer (its {what})"
                         ) from e


def restore_state(trainer: Trainer, d: dict[str, Any]) -> None:
    """Put a trainer_state() back into a trainer built with the same config and, for sessions
    that have one, the same train_chars (StateError otherwise, naming the part at fault)."""
    # Sessions from before held-out text trained on all of their corpus.
    train_chars = int(d.get("train_chars", len(trainer.corpus.indices)))
    if train_chars != len(trainer.data):
        raise StateError(f"it trained on {train_chars} characters, this trainer on "
                         f"{len(trainer.data)}")
    with _part("weights"):
        trainer.model.load_state_dict(d["model"])
    with _part("optimizer state"):
        trainer.optimizer.load_state_dict(d["optimizer"])
        write_lr(trainer.optimizer, trainer.config.lr)  # resolved: old files may hold null
    with _part("epoch and step counters"):
        trainer.epoch, trainer.step = int(d["epoch"]), int(d["step"])
        trainer.target_epochs = int(d["config"]["epochs"])
    with _part("history"):
        trainer.history = [_epoch_end(e) for e in d["history"]]
    with _part("samples"):
        trainer.samples = [Sample(**s) for s in d["samples"]]
    with _part("epoch in progress"):
        c = d["cursor"]
        trainer.cursor = None if c is None else _cursor(c, trainer.device)
    # RNG last, after the model and optimizer exist, so nothing built later consumes it.
    rng = d["rng"]
    with _part("random generator states"):
        trainer.generator.set_state(rng["sampling"])
        # Another run may be drawing its initial weights on its own thread, from a seeded torch
        # RNG that it puts back afterwards: set mid-draw, this state would change that run's
        # weights and then be undone, so this run would not resume bit-exact. The lock waits.
        with TORCH_RNG_LOCK:
            torch.set_rng_state(rng["torch"])
        random.setstate(_python_rng_from_json(rng["python"]))
        if rng.get("cuda") is not None and trainer.device.type == "cuda":
            torch.cuda.set_rng_state_all(rng["cuda"])
    trainer.snapshots.publish(trainer.model, force=True)


def _epoch_end(e: dict[str, Any]) -> EpochEnd:
    """An EpochEnd from its asdict(); older sessions lack the later fields (their defaults)."""
    weights = tuple(
        ParamStats(**{**p, "shape": tuple(p["shape"]), "quantiles": tuple(p["quantiles"]),
                      "histogram": tuple(p["histogram"])})
        for p in e.get("weights", ())
    )
    return EpochEnd(**{**e, "grad_through_time": tuple(e.get("grad_through_time", ())),
                       "weights": weights})


def _cursor_state(c: EpochCursor) -> dict[str, Any]:
    return {
        "starts": c.starts.cpu(),
        "batch": c.batch,
        "loss_sum": c.loss_sum,
        "tokens": c.tokens,
        "norm_sum": c.norm_sum,
        "clipped": c.clipped,
        "seconds": c.seconds,
        "state": None if c.state is None else [s.cpu() for s in c.state],
    }


def _cursor(c: dict[str, Any], device: torch.device) -> EpochCursor:
    return EpochCursor(
        starts=c["starts"].to(device),
        batch=c["batch"],
        loss_sum=c["loss_sum"],
        tokens=c["tokens"],
        norm_sum=c["norm_sum"],
        clipped=c.get("clipped", 0),  # sessions from before the clipped share
        seconds=c["seconds"],
        state=None if c["state"] is None else tuple(s.to(device) for s in c["state"]),
    )


# JSON has no tuples: random.getstate()'s nested tuples are written as lists and turned back.
def _python_rng_to_json(state: tuple) -> list:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def _python_rng_from_json(state: list) -> tuple:
    version, internal, gauss = state
    return (version, tuple(internal), gauss)
