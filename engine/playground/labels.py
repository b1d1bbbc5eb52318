"""A run's label as it is named now. A label is the run's name, given when it joins and kept
in its session file ("#2 scratch·lr 30", "#3 scratch·random·lr 30": a grid's runs are told
apart by the settings that vary); F8 gives a run another lr later. Its name stays (samples and
files hold it); where it is named, an lr in it that is no longer the run's says so:
"#2 scratch·lr 30→20". The core's messages name a run so, as the UI does (tui/labels.py)."""

from __future__ import annotations

import re

from engine.config import TrainConfig, spec_of

LR = spec_of(TrainConfig, "lr")  # writes an lr as a grid's tag does: "30", "0.001"
# What parts a tag's settings: "·" ("random·lr 10"); ", " in labels saved before it was.
_PARTS = re.compile(r"(·|, )")


def label_now(label: str, lr: float) -> str:
    """`label` with its lr, if it names one ("lr 30" after the model's "·"), followed by `lr`
    where they differ."""
    head, dot, tag = label.partition("·")
    if not dot:
        return label
    now = LR.text(lr)
    # The separators are kept (split with a group): every other piece is one.
    parts = [f"{part}→{now}" if _other_lr(part, lr) else part for part in _PARTS.split(tag)]
    return head + dot + "".join(parts)


def _other_lr(part: str, lr: float) -> bool:
    """Whether `part` of a tag names an lr other than `lr` (by value: "1e-3" is 0.001)."""
    if not part.startswith("lr "):
        return False
    try:
        return float(part[3:]) != lr
    except ValueError:  # not a number: a label from a file, not a grid's tag
        return False
