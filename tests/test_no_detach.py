"""`--no-detach`: consecutive sampling with the state's gradient carried through the epoch."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from helpers import run_main, small_trainer

from engine.config import ConfigError, TrainConfig
from engine.data.corpus import load_corpus
from engine.data.sampling import batch_at, consecutive_starts
from engine.models import memory_estimate
from engine.models.memory_estimate import check_memory
from engine.training.probes import Probe, TrainedBatch

pytestmark = pytest.mark.usefixtures("one_torch_thread")

RUN = dict(model="scratch", sampling="consecutive", hidden=8, batch_size=2, num_steps=4,
           epochs=1, lr=0.5, clip=1e9, val_chars=0, pred_period=0)


class Grads(Probe):
    """Each batch's gradient, and the weights it was taken at (the step before's)."""

    def __init__(self, trainer) -> None:
        self.grads: list[dict[str, torch.Tensor]] = []
        self.weights = [self._weights(trainer)]

    @staticmethod
    def _weights(trainer) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in trainer.model.named_parameters()}

    def on_batch_end(self, trainer, batch: TrainedBatch) -> None:
        self.grads.append({k: v.grad.clone() for k, v in trainer.model.named_parameters()})
        self.weights.append(self._weights(trainer))


def _trained(corpus_path: Path, **settings):
    trainer = small_trainer(load_corpus(str(corpus_path), max_chars=0), **{**RUN, **settings})
    grads = Grads(trainer)
    trainer.probes.append(grads)
    trainer.run_epoch()
    return trainer, grads


def test_the_first_batch_is_the_same_and_later_gradients_differ(tiny_corpus: Path) -> None:
    _, detached = _trained(tiny_corpus, detach=True)
    _, carried = _trained(tiny_corpus, detach=False)
    assert len(carried.grads) >= 4
    for name, grad in detached.grads[0].items():
        assert torch.equal(carried.grads[0][name], grad)
    assert not torch.allclose(carried.grads[3]["W_hh"], detached.grads[3]["W_hh"])


def test_a_later_batchs_gradient_is_autograd_through_the_epoch_so_far(tiny_corpus: Path) -> None:
    trainer, carried = _trained(tiny_corpus, detach=False)
    k, steps = 3, trainer.config.num_steps
    model = trainer.model
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(carried.weights[k][name])  # the weights batch k was trained at
    first = consecutive_starts(len(trainer.data), trainer.config.batch_size, steps)[0]
    X, Y = batch_at(trainer.data, first, (k + 1) * steps)
    # The book's loop over the concatenated text, one step at a time, loss on batch k only.
    H, outputs = model.begin_state(X.shape[0])[0], []
    for t in range(X.shape[1]):
        H = torch.tanh(model.W_xh[X[:, t]] + H @ model.W_hh + model.b_h)
        outputs.append(H @ model.W_hq + model.b_q)
    logits = torch.cat(outputs[k * steps:])
    loss = F.cross_entropy(logits, Y[:, k * steps:].t().reshape(-1))
    names = [name for name, _ in model.named_parameters()]
    expected = torch.autograd.grad(loss, list(model.parameters()))
    for name, grad in zip(names, expected, strict=True):
        torch.testing.assert_close(carried.grads[k][name], grad, rtol=1e-4, atol=1e-7, msg=name)


def test_random_sampling_refuses_not_detaching_saying_why(
    tiny_corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError) as err:
        TrainConfig(sampling="random", detach=False).check()
    assert err.value.field == "detach" and "random sampling" in str(err.value)
    code, _, out = run_main(capsys, "train", "--corpus", str(tiny_corpus), "--no-detach")
    assert code == 2
    assert len(out.strip().splitlines()) == 1 and "consecutive" in out


def test_the_memory_check_refuses_an_epochs_graph_that_does_not_fit(monkeypatch) -> None:
    config = TrainConfig(sampling="consecutive", detach=False, device="cpu")
    chars, vocab = 1_000_000, 1027
    detached = check_memory(TrainConfig(sampling="consecutive", device="cpu"), vocab,
                            train_chars=chars)
    carried = memory_estimate.estimate(config, vocab, torch.device("cpu"), chars)
    assert carried.earlier_batches == (chars // 32 - 1) // 35 - 1
    assert carried.total_bytes > detached.total_bytes + 100 * carried.batch_bytes
    room = detached.total_bytes + 10 * carried.graph_bytes // carried.earlier_batches
    monkeypatch.setattr(memory_estimate, "available_bytes", lambda device: room)
    with pytest.raises(ConfigError) as err:
        check_memory(config, vocab, train_chars=chars)
    message = str(err.value)
    assert err.value.field == "detach" and "\n" not in message
    assert "whole epoch" in message and "11 batches or fewer" in message
    check_memory(TrainConfig(sampling="consecutive", device="cpu"), vocab, train_chars=chars)
    capped = TrainConfig(sampling="consecutive", detach=False, device="cpu", epoch_batches=11)
    check_memory(capped, vocab, train_chars=chars)
