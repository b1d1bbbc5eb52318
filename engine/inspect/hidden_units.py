"""Hidden units over a text: the state a model holds after each character, and which units
are worth looking at (Karpathy et al. 2015 colour text by one cell's activation; LSTMVis ranks
cells by how they follow a pattern).

The activation at position j is the model's state right after it read text[j]: the same state
engine.generation.generate.Completer keeps there. Characters outside the vocabulary are skipped by
the model (the state carries over unchanged), so they have no activation of their own: None at their
position, and they take no part in the rankings.

Ranges: the state h is bounded in [-1, 1] for every model with tanh (the book's φ for the
scratch model and nn.RNN; GRU's h mixes tanh values and the zero start; LSTM's h is o * tanh(c)).
With φ = ReLU h is not (it is >= 0, unbounded above), nor is LSTM's cell c: |c_t| < t, as
c_t = f c_{t-1} + i g with |f|, |i g| < 1; the heatmap scales those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from engine.data.vocab import Vocab
from engine.inspect.rankings import RANKINGS
from engine.models.char_rnn import CharRNN, State

STATES = ("h", "c")
DEFAULT_HEATMAP_UNITS = 16


@dataclass(frozen=True)
class UnitRanking:
    """Units ordered by how much they tell, most first (ties: the lower unit first).

    "variance": the unit's variance over the text's characters. "in word": its correlation
    with 1 at a letter, digit or '_' (CJK characters count as letters) and 0 at a space,
    newline or punctuation. "since space": its correlation with the number of characters since
    the last space or newline (0 on it): the position in the lyric line for the book's lyrics,
    whose lines are joined by spaces, and in the word or token for code. Correlations are
    Pearson's, signed, ordered by their size; 0.0 where the unit or the feature is constant.
    """

    name: str
    units: tuple[int, ...]
    scores: tuple[float, ...]  # scores[i] belongs to units[i]


@dataclass(frozen=True)
class Heatmap:
    """The top units of one ranking by character: rows[i][j] is units[i] at text[j] divided
    by `scale` (so in [-1, 1]); None at a character the model skipped. `scale` is 1.0 for h and
    the largest |c| in the map for LSTM's c (1.0 if that is 0)."""

    ranking: str
    units: tuple[int, ...]
    rows: tuple[tuple[float | None, ...], ...]
    scale: float


@dataclass(frozen=True)
class HiddenUnits:
    text: str  # what was fed: the prompt, then its completion
    prompt_length: int  # text[:prompt_length] is the prompt
    layer: int  # 0-based; the model's last layer by default
    state: str  # "h" or "c" (LSTM's cell)
    bounded: bool  # True: every value is in [-1, 1] (tanh's range); False: LSTM's c, ReLU's h
    activations: tuple[tuple[float, ...] | None, ...]  # per character, one value per unit
    rankings: tuple[UnitRanking, ...]  # in RANKINGS order
    heatmap: Heatmap

    def unit(self, index: int) -> tuple[float | None, ...]:
        """One unit over the text (None where a character was skipped)."""
        return tuple(None if row is None else row[index] for row in self.activations)

    def ranking(self, name: str) -> UnitRanking:
        return self.rankings[RANKINGS.index(name)]


def check_view(model: CharRNN, layer: int | None, state: str) -> int:
    """The layer to show (0-based; None = the last); ValueError names a choice the model lacks."""
    if state not in STATES:
        raise ValueError(f"the state shown is 'h' or 'c', not {state!r}")
    if state == "c" and model.kind != "lstm":
        raise ValueError(f"only an LSTM has a cell state c; this model is {model.kind!r}: "
                         "show 'h'")
    if layer is None:
        return model.layers - 1
    if type(layer) is not int or not 0 <= layer < model.layers:
        raise ValueError(f"the layer must be 0 to {model.layers - 1} (0-based), not {layer!r}")
    return layer


def _states(
    model: CharRNN, vocab: Vocab, text: str, layer: int, state: str, begin: State | None = None
) -> tuple[list[int], torch.Tensor]:
    """The positions of the characters the model reads, and its chosen state after each of
    them, (len(positions), hidden) on the CPU; read from `begin` (default: zeros)."""
    ids = [vocab.char_to_idx.get(ch) for ch in text]
    at = [j for j, i in enumerate(ids) if i is not None]
    if not at:
        return at, torch.zeros(0, model.hidden)
    weight = next(model.parameters())
    X = torch.tensor([[ids[j] for j in at]], device=weight.device)
    begin = begin if begin is not None else model.begin_state(1, weight.device)
    start = tuple(s.to(weight.dtype) for s in begin)
    with torch.inference_mode():
        if state == "h" and layer == model.layers - 1:
            # What the models expose for a whole sequence in one call: the last layer's h for
            # every step. ScratchRNN returns the states alone, TorchRNN (states, final state).
            out = model.hidden_states(X, start)
            stacked = (out[0] if isinstance(out, tuple) else out)[:, 0]
        else:
            # Lower layers and LSTM's c exist only in the state a step returns: one step per
            # character. Only an nn model gets here (the scratch model has one layer and no
            # c), and its hidden_states steps without the output layer that step() adds.
            which, s, rows = STATES.index(state), start, []
            for i in range(len(at)):
                s = model.hidden_states(X[:, i : i + 1], s)[1]
                rows.append(s[which][layer, 0])
            stacked = torch.stack(rows)
    return at, stacked.cpu()


