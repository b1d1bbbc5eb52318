"""A keystroke's views read what the completer already holds (issue 21, bar 3): the hidden units
are the states its completion was computed from, not a new pass over the text, and the odds ask
it for the k likeliest characters, not the whole vocabulary. Checked against the pass they
replaced and against the model stepped by hand."""

from __future__ import annotations

import pytest
import torch

from engine.data.vocab import Vocab
from engine.generation.decoding import Decoding
from engine.generation.generate import Completer
from engine.inspect import hidden_units as units_module
from engine.inspect.hidden_units import hidden_units
from engine.inspect.inspection import inspect_prompt, next_char_odds
from engine.models.char_rnn import build_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

VOCAB = Vocab.from_text("abcdefgh ij_.\n分开不")
PROMPT = "fed €分 ab€c"  # € is not in the vocabulary
SAMPLED = Decoding(temperature=0.8, seed=1)


def _model(kind: str, layers: int = 1):
    torch.manual_seed(3)
    model = build_model(kind, len(VOCAB), 8, layers)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)  # well past the book's init, so the states depend on the context
    return model


def _fed(model, state, text: str) -> list[tuple[torch.Tensor, ...]]:
    """The state after each character of text, feeding them one by one from `state`."""
    out = []
    with torch.inference_mode():
        for ch in text:
            _, state = model.step(torch.tensor([VOCAB.char_to_idx[ch]]), state)
            out.append(state)
    return out


@pytest.mark.parametrize("decoding", [Decoding(), SAMPLED])
@pytest.mark.parametrize("kind", ["scratch", "lstm"])
def test_completed_states_are_those_of_feeding_the_completion(kind, decoding) -> None:
    completer = Completer(_model(kind), VOCAB)
    completer.set_text(PROMPT)
    completion = completer.complete(6, decoding)
    held = completer.completed_states()
    want = _fed(completer.model, completer.state_after(len(PROMPT)), completion)
    assert len(held) == len(completion) == 6
    for got, fed in zip(held, want, strict=True):
        for a, b in zip(got, fed, strict=True):
            assert torch.equal(a, b)
    completer.set_text(PROMPT + "a")  # the text moved: that completion is not its own
    assert completer.completed_states() == []
    completer.set_text("€")  # nothing known: nothing completed
    completer.complete(6, decoding)
    assert completer.completed_states() == []


@pytest.mark.parametrize(
    ("kind", "layers", "state", "layer"),
    [("scratch", 1, "h", 0), ("gru", 2, "h", 1), ("lstm", 2, "c", 0), ("lstm", 2, "h", 1)],
)
@pytest.mark.parametrize("decoding", [Decoding(), SAMPLED])
def test_the_units_view_reads_the_completers_states_not_a_new_pass(
    kind, layers, state, layer, decoding, monkeypatch
) -> None:
    model = _model(kind, layers)
    completer = Completer(model, VOCAB)
    completer.warm_up("abc fed ")
    completer.set_text(PROMPT)
    window = 6
    first = len(PROMPT) - window
    passes = []
    real = units_module._states  # the pass over the text that the view no longer takes
    monkeypatch.setattr(units_module, "_states", lambda *a: passes.append(1) or real(*a))
    seen = inspect_prompt(
        completer, 9, decoding, state=state, layer=layer, heatmap_units=3, views=("units",),
        window=window,
    )  # fmt: skip
    assert passes == []
    monkeypatch.undo()
    text = PROMPT[first:] + seen.completion.text
    by_pass = hidden_units(
        model, VOCAB, text, prompt_length=window, layer=layer, state=state, heatmap_units=3,
        begin=completer.state_after(first),
    )  # fmt: skip
    held = seen.hidden
    assert held.text == by_pass.text and held.prompt_length == window
    for a, b in zip(held.activations, by_pass.activations, strict=True):
        assert (a is None) == (b is None)  # the skipped € has no activation of its own
        if a is not None:
            assert a == pytest.approx(b, abs=1e-6)  # a step and a pass agree to float noise
    assert [r.units for r in held.rankings] == [r.units for r in by_pass.rankings]
    assert held.heatmap.units == by_pass.heatmap.units


def test_states_given_must_be_one_per_character() -> None:
    with pytest.raises(ValueError, match="one after each"):
        hidden_units(_model("scratch"), VOCAB, "abc", after=[])


def test_the_odds_ask_the_completer_for_the_k_likeliest_only(monkeypatch) -> None:
    completer = Completer(_model("gru"), VOCAB)
    completer.set_text(PROMPT)
    asked = []
    real = completer.next_char_probs
    monkeypatch.setattr(completer, "next_char_probs", lambda k: asked.append(k) or real(k))
    odds = next_char_odds(completer, 3)
    assert asked == [3]
    monkeypatch.undo()
    every = completer.next_char_probs(len(VOCAB))
    assert odds.top == tuple(every[:3])
    assert odds.entropy == pytest.approx(-sum(p * torch.tensor(p).log().item() for _, p in every))
