"""Issue 17 leftovers, the runs table as a comparison: an epoch count past 999 of a target past
9,999 ("train until I stop it": 100000) reads as the epoch and "/…", not "1207/10…" (a target
of ten and some)."""

from __future__ import annotations

from engine.config import TrainConfig
from engine.playground import RunSummary
from engine.playground.events import RunState
from tui.widgets.runs_columns import NUMBERS, fitted

EPOCH = next(c for c in NUMBERS if c.name == "epoch")


def at(epoch: int, target: int) -> str:
    run = RunSummary(id=1, label="#1 scratch·random", state=RunState.RUNNING,
                     config=TrainConfig(epochs=target), epoch=epoch, last=None, flow=None,
                     best_perplexity=None, device="cpu", path=None, unsaved=True,
                     message="")  # fmt: skip
    return fitted(EPOCH, run)


def test_a_long_epoch_count_of_a_long_target_keeps_the_epoch_whole() -> None:
    assert at(1207, 100_000) == "1207/…"
    assert at(12_345, 100_000) == "12k/100k"  # both shortened still fit
    assert at(999, 100_000) == "999/100k"
    assert at(1207, 5000) == "1207/…"  # "1207/50…" read as a target of fifty and some
    assert at(999, 5000) == "999/5000"
