"""A run the prompt follows: where it publishes its weights and what model they fit, which views
of the model a completion comes with, and one completion from a model copy over those weights
(engine.generation.prompt_follower keeps the copies and decides when each completes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch

from engine.data.vocab import Vocab
from engine.generation.completion import Completion
from engine.generation.decoding import Decoding
from engine.generation.generate import Completer
from engine.inspect.inspection import CompletionConfidence, inspect_prompt
from engine.models.char_rnn import CharRNN, build_model
from engine.training.snapshots import SnapshotBox

# The prompt's last characters the hidden-unit and saliency views cover (a pass over each
# keystroke's text; the views' pane shows about this much), as the model view's steps.
VIEW_WINDOW = 128


@dataclass(frozen=True)
class Views:
    """Which views inside the model to compute with each completion (engine.inspect.inspection)."""

    state: str = "h"  # the hidden state shown: "h", or LSTM's cell "c"
    ranking: str = "variance"  # how the heatmap picks its units
    shown: tuple[str, ...] = ("odds", "units", "looks at")  # the views to compute


@dataclass(frozen=True)
class WeightsSource:
    """Where the followed run publishes its weights, and what model they fit."""

    run_id: int
    snapshots: SnapshotBox
    kind: str
    vocab: Vocab
    hidden: int
    layers: int
    nonlinearity: str = "tanh"  # φ of the scratch model and nn.RNN
    embed_dim: int | None = None  # the learned embedding's size; None: the one-hot input
    # the start of its training text, what a warm-up reads (Decoding.warmup characters of it)
    warmup_text: str = ""


def model_over(source: WeightsSource, weights: dict[str, torch.Tensor]) -> CharRNN:
    """A model of the source's shape over these published weights, sharing them: a snapshot is
    never changed once published (engine.training.snapshots), so neither the copy nor the
    random first weights build_model would draw are needed."""
    with torch.device("meta"):
        model = build_model(
            source.kind, len(source.vocab), source.hidden, source.layers,
            nonlinearity=source.nonlinearity, embed_dim=source.embed_dim,
        )
    model.load_state_dict(weights, assign=True)
    return model


def complete_followed(
    completer: Completer,
    source: WeightsSource,
    text: str,
    length: int,
    decoding: Decoding,
    views: Views | None,
    version: int,
    every: float,
    *,
    odds: bool,
    report: Callable[[Completion], None],
) -> None:
    """Report the completion of `text`, with each character's probability if `odds` (or views
    are asked); then, if views are asked, the same completion again with them. The views come
    second: computed first, they held every keystroke's completion back by their pass over the
    text (the hidden units, the saliency's gradient, the model view's steps; issue 21, bar 3)."""
    completer.warm_up(source.warmup_text[: decoding.warmup])
    completer.set_text(text)
    # A top-k past the vocabulary means "all of it", whatever corpus it meets.
    decoding = replace(decoding, top_k=min(decoding.top_k, len(source.vocab)))
    if views is None and not odds:
        completion, probs = completer.complete(length, decoding), []
    else:
        completion, probs = completer.complete_with_probs(length, decoding)
    unknown = tuple(dict.fromkeys(completer.unknown))
    done = Completion(
        text, completion, unknown, version, None, source.run_id, tuple(probs), None, every
    )
    report(done)
    if views is not None:
        state = views.state if source.kind == "lstm" else "h"
        inspection = inspect_prompt(
            completer, length, decoding, state=state, heatmap_ranking=views.ranking,
            views=views.shown, window=VIEW_WINDOW,
            completion=CompletionConfidence(completion, tuple(probs)),
        )  # fmt: skip
        report(replace(done, inspection=inspection))
