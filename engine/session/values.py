"""What the numbers inside a session's tensors may be, checked once the tensors are read.

schema.py and state_schema.py check every field and every tensor's dtype and shape from the
header alone; a crafted file can still carry valid checksums around numbers no run ever held.
Those are found here, before anything uses them, rather than mid-resume as a ZeroDivisionError
(Adam's step of -1), a complex-number RuntimeError (a negative second moment under its square
root) or torch's "Invalid mt19937 state".
"""

from __future__ import annotations

from typing import Any

import torch

from engine.session.field_checks import SchemaError


def check_values(state: dict[str, Any]) -> None:
    """state: trainer_state() as loaded (tensors read); SchemaError names the field at fault."""
    for name, weight in state["model"].items():
        # the divergence guard never lets a non-finite step reach the weights
        if not bool(torch.isfinite(weight).all()):
            raise SchemaError(f"trainer.model.{name} holds a non-finite number (inf or NaN)")
    _optimizer(state["optimizer"]["state"], state["step"])
    for name in ("sampling", "torch"):
        _generator(state["rng"][name], f"trainer.rng.{name}")


def _optimizer(slots: dict[int, dict[str, Any]], steps: int) -> None:
    for index, entry in slots.items():
        for name, value in entry.items():
            where = f"trainer.optimizer.state.{index}.{name}"
            if name == "step":
                # Adam divides by 1 - beta ** (step + 1): a step of -1 divides by zero. It counts
                # the optimizer's steps, so it is never more than the trainer's count of them.
                step = float(value)
                if not (step.is_integer() and 0 <= step <= steps):
                    raise SchemaError(f"{where} must be a whole number from 0 to trainer.step "
                                      f"({steps}), not {step:g}")
            elif not bool(torch.isfinite(value).all()):
                raise SchemaError(f"{where} holds a non-finite number (inf or NaN)")
            elif name.endswith("_sq") and bool((value < 0).any()):
                # a running mean of squares; Adam takes its square root
                raise SchemaError(f"{where} holds a negative number (a mean of squares cannot)")


def _generator(state: torch.Tensor, where: str) -> None:
    # torch checks a state only as it sets it: try it on a generator of no consequence.
    try:
        torch.Generator().set_state(state)
    except RuntimeError:
        raise SchemaError(f"{where} is not a random generator state") from None
