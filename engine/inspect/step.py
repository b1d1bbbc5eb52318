"""The model drawn with numbers: its parameters' shapes, and one time step term by term for each
character of a text, from a run's current weights (the app's model view, `rnnplay inspect
--step`).

The book's RNN (d2l 8.5), one step for the character x_t:

    X_t = one_hot(x_t)                         (1 x V)
    H_t = φ(X_t W_xh + H_{t-1} W_hh + b_h)     (1 x H), φ = tanh (or ReLU)
    O_t = H_t W_hq + b_q                       (1 x V), P(next) = softmax(O_t)

X_t W_xh is row x_t of W_xh, so it is read as that row (engine/models/char_input.py); the
numbers are the product's. The nn models store torch's transposes (weight_ih is W_xh^T) and
two biases per layer (b_ih + b_hh play b_h). GRU and LSTM are the book's gated cells (d2l 9.1,
9.2) with torch's gate order; where torch departs from the book it is said at the step. An upper
layer reads the layer below's H_t where the first reads X_t.

Every term is kept as a Vector: its norm and its first units, plain floats safe to hand to
another thread.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import torch

from engine.data.vocab import Vocab
from engine.generation.generate import Completer
from engine.models.char_rnn import CharRNN, State
from engine.models.recurrence import ACTIVATION

FIRST_UNITS = 16  # units of each vector kept for its sparkline
TOP = 5  # the likeliest next characters kept per step
WINDOW = 128  # the text's last characters stepped term by term (the prompt is usually shorter)

# The gates in torch's order, with the book's names (d2l 9.1 and 9.2).
GATES = {
    "gru": ("R reset", "Z update", "H~ candidate"),
    "lstm": ("I input", "F forget", "C~ candidate", "O output"),
}


@dataclass(frozen=True)
class Parameter:
    name: str  # as the model names it (W_xh, rnn.weight_ih_l0, dense.weight, ...)
    book: str  # its place in the book's equations
    shape: tuple[int, ...]
    count: int


@dataclass(frozen=True)
class ModelShape:
    kind: str  # scratch, rnn, gru, lstm
    vocab: int  # V
    hidden: int  # H
    layers: int
    nonlinearity: str  # φ: tanh or relu (GRU, LSTM: tanh, fixed by their gates)
    embed_dim: int | None  # None: one-hot input
    parameters: tuple[Parameter, ...]

    @property
    def total(self) -> int:
        return sum(p.count for p in self.parameters)


@dataclass(frozen=True)
class Vector:
    """One term of a step: its Euclidean norm and its first FIRST_UNITS units."""

    norm: float
    first: tuple[float, ...]


@dataclass(frozen=True)
class LayerStep:
    """One layer's step. For gated cells the two terms hold every gate's part (G·H units)."""

    input: Vector  # X_t W_xh (an upper layer: H_t of the layer below times its W_xh)
    recurrent: Vector  # H_{t-1} W_hh
    bias: Vector  # b_h (nn models: b_ih + b_hh)
    gates: tuple[tuple[str, Vector], ...]  # GRU, LSTM: each gate after its σ or tanh
    cell: Vector | None  # LSTM's memory cell C_t
    hidden: Vector  # H_t, after φ


@dataclass(frozen=True)
class CharStep:
    position: int  # in the text
    char: str
    index: int  # in the vocabulary: X_t's 1, row `index` of W_xh
    layers: tuple[LayerStep, ...]
    top: tuple[tuple[str, float, float], ...]  # (char, logit O_t, softmax prob), likeliest first
    actual: tuple[str, float] | None  # the text's next character and its probability here


@dataclass(frozen=True)
class ModelSteps:
    shape: ModelShape
    text: str
    steps: tuple[CharStep | None, ...]  # per character of the text; None: skipped or before
    # exp(mean of -log P(the text's next character)) over the stepped characters: the text's
    # perplexity under the model; None with fewer than two known characters
    perplexity: float | None


def model_shape(model: CharRNN) -> ModelShape:
    """The model's parameters with their real shapes, named as in the book's equations."""
    books = _book_names(model)
    parameters = tuple(
        Parameter(name, books.get(name, name), tuple(p.shape), p.numel())
        for name, p in model.named_parameters()
    )
    return ModelShape(
        model.kind, model.vocab_size, model.hidden, model.layers, model.nonlinearity,
        model.embed_dim, parameters,
    )  # fmt: skip


def _book_names(model: CharRNN) -> dict[str, str]:
    if model.kind == "scratch":
        return {"W_xh": "W_xh", "E": "E (embedding)", "W_eh": "W_eh", "W_hh": "W_hh",
                "b_h": "b_h", "W_hq": "W_hq", "b_q": "b_q"}  # fmt: skip
    names = {"embed.weight": "E (embedding)", "dense.weight": "W_hq^T", "dense.bias": "b_q"}
    for layer in range(model.layers):
        for torch_name, book in (("weight_ih", "W_xh^T"), ("weight_hh", "W_hh^T"),
                                 ("bias_ih", "b_ih"), ("bias_hh", "b_hh")):  # fmt: skip
            names[f"rnn.{torch_name}_l{layer}"] = f"{book} layer {layer + 1}"
    return names


def model_steps(model: CharRNN, vocab: Vocab, text: str) -> ModelSteps:
    """Each of the text's last WINDOW characters term by term, read from the zero state (the
    characters before the window read first). Characters outside the vocabulary are skipped,
    as the model skips them."""
    completer = Completer(model, vocab)
    completer.set_text(text)
    return prompt_steps(completer)


def prompt_steps(completer: Completer) -> ModelSteps:
    """model_steps of the completer's text, from the states it already holds: the state before
    each character is known, so every step's terms are computed at once, one product per term
    over all the characters (the equations are per step; the rows are independent given
    H_(t-1), so stacking them changes no number).

    A character's step depends only on it and the state before it: steps already computed for
    the same state object (the completer keeps a prefix's states while its text grows, and
    makes new ones with new weights) are reused, so a keystroke computes the new character's
    step alone (issue 21: the model view's keystroke)."""
    model, vocab, text = completer.model, completer.vocab, completer.text
    ids = [vocab.char_to_idx.get(ch) for ch in text]
    at = [j for j in range(max(0, len(text) - WINDOW), len(text)) if ids[j] is not None]
    if not at:
        return ModelSteps(model_shape(model), text, (None,) * len(text), None)
    kept = _KEPT.setdefault(completer, {})
    for j in [j for j, step in kept.items() if not _still(step, completer, j, ids)]:
        del kept[j]
    fresh = [j for j in at if j not in kept]
    if fresh:
        weight = next(model.parameters())
        with torch.inference_mode():
            before = _stacked([completer.state_after(j) for j in fresh], model)
            index = torch.tensor([ids[j] for j in fresh], device=weight.device)
            terms = _step(model, index, before)
            logits = _output(model, terms[-1]["hidden"])
        kept.update(_computed(model, vocab, completer, fresh, ids, terms, logits))
    return _records(model, vocab, text, ids, at, kept)


@dataclass(frozen=True)
class _Kept:
    """One character's step as computed, with what it was computed from."""

    state: State  # the state before it (the completer's own object: kept alive, so `is` holds)
    index: int  # the character's index
    layers: tuple[LayerStep, ...]
    top: tuple[tuple[str, float, float], ...]
    log_probs: list[float]  # log softmax(O_t) over the vocabulary: P of whatever follows


# Per completer (the prompt thread's, one per followed run): its steps by position.
_KEPT: weakref.WeakKeyDictionary[Completer, dict[int, _Kept]] = weakref.WeakKeyDictionary()


def _still(step: _Kept, completer: Completer, j: int, ids: list[int | None]) -> bool:
    return j < len(ids) and ids[j] == step.index and completer.state_after(j) is step.state


def _stacked(
    states: list[State], model: CharRNN
) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """Each layer's (h, c) before each character, as (T, H) rows (c None but for an LSTM); the
    states as the model keeps them for one sequence."""
    if model.kind == "scratch":
        return [(torch.cat([s[0] for s in states]), None)]
    return [
        (
            torch.cat([s[0][layer] for s in states]),
            torch.cat([s[1][layer] for s in states]) if model.kind == "lstm" else None,
        )
        for layer in range(model.layers)
    ]


def _step(
    model: CharRNN, index: torch.Tensor, state: list[tuple[torch.Tensor, torch.Tensor | None]]
) -> list[dict[str, torch.Tensor]]:
    """One time step of every layer for the characters `index` (T,), each from its own state
    before it (rows of `state`), each term kept by name: the book's equations."""
    if model.kind == "scratch":
        h_prev = state[0][0]
        x_in = model.W_xh[index] if model.embed_dim is None else model.E[index] @ model.W_eh
        recurrent = h_prev @ model.W_hh
        h = ACTIVATION[model.nonlinearity](x_in + recurrent + model.b_h)
        return [{"input": x_in, "recurrent": recurrent, "bias": model.b_h, "hidden": h}]
    terms, below = [], None
    for layer, (h_prev, c_prev) in enumerate(state):
        w_ih, w_hh, b_ih, b_hh = (
            getattr(model.rnn, f"{name}_l{layer}")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )
        if layer:
            x_in = below @ w_ih.t()
        elif model.embed_dim is None:
            x_in = w_ih[:, index].t()  # one_hot(x_t) W_ih^T: column x_t of W_ih
        else:
            x_in = model.embed.weight[index] @ w_ih.t()
        recurrent = h_prev @ w_hh.t()
        kept = {"input": x_in, "recurrent": recurrent, "bias": b_ih + b_hh}
        if model.kind == "rnn":
            h = ACTIVATION[model.nonlinearity](x_in + recurrent + b_ih + b_hh)
        elif model.kind == "gru":
            # R = σ(X W_xr + H W_hr + b_r), Z likewise, H~ = tanh(X W_xh + R ⊙ (H W_hh) + b_h),
            # H_t = Z ⊙ H_{t-1} + (1 - Z) ⊙ H~. torch (so nn.GRU here) applies R after the
            # product, R ⊙ (H W_hh + b_hh), where the book writes (R ⊙ H) W_hh.
            gx, gh = (x_in + b_ih).chunk(3, dim=-1), (recurrent + b_hh).chunk(3, dim=-1)
            r = torch.sigmoid(gx[0] + gh[0])
            z = torch.sigmoid(gx[1] + gh[1])
            candidate = torch.tanh(gx[2] + r * gh[2])
            h = z * h_prev + (1 - z) * candidate
            kept["gates"] = (r, z, candidate)
        else:
            # I, F, O = σ(X W_x· + H W_h· + b_·), C~ = tanh(...), C_t = F ⊙ C_{t-1} + I ⊙ C~,
            # H_t = O ⊙ tanh(C_t); torch's gate order is i, f, g (= C~), o.
            a = (x_in + recurrent + b_ih + b_hh).chunk(4, dim=-1)
            i, f, o = torch.sigmoid(a[0]), torch.sigmoid(a[1]), torch.sigmoid(a[3])
            g = torch.tanh(a[2])
            c = f * c_prev + i * g
            h = o * torch.tanh(c)
            kept["gates"], kept["cell"] = (i, f, g, o), c
        kept["hidden"] = h
        terms.append(kept)
        below = h
    return terms


def _output(model: CharRNN, h: torch.Tensor) -> torch.Tensor:
    """O_t = H_t W_hq + b_q, (T, V)."""
    if model.kind == "scratch":
        return h @ model.W_hq + model.b_q
    return h @ model.dense.weight.t() + model.dense.bias


def _vectors(rows: torch.Tensor) -> list[Vector]:
    """One term over the steps (T, D), or a bias (D,) the same at every step, as Vectors: one
    norm and one tolist for all the steps."""
    stacked = rows.double()
    norms = stacked.norm(dim=-1).tolist()
    firsts = stacked[..., :FIRST_UNITS].tolist()
    if rows.dim() == 1:
        return [Vector(norms, tuple(firsts))]
    return [Vector(n, tuple(f)) for n, f in zip(norms, firsts, strict=True)]


def _computed(
    model: CharRNN,
    vocab: Vocab,
    completer: Completer,
    at: list[int],
    ids: list[int | None],
    terms: list[dict[str, torch.Tensor]],
    logits: torch.Tensor,
) -> dict[int, _Kept]:
    """The steps of the characters at `at` from their terms and O_t (T rows each)."""
    names = GATES.get(model.kind, ())
    layers = []
    for kept in terms:
        bias = _vectors(kept["bias"]) * len(at)
        gates = [_vectors(g) for g in kept.get("gates", ())]
        cells = _vectors(kept["cell"]) if "cell" in kept else [None] * len(at)
        layers.append([
            LayerStep(inp, rec, b, tuple(zip(names, gate_row, strict=True)), cell, hidden)
            for inp, rec, b, gate_row, cell, hidden in zip(
                _vectors(kept["input"]), _vectors(kept["recurrent"]), bias,
                zip(*gates, strict=True) if gates else [()] * len(at),
                cells, _vectors(kept["hidden"]), strict=True,
            )
        ])  # fmt: skip
    logits = logits.double()
    log_probs = torch.log_softmax(logits, dim=1)
    top_logits, top_index = logits.topk(min(TOP, logits.shape[1]), dim=1)
    top_probs = log_probs.gather(1, top_index).exp()
    out = {}
    for n, position in enumerate(at):
        top = tuple(
            (vocab.idx_to_char[i], logit, p)
            for i, logit, p in zip(
                top_index[n].tolist(), top_logits[n].tolist(), top_probs[n].tolist(), strict=True
            )
        )
        out[position] = _Kept(
            completer.state_after(position), ids[position], tuple(layer[n] for layer in layers),
            top, log_probs[n].tolist(),
        )  # fmt: skip
    return out


def _records(
    model: CharRNN,
    vocab: Vocab,
    text: str,
    ids: list[int | None],
    at: list[int],
    kept: dict[int, _Kept],
) -> ModelSteps:
    steps: list[CharStep | None] = [None] * len(text)
    surprisal = []
    for position in at:
        step = kept[position]
        nexts = [i for i in ids[position + 1 :] if i is not None][:1]
        actual = None
        if nexts:
            log_p = step.log_probs[nexts[0]]
            actual = (vocab.idx_to_char[nexts[0]], math.exp(log_p))
            surprisal.append(-log_p)
        steps[position] = CharStep(
            position, text[position], step.index, step.layers, step.top, actual
        )
    perplexity = math.exp(math.fsum(surprisal) / len(surprisal)) if surprisal else None
    return ModelSteps(model_shape(model), text, tuple(steps), perplexity)
