"""A load puts its saved torch RNG state back while other runs may be being built on threads of
their own: the two must not overlap, or the built run's initial weights are drawn from the
loaded state, and the load's state is lost when the seeding puts torch's RNG back after it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import torch
from helpers import small_trainer

import engine.training.trainer as trainer_module
from engine.data.corpus import load_corpus
from engine.session.trainer_state import restore_state, trainer_state
from engine.training.trainer import Trainer


def test_a_load_waits_for_a_run_drawing_its_weights(
    tiny_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = load_corpus(str(tiny_corpus))
    alone = small_trainer(corpus, seed=7).model.state_dict()
    loaded = small_trainer(corpus, seed=3)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1234)  # a torch RNG state unlike any the test's other draws leave
        state = trainer_state(loaded)

    drawing, restored = threading.Event(), threading.Event()
    real_model_for = trainer_module.model_for

    def model_for_after_a_pause(*args: object) -> torch.nn.Module:
        # The real draw, held back long enough that a load not kept out lands before it.
        drawing.set()
        restored.wait(0.5)
        return real_model_for(*args)

    monkeypatch.setattr(trainer_module, "model_for", model_for_after_a_pause)
    built: list[Trainer] = []
    builder = threading.Thread(target=lambda: built.append(small_trainer(corpus, seed=7)))
    builder.start()
    assert drawing.wait(30), "the run never started drawing its weights"
    restore_state(loaded, state)
    restored.set()
    builder.join(30)

    assert built, "the run was not built"
    weights = built[0].model.state_dict()
    assert all(torch.equal(weights[k], alone[k]) for k in alone), "the load changed its weights"
    assert torch.equal(torch.get_rng_state(), state["rng"]["torch"]), "the load's RNG was undone"