def _held_states(
    model: CharRNN, vocab: Vocab, text: str, layer: int, state: str, after: Sequence[State]
) -> tuple[list[int], torch.Tensor]:
    """As _states, from the state held after each character (a Completer's): no step is taken,
    for any layer or LSTM's c."""
    at = [j for j, ch in enumerate(text) if ch in vocab.char_to_idx]
    if not at:
        return at, torch.zeros(0, model.hidden)
    which = STATES.index(state)
    with torch.inference_mode():
        if model.kind == "scratch":  # one layer, its h (1, hidden)
            rows = torch.cat([after[j][0] for j in at])
        else:  # (layers, 1, hidden) per state
            rows = torch.stack([after[j][which] for j in at])[:, layer, 0]
    return at, rows.cpu()


def features(text: str) -> dict[str, list[float]]:
    """The simple per-character features the units are correlated with (see UnitRanking)."""
    in_word, since_space, run = [], [], 0
    for ch in text:
        in_word.append(1.0 if ch.isalnum() or ch == "_" else 0.0)
        run = 0 if ch.isspace() else run + 1
        since_space.append(float(run))
    return {"in word": in_word, "since space": since_space}


def hidden_units(
    model: CharRNN,
    vocab: Vocab,
    text: str,
    *,
    prompt_length: int | None = None,
    layer: int | None = None,
    state: str = "h",
    heatmap_units: int = DEFAULT_HEATMAP_UNITS,
    heatmap_ranking: str = "variance",
    begin: State | None = None,
    after: Sequence[State] | None = None,
) -> HiddenUnits:
    """The hidden-unit view of `text` (a prompt and its completion; prompt_length says where
    the completion starts, default: all prompt), read from the state `begin` (default: zeros;
    a warmed-up prompt's, Completer.start_state). The heatmap shows the top `heatmap_units`
    units of one ranking (all of them in a smaller model). ValueError names a bad choice.

    `after`, the state after each character of `text` as a Completer already holds them
    (Completer.state_after, completed_states), is read instead of a new pass over the text:
    after a keystroke that pass was a step per character of the prompt's window and its
    completion, three torch calls a character (up to ~540), each handing the GIL to the
    training thread (issue 21). The numbers are the completer's, the states its completions are
    computed from (a step and the fused pass agree to ~1e-7)."""
    layer = check_view(model, layer, state)
    if type(heatmap_units) is not int or heatmap_units < 1:
        raise ValueError(f"the heatmap shows 1 unit or more, not {heatmap_units!r}")
    if heatmap_ranking not in RANKINGS:
        raise ValueError(f"units are ranked by {', '.join(RANKINGS)}; not {heatmap_ranking!r}")
    prompt_length = len(text) if prompt_length is None else prompt_length
    if not 0 <= prompt_length <= len(text):
        raise ValueError(f"the prompt length must be 0 to {len(text)}, not {prompt_length}")
    if after is not None and len(after) != len(text):
        raise ValueError(f"{len(after)} states for {len(text)} characters: one after each")
    at, states = (
        _states(model, vocab, text, layer, state, begin) if after is None
        else _held_states(model, vocab, text, layer, state, after)
    )  # fmt: skip
    rankings = _rankings(states, at, text)
    units = rankings[RANKINGS.index(heatmap_ranking)].units[:heatmap_units]
    shown = states[:, list(units)]
    bounded = state == "h" and model.nonlinearity == "tanh"
    scale = 1.0 if bounded or not at else float(shown.abs().max()) or 1.0
    activations: list[tuple[float, ...] | None] = [None] * len(text)
    for j, row in zip(at, states.tolist(), strict=True):
        activations[j] = tuple(row)
    # One row per unit: a column of the states, over the text.
    rows = tuple(_over_text(r, at, len(text)) for r in (shown / scale).t().tolist())
    return HiddenUnits(
        text=text,
        prompt_length=prompt_length,
        layer=layer,
        state=state,
        bounded=bounded,
        activations=tuple(activations),
        rankings=rankings,
        heatmap=Heatmap(heatmap_ranking, units, rows, scale),
    )


def _over_text(values: list[float], at: list[int], length: int) -> tuple[float | None, ...]:
    """Values of the known characters at positions `at`, None at the skipped ones."""
    if len(at) == length:
        return tuple(values)
    row: list[float | None] = [None] * length
    for j, v in zip(at, values, strict=True):
        row[j] = v
    return tuple(row)


def _rankings(states: torch.Tensor, at: list[int], text: str) -> tuple[UnitRanking, ...]:
    """Every unit under each ranking, from the states (known chars, hidden) at positions `at`."""
    if not at:  # nothing read, nothing to rank: the units in order, scored 0
        order = tuple(range(states.shape[1]))
        return tuple(UnitRanking(name, order, (0.0,) * len(order)) for name in RANKINGS)
    H = states.double()
    centred = H - H.mean(0)
    spread = centred.pow(2).mean(0)  # the population variance of each unit
    scores = [spread]
    for values in features(text).values():
        f = torch.tensor([values[j] for j in at], dtype=torch.float64)
        f = f - f.mean()
        denominator = (spread * f.pow(2).mean()).sqrt() * len(at)
        corr = (f @ centred) / denominator
        # A constant unit or feature has no correlation to speak of: 0, not nan.
        scores.append(torch.where(denominator > 0, corr, 0.0).clamp(-1.0, 1.0))
    return tuple(_ranked(name, s) for name, s in zip(RANKINGS, scores, strict=True))


def _ranked(name: str, scores: torch.Tensor) -> UnitRanking:
    # The largest |score| first, ties to the lower unit: a stable sort keeps the units' order
    # among equals (the order Python's sort by (-|score|, unit) gives, without a Python key
    # call per unit: ~1 ms of each keystroke's three rankings of 256 units).
    order = torch.sort(scores.abs(), descending=True, stable=True).indices
    return UnitRanking(name, tuple(order.tolist()), tuple(scores[order].tolist()))
