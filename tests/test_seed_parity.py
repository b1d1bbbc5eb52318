"""The book's three trainings reproduced with --seed 0 at the default settings (250 epochs).

Book (d2l-zh, PyTorch edition): scratch+random ends at perplexity 1.32 (9.79 at epoch 100),
scratch+consecutive 1.23 (7.14), nn.RNN+consecutive 1.05 (1.26). Different random draws than the
book's, so the bounds leave room: final <= 1.45 / 1.35 / 1.10 and epoch 100 within a factor 1.5.
The book's nn.RNN run never really clips (its clipping gets an exhausted generator); rnnplay
clips at 0.01 for real, which slows Adam's first 100 epochs (per-step rescaling changes Adam's
moment estimates), so the epoch-100 comparison for nn.RNN is made the way the book ran: unclipped.
"""

from __future__ import annotations

import os

import pytest

from engine.config import TrainConfig
from engine.training.trainer import Trainer

BOOK = {  # (model, sampling): (final perplexity bound, book's epoch-100 perplexity)
    ("scratch", "random"): (1.45, 9.79),
    ("scratch", "consecutive"): (1.35, 7.14),
    ("rnn", "consecutive"): (1.10, 1.26),
}


# The book's sizes train for minutes: two torch threads alone, but one each where pytest-xdist's
# workers share the cores (`make test`), since more threads than cores only contend.
WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
THREADS = max(1, min(2, (os.cpu_count() or 1) // WORKERS))


@pytest.fixture(autouse=True)
def training_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the training is timed here, as pred_period=0 leaves out the samples: no held-out
    perplexity (val_chars=0 in _perplexities), and the gradient-flow and weights probes measure
    the last epoch only (their share of the time 0): 10% less CPU time over 4 epochs. None of
    them touches the weights or the random state: with and without them, 4 epochs of each of
    the three trainings gave the same perplexities to the last digit."""
    monkeypatch.setattr("engine.training.probes.FLOW_SHARE", 0.0)
    monkeypatch.setattr("engine.training.probes.WEIGHTS_SHARE", 0.0)


def _perplexities(jaychou, **settings) -> dict[int, float]:
    config = TrainConfig(seed=0, threads=THREADS, pred_period=0, val_chars=0, **settings)
    trainer = Trainer(jaychou, config)
    assert trainer.run() == "finished"
    return {e.epoch: e.perplexity for e in trainer.history}


@pytest.mark.long(62)
@pytest.mark.parametrize("model,sampling", list(BOOK))
def test_book_training_reproduced(jaychou, model: str, sampling: str) -> None:
    final_bound, book_at_100 = BOOK[model, sampling]
    ppl = _perplexities(jaychou, model=model, sampling=sampling)
    assert ppl[250] <= final_bound
    if model == "scratch":
        assert book_at_100 / 1.5 <= ppl[100] <= book_at_100 * 1.5


@pytest.mark.long(27)
def test_unclipped_nn_rnn_follows_the_books_curve(jaychou) -> None:
    ppl = _perplexities(jaychou, model="rnn", sampling="consecutive", epochs=100, clip=1e30)
    assert 1.26 / 1.5 <= ppl[100] <= 1.26 * 1.5
