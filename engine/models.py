"""The character models: the book's from-scratch RNN and its nn.RNN/GRU/LSTM counterparts.

Every model maps a batch of character indices X (B, T) and a state to logits (T*B, V) in the
book's time-major row order, and offers `step` for generating one character at a time.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from engine.recurrence import TanhRecurrence
from engine.softmax_output import SoftmaxCrossEntropy

State = tuple[torch.Tensor, ...]


class ScratchRNN(nn.Module):
    """The book's RNN from scratch.

    H_t = tanh(X_t W_xh + H_{t-1} W_hh + b_h),  O_t = H_t W_hq + b_q.
    """

    kind = "scratch"
    layers = 1

    def __init__(self, vocab_size: int, hidden: int) -> None:
        super().__init__()
        self.vocab_size, self.hidden = vocab_size, hidden
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
        return TanhRecurrence.apply(pre, state[0], self.W_hh)

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
        h = torch.tanh(self.W_xh[x] + state[0] @ self.W_hh + self.b_h)
        return h @ self.W_hq + self.b_q, (h,)


class TorchRNN(nn.Module):
    """The book's RNNModel: a torch recurrent layer fed one-hot vectors, then a dense layer."""

    def __init__(self, kind: str, vocab_size: int, hidden: int, layers: int = 1) -> None:
        super().__init__()
        layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind]
        self.kind, self.vocab_size, self.hidden, self.layers = kind, vocab_size, hidden, layers
        self.rnn = layer(vocab_size, hidden, num_layers=layers)
        self.dense = nn.Linear(hidden, vocab_size)

    def begin_state(self, batch: int, device: torch.device | str = "cpu") -> State:
        zeros = torch.zeros(self.layers, batch, self.hidden, device=device)
        return (zeros, zeros.clone()) if self.kind == "lstm" else (zeros,)

    def forward(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        # The book's to_onehot, all steps at once: float ones scattered into zeros (T, B, V).
        weight = self.dense.weight
        inputs = torch.zeros(*X.t().shape, self.vocab_size, device=X.device, dtype=weight.dtype)
        inputs.scatter_(2, X.t().unsqueeze(2), 1.0)
        outputs, new_state = self.rnn(inputs, state if self.kind == "lstm" else state[0])
        new_state = new_state if self.kind == "lstm" else (new_state,)
        return self.dense(outputs.reshape(-1, self.hidden)), tuple(new_state)

    def step(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        return self.forward(x.unsqueeze(1), state)

    def loss(self, X: torch.Tensor, Y: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """Mean cross-entropy of forward(X) against Y (B, T), as the book computes it."""
        logits, state = self.forward(X, state)
        return F.cross_entropy(logits, Y.t().reshape(-1)), state


CharRNN = ScratchRNN | TorchRNN


def build_model(kind: str, vocab_size: int, hidden: int = 256, layers: int = 1) -> CharRNN:
    """A freshly initialised model on the CPU (seed torch's RNG first for repeatable weights)."""
    if kind == "scratch":
        return ScratchRNN(vocab_size, hidden)
    return TorchRNN(kind, vocab_size, hidden, layers)


def detach_state(state: State) -> State:
    return tuple(s.detach() for s in state)
