"""See inside the prompt model (issue 9's views): what it expects next, how sure it was of its
completion, what its hidden units hold over the text, and what its next prediction looks at.

`inspect_prompt` computes all of it for the prompt thread after a keystroke, from the same
Completer that completes the prompt, and returns frozen records of plain Python values (no
tensors), safe to hand to another thread. The hidden-unit and saliency views live in
engine/inspect/hidden_units.py and engine/inspect/saliency.py; each can also be computed on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from engine.generation.decoding import Decoding
from engine.generation.generate import GREEDY, Completer
from engine.inspect.hidden_units import DEFAULT_HEATMAP_UNITS, HiddenUnits, hidden_units
from engine.inspect.saliency import Saliency, saliency
from engine.inspect.step import ModelSteps, prompt_steps

DEFAULT_TOP_K = 10


@dataclass(frozen=True)
class NextCharOdds:
    """The model's odds for the character after the text."""

    top: tuple[tuple[str, float], ...]  # the k likeliest characters, likeliest first
    entropy: float  # of the whole distribution, in nats
    effective_choices: float  # exp(entropy): as unsure as a fair pick among this many


@dataclass(frozen=True)
class CompletionConfidence:
    text: str  # the completion
    probs: tuple[float, ...]  # probs[i]: the model's probability of text[i] where it wrote it


@dataclass(frozen=True)
class Inspection:
    """Every view of one prompt under one set of weights."""

    prompt: str
    odds: NextCharOdds | None  # None before any known character
    completion: CompletionConfidence
    hidden: HiddenUnits | None  # over the prompt, then the completion (None: not asked for)
    saliency: Saliency | None  # of the likeliest next character; None like odds, or not asked
    model: ModelSteps | None = None  # the model's shape and each prompt character's step


def next_char_odds(completer: Completer, k: int = DEFAULT_TOP_K) -> NextCharOdds | None:
    """The odds after the completer's text (characters it does not know are skipped, as it
    skips them); None before any known character. ValueError for k below 1."""
    if type(k) is not int or k < 1:
        raise ValueError(f"the number of next characters must be 1 or more, not {k!r}")
    top = completer.next_char_probs(k)
    if not top:
        return None
    # Over the whole vocabulary in one pass (in Python, a term per character of jaychou's
    # ~1,000 was ~1 ms of each keystroke's, holding the GIL). xlogy: a zero probability adds
    # nothing to the entropy (p log p -> 0).
    with torch.inference_mode():
        probs = torch.softmax(completer.next_logits[0].double(), dim=0)
        entropy = -float(torch.special.xlogy(probs, probs).sum())
    return NextCharOdds(tuple(top), entropy, math.exp(entropy))


def completion_confidence(
    completer: Completer, n: int, decoding: Decoding = GREEDY
) -> CompletionConfidence:
    """n characters after the completer's text and the probability of each; empty before any
    known character."""
    text, probs = completer.complete_with_probs(n, decoding)
    return CompletionConfidence(text, tuple(probs))


def inspect_prompt(
    completer: Completer,
    length: int,
    decoding: Decoding = GREEDY,
    *,
    k: int = DEFAULT_TOP_K,
    layer: int | None = None,
    state: str = "h",
    heatmap_units: int = DEFAULT_HEATMAP_UNITS,
    heatmap_ranking: str = "variance",
    views: tuple[str, ...] = ("odds", "units", "looks at"),  # and "model"
    window: int | None = None,
    completion: CompletionConfidence | None = None,
) -> Inspection:
    """All the views for the completer's current text (call completer.set_text first) with a
    completion of `length` characters under `decoding`. Runs on the thread that owns the
    completer. ValueError names a bad choice (k, layer, state, heatmap size or ranking).

    With a `window`, the hidden units and the saliency cover only the text's last `window`
    characters, read from the state the completer holds before them: each is a pass over its
    text, and over a 2,000-character prompt that took 50-190 ms of every keystroke.

    `completion`, the completer's last one (complete_with_probs from its text now, under
    `decoding`), is taken as it is instead of computed again: a sampled one would draw anew."""
    prompt = completer.text
    first = 0 if window is None else max(0, len(prompt) - window)
    shown, begin = prompt[first:], completer.state_after(first)
    steps = prompt_steps(completer) if "model" in views else None
    odds = next_char_odds(completer, k)
    if completion is None:
        completion = completion_confidence(completer, length, decoding)
    # Each view costs a pass over the text: only the ones asked for are computed.
    hidden = looks_at = None
    if "units" in views:
        # The states the completer holds after each character: the window's and the
        # completion's (as the model view reads its steps' states), no new pass over them.
        completed = completer.completed_states()
        held = [completer.state_after(j + 1) for j in range(first, len(prompt))] + completed
        hidden = hidden_units(
            completer.model,
            completer.vocab,
            shown + completion.text,
            prompt_length=len(shown),
            layer=layer,
            state=state,
            heatmap_units=heatmap_units,
            heatmap_ranking=heatmap_ranking,
            begin=begin,
            after=held if len(completed) == len(completion.text) else None,
        )
    if "looks at" in views:
        looks_at = saliency(completer.model, completer.vocab, shown, begin=begin)
    return Inspection(prompt, odds, completion, hidden, looks_at, steps)
