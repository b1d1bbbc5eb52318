"""When a run starts to overfit, said once (engine/training/overfitting.py), on curves shaped as
the book's settings draw them: the held-out perplexity falls to a best, then climbs past the
vocabulary size while the training one keeps falling."""

from __future__ import annotations

from engine.training.events import EpochEnd
from engine.training.overfitting import BaselineWatch

VOCAB = 1027


def epoch(n: int, train: float, held_out: float | None) -> EpochEnd:
    return EpochEnd(epoch=n, epochs=250, perplexity=train, seconds=0.2, chars_per_sec=4e4,
                    grad_norm=1.0, lr=100.0, val_perplexity=held_out)  # fmt: skip


def notes(curve: list[tuple[float, float | None]]) -> list[tuple[int, str]]:
    watch = BaselineWatch(VOCAB)
    said = [(n, watch.add(epoch(n, train, held), "#1 scratch"))
            for n, (train, held) in enumerate(curve, start=1)]  # fmt: skip
    return [(n, note) for n, note in said if note is not None]


def test_the_first_epoch_past_the_baseline_after_a_best_is_said_once_with_its_numbers() -> None:
    curve = [(900.0, 800.0), (300.0, 250.0), (40.0, 169.2), (8.0, 400.0), (3.0, 1500.0),
             (2.0, 4000.0), (1.5, 900.0), (1.3, 11500.0)]  # fmt: skip
    said = notes(curve)
    assert [n for n, _ in said] == [5], said
    note = said[0][1]
    assert note.startswith("#1 scratch: held-out perplexity 1,500 at epoch 5"), note
    assert "baseline (1027)" in note and "best 169 at epoch 3" in note, note
    assert "training perplexity is 3" in note and "overfits" in note, note


def test_a_run_that_never_learned_or_has_no_held_out_text_says_nothing() -> None:
    # At the start a model is a uniform guess: around the baseline is not overfitting.
    assert notes([(1030.0, 1027.5), (1020.0, 1031.0), (1010.0, 1040.0)]) == []
    # A best above half the baseline: it had not learned enough for the rise to mean that.
    assert notes([(900.0, 700.0), (600.0, 1100.0)]) == []
    assert notes([(900.0, None), (5.0, None)]) == []


def test_a_loaded_run_already_past_it_is_not_told_again() -> None:
    history = [epoch(n, train, held)
               for n, (train, held) in enumerate([(40.0, 169.0), (2.0, 3000.0)], start=1)]
    watch = BaselineWatch.after(VOCAB, history)  # its history, read at load
    assert watch.add(epoch(3, 1.5, 5000.0), "#1 scratch") is None
    # One that had not passed it yet still says it when it does.
    assert BaselineWatch.after(VOCAB, history[:1]).add(epoch(2, 2.0, 3000.0), "#1 scratch")
