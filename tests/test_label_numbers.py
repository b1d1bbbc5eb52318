"""An lr in a label is written short where powers of ten are shorter (a tester's finding: lr 1e5
read "lr 100000", cut by the runs table to "lr 10…", as if it were lr 10)."""

from __future__ import annotations

import pytest

from engine.config import TrainConfig
from engine.playground.grid import grid_tags, label_number
from engine.playground.labels import label_now, run_tag


@pytest.mark.parametrize(
    "value,text",
    [(100, "100"), (30, "30"), (0.5, "0.5"), (0.001, "0.001"), (1000, "1000"),
     (1e4, "1e4"), (1e5, "1e5"), (1e6, "1e6"), (1e-4, "1e-4"), (3e-4, "3e-4"),
     (2.5e-5, "2.5e-5"), (123456.0, "123456")],
)  # fmt: skip
def test_a_number_is_written_as_typed_or_in_powers_of_ten_where_shorter(value, text) -> None:
    assert label_number(value) == text
    assert float(text) == value


def test_a_big_lr_fits_the_runs_tables_label_whole() -> None:
    book = ("jaychou", TrainConfig())
    tag = run_tag("jaychou", TrainConfig(lr=1e5, sampling="random"), [book], number=5)
    assert tag == "lr 1e5"
    assert grid_tags([{"model": "scratch", "lr": 1.0}, {"model": "scratch", "lr": 1e5}]) == [
        "lr 1", "lr 1e5"]
    assert label_now("#3 scratch·lr 1", 1e5) == "#3 scratch·lr 1→1e5"
    assert label_now("#3 scratch·lr 1e5", 1e5) == "#3 scratch·lr 1e5"  # its own lr: no arrow
