"""The weights over time (issue 18 §2): each parameter's histogram, quartiles, norm and update
ratio at an epoch's end, against independent computations (torch.quantile, counting by hand in
float64, norms of the weights the trainer had), recorded by the trainer, saved and restored, and
old sessions without them still load."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from helpers import small_trainer
from test_session_files import rewrite_meta

from engine.data.corpus import load_corpus
from engine.inspect.weights import BINS, FINE_BINS, QUANTILES, quantile, snapshot, weight_stats
from engine.models.char_rnn import model_for
from engine.session import SessionError, load_session, restore_trainer, save_session
from engine.training.events import BatchEnd, ParamStats

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _by_hand_histogram(w: torch.Tensor, bins: int) -> list[int]:
    """Counts in `bins` equal bins over [min, max] (the max in the last), in float64."""
    x = w.double().reshape(-1)
    lo, hi = x.min(), x.max()
    index = ((x - lo) / (hi - lo) * bins).floor().clamp(max=bins - 1).long()
    return torch.bincount(index, minlength=bins).tolist()


@pytest.mark.parametrize("shape", [(1027, 64), (256,), (7, 3)])
def test_stats_match_independent_computations(shape: tuple[int, ...]) -> None:
    g = torch.Generator().manual_seed(3)
    module = torch.nn.Module()
    # a skewed distribution, so the quartiles are not symmetric
    module.w = torch.nn.Parameter(torch.randn(shape, generator=g).exp())
    start = snapshot(module)
    with torch.no_grad():
        module.w.add_(0.1 * torch.randn(shape, generator=g))
    (stats,) = weight_stats(module, start)
    w = module.w.detach()
    assert stats.name == "w" and stats.shape == shape
    assert stats.histogram == tuple(_by_hand_histogram(w, BINS))
    assert sum(stats.histogram) == w.numel()
    want = torch.quantile(w.double().reshape(-1), torch.tensor(QUANTILES, dtype=torch.float64))
    width = float(w.max() - w.min()) / FINE_BINS
    assert stats.quantiles[0] == float(w.min()) and stats.quantiles[-1] == float(w.max())
    for got, exact in zip(stats.quantiles, want.tolist(), strict=True):
        assert abs(got - exact) <= width * 1.001 + 1e-7
    assert stats.norm == pytest.approx(math.sqrt(float((w.double() ** 2).sum())), rel=1e-6)
    moved = math.sqrt(float(((w.double() - start[0].double()) ** 2).sum()))
    assert stats.update_ratio == pytest.approx(moved / float(start[0].double().norm()), rel=1e-5)


def test_the_quantile_from_counts_is_exact_when_each_bin_holds_its_value() -> None:
    # values 0..9, one per bin of width 1 centred on it: the estimate is torch.quantile's
    values = torch.arange(10, dtype=torch.float64)
    for q in (0.1, 0.25, 0.5, 0.77, 0.9):
        got = quantile([1] * 10, -0.5, 9.5, q)
        assert got == pytest.approx(float(torch.quantile(values, q)))


def test_a_constant_parameter_and_no_start() -> None:
    module = torch.nn.Module()
    module.b = torch.nn.Parameter(torch.full((5,), 0.25))
    (stats,) = weight_stats(module)
    assert stats.quantiles == (0.25,) * 5 and stats.histogram[0] == 5
    assert sum(stats.histogram) == 5 and stats.update_ratio is None


@pytest.mark.usefixtures("flow_every_epoch")
@pytest.mark.parametrize("model,layers", [("scratch", 1), ("lstm", 2)])
def test_the_trainer_records_every_parameter_each_epoch(
    jaychou, model: str, layers: int
) -> None:
    corpus = load_corpus("jaychou", max_chars=2000)
    trainer = small_trainer(corpus, model=model, layers=layers, epochs=2, pred_period=0)
    torch.manual_seed(trainer.config.seed)  # the initial weights, as the trainer drew them
    initial = model_for(trainer.config, len(corpus.vocab)).state_dict()
    trainer.run_epoch()
    after_one = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.run_epoch()
    names = [name for name, _ in trainer.model.named_parameters()]
    if model == "scratch":
        assert names == ["W_xh", "W_hh", "b_h", "W_hq", "b_q"]
    for end, before, after in ((trainer.history[0], initial, after_one),
                               (trainer.history[1], after_one, trainer.model.state_dict())):
        assert [p.name for p in end.weights] == names
        for p in end.weights:
            w, w0 = after[p.name].double(), before[p.name].double()
            assert p.shape == tuple(w.shape)
            assert p.norm == pytest.approx(float(w.norm()), rel=1e-5)
            if w0.norm() == 0:  # the book's zero biases at the start: no ratio to a zero size
                assert p.update_ratio is None
            else:
                assert p.update_ratio == pytest.approx(float((w - w0).norm() / w0.norm()),
                                                       rel=1e-4)
            assert p.quantiles[0] == pytest.approx(float(w.min()))


def test_skipped_where_too_costly_but_not_on_the_last_epoch(
    jaychou, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("engine.training.probes.WEIGHTS_SHARE", 1e-12)
    trainer = small_trainer(load_corpus("jaychou", max_chars=2000), epochs=4, pred_period=0)
    trainer.run()
    assert [len(e.weights) for e in trainer.history] == [5, 0, 0, 5]


@pytest.mark.usefixtures("flow_every_epoch")
def test_saved_and_restored_and_a_resumed_epoch_has_no_ratio(jaychou, tmp_path: Path) -> None:
    def stop_in_epoch_two(event: object) -> None:
        if isinstance(event, BatchEnd) and event.epoch == 2:
            trainer.stop()  # after this batch

    trainer = small_trainer(load_corpus("jaychou", max_chars=2000), stop_in_epoch_two,
                            epochs=3, pred_period=0)
    trainer.run()
    assert trainer.cursor is not None and trainer.cursor.batch >= 1
    path = save_session(tmp_path / "w.rnnplay", trainer)
    back = restore_trainer(load_session(path))
    assert back.history == trainer.history and back.history[0].weights
    assert all(isinstance(p, ParamStats) for p in back.history[0].weights)
    back.run_epoch()  # the rest of the epoch: its start was not seen
    assert back.history[-1].weights and all(
        p.update_ratio is None for p in back.history[-1].weights)


@pytest.mark.usefixtures("flow_every_epoch")
def test_a_session_from_before_the_weights_still_loads(jaychou, tmp_path: Path) -> None:
    trainer = small_trainer(load_corpus("jaychou", max_chars=2000), epochs=2, pred_period=0)
    trainer.run()
    path = save_session(tmp_path / "old.rnnplay", trainer)

    def drop(meta: dict) -> None:
        for entry in _history(meta):
            del entry["weights"]

    rewrite_meta(path, drop)
    back = restore_trainer(load_session(path))
    assert [e.weights for e in back.history] == [(), ()]
    assert [e.perplexity for e in back.history] == [e.perplexity for e in trainer.history]


@pytest.mark.usefixtures("flow_every_epoch")
@pytest.mark.parametrize("field,value,words", [
    ("histogram", ["1"], "histogram"),
    ("quantiles", [0.0, "x"], "quantiles"),
    ("shape", list(range(9)), "shape"),
    ("update_ratio", -1.0, "update_ratio"),
])
def test_a_crafted_weights_record_is_refused(
    jaychou, tmp_path: Path, field: str, value: object, words: str
) -> None:
    trainer = small_trainer(load_corpus("jaychou", max_chars=2000), epochs=1, pred_period=0)
    trainer.run()
    path = save_session(tmp_path / "bad.rnnplay", trainer)

    def craft(meta: dict) -> None:
        _history(meta)[0]["weights"]["__tuple__"][0][field] = value  # codec.py marks tuples

    rewrite_meta(path, craft)
    with pytest.raises(SessionError, match=words):
        load_session(path)


def _history(meta: dict) -> list[dict]:
    """The history list inside a meta document (codec.py may nest it)."""
    found = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "history" in node and isinstance(node["history"], list):
                found.append(node["history"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(meta)
    assert found, json.dumps(meta)[:200]
    return found[0]
