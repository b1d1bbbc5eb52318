"""The character models: the book's from-scratch RNN and its nn.RNN/GRU/LSTM counterparts.

Every model maps a batch of character indices X (B, T) and a state to logits (T*B, V) in the
book's time-major row order, and offers `step` for generating one character at a time.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.config import TrainConfig
from engine.models.gated_recurrence import GRURecurrence, LSTMRecurrence
from engine.models.recurrence import ACTIVATION, RECURRENCE
from engine.models.softmax_output import SoftmaxCrossEntropy

State = tuple[torch.Tensor, ...]


class ScratchRNN(nn.Module):
    """The book's RNN from scratch.

    H_t = φ(X_t W_xh + H_{t-1} W_hh + b_h),  O_t = H_t W_hq + b_q,
    φ the book's tanh or, for its exercise, ReLU.
    """

    kind = "scratch"
    layers = 1

    def __init__(self, vocab_size: int, hidden: int, nonlinearity: str = "tanh") -> None:
        super().__init__()
        self.vocab_size, self.hidden, self.nonlinearity = vocab_size, hidden, nonlinearity
        # The book draws weights from N(0, 0.01) and starts biases at zero.
        self.W_xh = nn.Parameter(torch.randn(vocab_size, hidden) * 0.01)
        self.W_hh = nn.Parameter(torch.randn(hidden, hidden) * 0.01)
        self.b_h = nn.Parameter(torch.zeros(hidden))
        self.W_hq = nn.Parameter(torch.randn(hidden, vocab_size) * 0.01)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(self, batch: int, device: torch.device | str = "cpu") -> State:
        return (torch.zeros(batch, self.hidden, device=device),)

    def hidden_states(self, X: torch.Tensor, state: State) -> torch.Tensor:
        """H_1 .. H_T stacked (T, B, hidden)."""
        # one_hot(X_t) @ W_xh picks row X_t of W_xh, so the book's input product is a lookup,
        # done for all T steps at once; b_h is added here once instead of inside every step.
        pre = F.embedding(X.t(), self.W_xh).add_(self.b_h)  # (T, B, H)
        return RECURRENCE[self.nonlinearity].apply(pre, state[0], self.W_hh)

    def forward(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        hs = self.hidden_states(X, state)
        # O_t = H_t W_hq + b_q for every step in one product over the stacked (T*B, H) states.
        logits = torch.addmm(self.b_q, hs.reshape(-1, self.hidden), self.W_hq)
        return logits, (hs[-1],)

    def loss(self, X: torch.Tensor, Y: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Mean cross-entropy of forward(X) against Y (B, T), the output layer fused into it."""
        hs = self.hidden_states(X, state)
        target = Y.t().reshape(-1)  # time-major rows, like the stacked states
        h = hs.reshape(-1, self.hidden)
        return SoftmaxCrossEntropy.apply(h, self.W_hq, self.b_q, target), (hs[-1],)

    def step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        # One time step, literally the book's equations (with the one-hot product as a lookup).
        h = ACTIVATION[self.nonlinearity](self.W_xh[x] + state[0] @ self.W_hh + self.b_h)
        return h @ self.W_hq + self.b_q, (h,)


