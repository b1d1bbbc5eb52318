"""What a prediction looks at: how strongly each earlier character sways it (Distill's
"Memorization in RNNs" draws the same connectivity).

For the character predicted at position p (from text[:p]) with log-probability log p(y), the
saliency of an earlier position j is the norm of the gradient of log p(y) with respect to the
input row the model used at j: the row of W_xh its one-hot picks (scratch), or the column of
layer 0's W_ih (nn models; G*H values for GRU/LSTM), or the embedding's row (`--input embed`).
That row is all the model sees of character j, so the gradient says how much a nudge to what
came in at j moves the prediction; the gradient with respect to the one-hot itself is W_in
times it, the same signal mixed through the weights. Short memory shows as saliency only on
the last few characters.

Characters outside the vocabulary are skipped by the model and have no input row: None at
their positions. Positions from p on cannot influence a prediction made before them: 0.0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from engine.data.vocab import Vocab
from engine.models.char_rnn import CharRNN, ScratchRNN, State


@dataclass(frozen=True)
class Saliency:
    text: str
    position: int  # the predicted character's index: the prediction made from text[:position]
    target: str  # the character whose log-probability is differentiated
    log_prob: float  # log p(target | text[:position]), natural log
    raw: tuple[float | None, ...]  # per character of text: the gradient norm; None if skipped
    shown: tuple[float | None, ...]  # raw / max(raw), in [0, 1] (all 0.0 when max is 0)


class _Recurrence(nn.Module):
    """A model's hidden_states (the last layer's H_t for every step) as a module's forward, so
    functional_call can run it with other input rows swapped in."""

    def __init__(self, model: CharRNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, X: torch.Tensor, state: tuple[torch.Tensor, ...]) -> torch.Tensor:
        out = self.model.hidden_states(X, state)
        # ScratchRNN returns the states alone, TorchRNN (states, final state).
        return out[0] if isinstance(out, tuple) else out


def _output(model: CharRNN, h: torch.Tensor) -> torch.Tensor:
    """O = H W_hq + b_q for one state: the output layer's product for the one prediction
    asked about, where the model's forward would make it for every position."""
    if isinstance(model, ScratchRNN):
        return torch.addmm(model.b_q.detach(), h, model.W_hq.detach())
    return F.linear(h, model.dense.weight.detach(), model.dense.bias.detach())


def saliency(
    model: CharRNN,
    vocab: Vocab,
    text: str,
    *,
    position: int | None = None,
    target: str | None = None,
    begin: State | None = None,
) -> Saliency | None:
    """The saliency of each character of `text` for the prediction at `position` (default:
    the next character after the text) of `target` (default: the model's likeliest). None
    when no known character comes before `position`: the model predicts nothing there.

    Runs the model's own recurrence once over the known characters, with their input rows
    swapped in as a differentiable tensor (torch.func.functional_call), its output layer for
    the one prediction, and one backward pass. The text is read from the state `begin`
    (default: zeros; a warmed-up prompt's, Completer.start_state).
    The model must be on the CPU (its row-lookup path) and not in use on another thread: its
    parameters are swapped for the call. ValueError names a bad position or target."""
    position = len(text) if position is None else position
    if type(position) is not int or not 0 <= position <= len(text):
        raise ValueError(f"the predicted position must be 0 to {len(text)}, not {position!r}")
    if target is not None and target not in vocab:
        raise ValueError(f"the target {target!r} is not in the model's vocabulary")
    if next(model.parameters()).device.type != "cpu":
        raise ValueError("saliency runs on a CPU copy of the model (the prompt's)")
    ids = [vocab.char_to_idx.get(ch) for ch in text]
    at = [j for j, i in enumerate(ids) if i is not None]
    fed = sum(1 for j in at if j < position)  # characters read before the prediction
    if fed == 0:
        return None
    # Autograd on, even when called inside inference mode.
    with torch.inference_mode(False), torch.enable_grad():
        # Detached: the gradient is wanted for the input rows only, and the model's own
        # parameters must not collect one.
        params = {f"model.{name}": p.detach() for name, p in model.named_parameters()}
        index = torch.tensor([ids[j] for j in at])
        # One row per position, not per character: a character read twice gets two rows, and each
        # row's gradient is that position's alone. The input indices become 0 .. n-1.
        name, transposed = model.input_table
        table = params[f"model.{name}"]
        rows = (table.t() if transposed else table)[index].clone().requires_grad_()
        params[f"model.{name}"] = rows.t() if transposed else rows
        steps = torch.arange(len(at)).unsqueeze(0)
        begin = begin if begin is not None else model.begin_state(1)
        # A copy: a state the prompt's completer made under inference mode cannot be saved
        # for the backward pass.
        start = tuple(s.to(rows.dtype).clone() for s in begin)
        hs = functional_call(_Recurrence(model), params, (steps, start))
        log_probs = torch.log_softmax(_output(model, hs[fed - 1]).double()[0], dim=0)
        y = int(log_probs.argmax()) if target is None else vocab.char_to_idx[target]
        (grad,) = torch.autograd.grad(log_probs[y], rows)
    norms = grad.double().norm(dim=1).tolist()
    raw: list[float | None] = [None] * len(text)
    for j, norm in zip(at, norms, strict=True):
        raw[j] = norm
    top = max(norms)
    return Saliency(
        text=text,
        position=position,
        target=vocab.idx_to_char[y],
        log_prob=float(log_probs[y].detach()),
        raw=tuple(raw),
        shown=tuple(None if r is None else (r / top if top > 0 else 0.0) for r in raw),
    )
