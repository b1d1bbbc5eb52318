"""The decoding rule on its own: bounds, greedy, and draws that follow softmax(logits / T)."""

from __future__ import annotations

import math

import pytest
import torch

from engine.config import SEED_MAX, SEED_MIN, ConfigError
from engine.generation.decoding import Decoding

LOGITS = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0, 3.0]])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"temperature": -0.1}, "temperature"),
        ({"temperature": math.nan}, "temperature"),
        ({"temperature": math.inf}, "temperature"),
        ({"temperature": 100.5}, "temperature"),
        ({"temperature": 10**400}, "temperature"),
        ({"temperature": True}, "temperature"),
        ({"temperature": "1"}, "temperature"),
        ({"top_k": -1}, "top_k"),
        ({"top_k": 2.0}, "top_k"),
        ({"seed": SEED_MAX + 1}, "seed"),
        ({"seed": SEED_MIN - 1}, "seed"),
        ({"seed": "3"}, "seed"),
    ],
)
def test_invalid_values_are_refused_by_name(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field.replace("_", "-")) as caught:
        Decoding(**kwargs)
    assert isinstance(caught.value, ConfigError) and caught.value.field == field
    assert "\n" not in str(caught.value)


def test_bounds_are_inclusive() -> None:
    Decoding(temperature=0)
    Decoding(temperature=100.0, top_k=0, seed=SEED_MIN).generator()
    Decoding(temperature=1, seed=SEED_MAX).generator()
    Decoding(top_k=6).check_vocab(6)
    with pytest.raises(ConfigError, match="at most 6, the vocabulary size"):
        Decoding(top_k=7).check_vocab(6)


def test_greedy_is_the_argmax_and_draws_nothing() -> None:
    for rule in (Decoding(), Decoding(temperature=0.0, top_k=3), Decoding(temperature=5, top_k=1)):
        assert rule.greedy and rule.generator() is None and rule.label == "greedy"
        assert int(rule.pick(LOGITS, None)) == 5
    assert not Decoding(temperature=1.0).greedy


def test_a_tiny_temperature_is_greedy_not_nan() -> None:
    # logits / 1e-300 overflow to inf; the max is subtracted first so the odds stay finite.
    # The others' odds are exactly 0 then, and a character of zero odds is never drawn.
    rule = Decoding(temperature=1e-300, seed=0)
    for logits in (LOGITS, -LOGITS, LOGITS.flip(1)):
        best = int(logits.argmax())
        generator = rule.generator()
        assert all(int(rule.pick(logits, generator)) == best for _ in range(50))


def _frequencies(rule: Decoding, draws: int) -> torch.Tensor:
    generator = rule.generator()
    counts = torch.zeros(LOGITS.shape[1])
    for _ in range(draws):
        counts[int(rule.pick(LOGITS, generator))] += 1
    return counts / draws


@pytest.mark.parametrize(("temperature", "top_k"), [(1.0, 0), (2.5, 0), (0.5, 0), (1.0, 3)])
def test_draws_follow_the_tempered_softmax_over_the_top_k(temperature: float, top_k: int) -> None:
    # Independent: the formula written out in plain Python.
    scores = LOGITS[0].tolist()
    kept = sorted(range(len(scores)), key=lambda i: -scores[i])[: top_k or len(scores)]
    weights = {i: math.exp(scores[i] / temperature) for i in kept}
    want = torch.tensor([weights.get(i, 0.0) / sum(weights.values()) for i in range(len(scores))])
    got = _frequencies(Decoding(temperature, top_k, seed=1), 6000)
    # 6000 draws: one standard error is at most 0.0065; 0.03 is over 4.5 of them.
    assert torch.allclose(got, want.float(), atol=0.03), (got, want)
    assert all(got[i] == 0 for i in range(len(scores)) if i not in kept)


def test_a_seed_repeats_its_draws_and_leaves_the_global_stream_alone() -> None:
    rule = Decoding(temperature=1.0, seed=42)
    before = torch.random.get_rng_state()
    first = [int(rule.pick(LOGITS, g)) for g in [rule.generator()] for _ in range(50)]
    again = [int(rule.pick(LOGITS, g)) for g in [rule.generator()] for _ in range(50)]
    fresh = Decoding(temperature=1.0)
    unseeded = [[int(fresh.pick(LOGITS, g)) for _ in range(50)]
                for g in (fresh.generator(), fresh.generator())]
    assert torch.equal(torch.random.get_rng_state(), before)
    assert first == again
    assert unseeded[0] != unseeded[1]  # a fresh seed each time (equal by chance: < 1e-18)


def test_non_finite_outputs_refuse_to_sample() -> None:
    rule = Decoding(temperature=1.0, seed=0)
    with pytest.raises(ValueError, match="not finite"):
        rule.pick(torch.full((1, 4), math.nan), rule.generator())


def test_label() -> None:
    assert Decoding(temperature=0.8, top_k=40, seed=3).label == "T 0.8 · top-k 40 · seed 3"
    assert Decoding(temperature=2).label == "T 2"