class TorchRNN(nn.Module):
    """The book's RNNModel: a torch recurrent layer fed one-hot vectors, then a dense layer.

    The parameters are those of nn.RNN/GRU/LSTM and nn.Linear (same names, so saves load in
    either path), but on the CPU the one-hot input never exists: one_hot(x) W_ih^T is column x
    of W_ih, so layer 0's input product becomes a lookup (a V x G*H product per character and
    again for W_ih's gradient, gone), and the recurrence runs in engine.models.recurrence /
    engine.models.gated_recurrence. The output layer and the loss share the scratch model's fused
    path.
    """

    # Which path computes the hidden states: "auto" picks torch's fused recurrent kernels
    # (cuDNN) on CUDA, where one kernel runs every step and the one-hot product is a small GEMM
    # on thousands of cores, and the lookup elsewhere; "lookup" and "one-hot" force one (the
    # bench and the tests compare them).
    path = "auto"

    def __init__(
        self, kind: str, vocab_size: int, hidden: int, layers: int = 1, nonlinearity: str = "tanh"
    ) -> None:
        super().__init__()
        self.kind, self.vocab_size, self.hidden, self.layers = kind, vocab_size, hidden, layers
        self.nonlinearity = nonlinearity
        if kind == "rnn":
            self.rnn = nn.RNN(vocab_size, hidden, num_layers=layers, nonlinearity=nonlinearity)
        else:
            self.rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[kind](vocab_size, hidden, num_layers=layers)
        self.dense = nn.Linear(hidden, vocab_size)

    def begin_state(self, batch: int, device: torch.device | str = "cpu") -> State:
        zeros = torch.zeros(self.layers, batch, self.hidden, device=device)
        return (zeros, zeros.clone()) if self.kind == "lstm" else (zeros,)

    def hidden_states(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """The last layer's H_1 .. H_T (T, B, hidden) and the state after step T."""
        if self._path(X) == "one-hot":
            return self._one_hot_states(X, state)
        return self._lookup_states(X, state)

    def _path(self, X: torch.Tensor) -> str:
        if self.path == "auto":
            return "one-hot" if X.device.type == "cuda" else "lookup"
        return self.path

    def _one_hot_states(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        # The book's to_onehot, all steps at once: float ones scattered into zeros (T, B, V).
        weight = self.dense.weight
        inputs = torch.zeros(*X.t().shape, self.vocab_size, device=X.device, dtype=weight.dtype)
        inputs.scatter_(2, X.t().unsqueeze(2), 1.0)
        outputs, new_state = self.rnn(inputs, state if self.kind == "lstm" else state[0])
        return outputs, tuple(new_state) if self.kind == "lstm" else (new_state,)

    def _lookup_states(
        self, X: torch.Tensor, state: State, target: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, State]:
        """(H_1 .. H_T of the last layer, state); given a target, (mean cross-entropy, state)."""
        hs = X
        finals: list[list[torch.Tensor]] = [[] for _ in state]
        for layer in range(self.layers):
            w_ih, w_hh, b_ih, b_hh = (
                getattr(self.rnn, f"{name}_l{layer}")
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            )
            # Input side of the gates for all T steps at once (b_hh joins it where it is a plain
            # sum; GRU keeps it inside the step, where r multiplies h W_hn^T + b_hn).
            bias = b_ih if self.kind == "gru" else b_ih + b_hh
            if layer == 0:
                # one_hot(x_t) W_ih^T picks column x_t of W_ih: the same numbers as the book's
                # product without its V x G*H multiply-adds, and the gradient is the same
                # columns summed (index-add) instead of one_hot^T dG.
                gx = F.embedding(X.t(), w_ih.t()).add_(bias)
            else:
                gx = torch.addmm(bias, hs.reshape(-1, self.hidden), w_ih.t()).view(
                    hs.shape[0], hs.shape[1], -1
                )
            h0 = state[0][layer]
            if self.kind == "rnn":
                hs = RECURRENCE[self.nonlinearity].apply(gx, h0, w_hh.t())
            elif self.kind == "gru":
                hs = GRURecurrence.apply(gx, h0, w_hh, b_hh)
            else:
                hs, cs = LSTMRecurrence.apply(gx, h0, state[1][layer], w_hh)
                finals[1].append(cs[-1])
            finals[0].append(hs[-1])
        new_state = tuple(torch.stack(f) for f in finals)
        return (hs if target is None else self._output_loss(hs, target)), new_state

    def _output_loss(self, hs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        h = hs.reshape(-1, self.hidden)
        return SoftmaxCrossEntropy.apply(h, self.dense.weight.t(), self.dense.bias, target)

    def forward(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        hs, state = self.hidden_states(X, state)
        return self.dense(hs.reshape(-1, self.hidden)), state

    def step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        return self.forward(x.unsqueeze(1), state)

    def loss(self, X: torch.Tensor, Y: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Mean cross-entropy of forward(X) against Y (B, T), the output layer fused into it."""
        target = Y.t().reshape(-1)
        if self._path(X) == "lookup":
            return self._lookup_states(X, state, target)
        hs, state = self._one_hot_states(X, state)
        return self._output_loss(hs, target), state


CharRNN = ScratchRNN | TorchRNN


def build_model(
    kind: str, vocab_size: int, hidden: int = 256, layers: int = 1, *, nonlinearity: str = "tanh"
) -> CharRNN:
    """A freshly initialised model on the CPU (seed torch's RNG first for repeatable weights).

    `nonlinearity` is φ of the scratch model and nn.RNN; GRU and LSTM take only tanh, since
    their gates fix their own (TrainConfig.check says so to a user)."""
    if nonlinearity not in RECURRENCE or (nonlinearity != "tanh" and kind in ("gru", "lstm")):
        raise ValueError(f"a {kind} model has no nonlinearity {nonlinearity!r}")
    if kind == "scratch":
        return ScratchRNN(vocab_size, hidden, nonlinearity)
    return TorchRNN(kind, vocab_size, hidden, layers, nonlinearity)


def model_for(config: TrainConfig, vocab_size: int) -> CharRNN:
    """build_model with a run's settings: the model it trains, or a copy its weights fit."""
    return build_model(
        config.model, vocab_size, config.hidden, config.layers, nonlinearity=config.nonlinearity
    )


def detach_state(state: State) -> State:
    return tuple(s.detach() for s in state)
