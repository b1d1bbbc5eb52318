"""The runs table's cells fit their columns whatever a run holds: a space always parts one
column from the next (an epoch target of 10,000,000 ran "160/10000000" into the ppl column)."""

from __future__ import annotations

from rich.cells import cell_len

from engine.config import TrainConfig
from engine.playground import RunSummary
from engine.playground.events import RunState
from engine.training.events import EpochEnd
from tui.widgets.runs_columns import NUMBERS, SETTINGS, fitted, layout


def summary(**config: object) -> RunSummary:
    last = EpochEnd(epoch=160, epochs=10_000_000, perplexity=21.94, seconds=0.4,
                    chars_per_sec=123456.0, grad_norm=1.0, lr=100.0, val_perplexity=1e300)
    return RunSummary(id=1, label="#1 scratch", state=RunState.RUNNING,
                      config=TrainConfig(**config), epoch=160, last=last, flow=None,  # type: ignore[arg-type]
                      best_perplexity=21.94, device="cuda:0 (NVIDIA H100 80GB HBM3)",
                      path=None, unsaved=True, message="", corpus="/a/very/long/corpus/名前.txt",
                      best_val_perplexity=1e300)  # fmt: skip


def test_every_cell_leaves_a_space_before_the_next_column() -> None:
    run = summary(epochs=10_000_000, hidden=1_000_000, batch_size=123_456, num_steps=99_999,
                  lr=1.234567e-7)  # fmt: skip
    for column in (*SETTINGS, *NUMBERS):
        text = fitted(column, run)
        assert cell_len(text) <= column.width - 1, (column.name, text)
    epoch = next(c for c in NUMBERS if c.name == "epoch")
    assert fitted(epoch, run) == "160/10M"  # both counts still read
    assert fitted(epoch, summary(epochs=250)) == "160/250"


def test_a_differing_lr_and_its_optimizer_stay_longest() -> None:
    """At 80 columns, #2 rnn Adam 0.002 and #3 scratch SGD 100 kept opt and lost the lr."""
    runs = [summary(model="rnn", lr=0.002), summary(model="scratch", lr=100.0)]
    names = [c.name for c in layout(runs, 80 - 2)]
    assert "lr" in names and "opt" in names, names
    assert "model" not in names  # it gave way first
    names = [c.name for c in layout(runs, 27 + 6 + 9 + 9 + 7 + 9)]
    assert "lr" in names and "opt" not in names, names
