"""The character models: the book's from-scratch RNN and its nn.RNN/GRU/LSTM counterparts.

Every model maps a batch of character indices X (B, T) and a state to logits (T*B, V) in the
book's time-major row order, and offers `step` for generating one character at a time.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.config import TrainConfig
from engine.models.char_input import input_side
from engine.models.gated_recurrence import GRURecurrence, LSTMRecurrence
from engine.models.recurrence import ACTIVATION, RECURRENCE
from engine.models.softmax_output import SoftmaxCrossEntropy

State = tuple[torch.Tensor, ...]


class ScratchRNN(nn.Module):
    """The book's RNN from scratch.

    H_t = φ(X_t W_xh + H_{t-1} W_hh + b_h),  O_t = H_t W_hq + b_q,
    φ the book's tanh or, for its exercise, ReLU.

    X_t is one-hot, so X_t W_xh is row x_t of W_xh: an embedding of size V, looked up
    (engine/models/char_input.py). With an `embed_dim` d the input is a learned embedding E
    (V x d) followed by a d x H product: H_t = φ(E[x_t] W_eh + H_{t-1} W_hh + b_h).
    """

    kind = "scratch"
    layers = 1

    def __init__(
        self,
        vocab_size: int,
        hidden: int,
        nonlinearity: str = "tanh",
        embed_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.vocab_size, self.hidden, self.nonlinearity = vocab_size, hidden, nonlinearity
        self.embed_dim = embed_dim
        # The book draws weights from N(0, 0.01) and starts biases at zero.
        if embed_dim is None:
            self.W_xh = nn.Parameter(torch.randn(vocab_size, hidden) * 0.01)
        else:
            # E as nn.Embedding starts it, N(0, 1): E[x] W_eh is then about 0.01 * sqrt(d),
            # the one-hot input's scale (0.01) within a small factor.
            self.E = nn.Parameter(torch.randn(vocab_size, embed_dim))
            self.W_eh = nn.Parameter(torch.randn(embed_dim, hidden) * 0.01)
        self.W_hh = nn.Parameter(torch.randn(hidden, hidden) * 0.01)
        self.b_h = nn.Parameter(torch.zeros(hidden))
        self.W_hq = nn.Parameter(torch.randn(hidden, vocab_size) * 0.01)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def begin_state(self, batch: int, device: torch.device | str = "cpu") -> State:
        return (torch.zeros(batch, self.hidden, device=device),)

    @property
    def input_table(self) -> tuple[str, bool]:
        """The parameter whose row x_t is what the model reads of character x_t (W_xh, or the
        embedding E), and whether it is stored transposed (never, here)."""
        return ("W_xh" if self.embed_dim is None else "E"), False

    def input_side(self, X: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """X_t W_xh + bias (or E[x_t] W_eh + bias) for every step, (T, B, H)."""
        if self.embed_dim is None:
            return input_side(X, self.W_xh, bias)
        return input_side(X, self.E, bias, self.W_eh)

    def hidden_states(self, X: torch.Tensor, state: State) -> torch.Tensor:
        """H_1 .. H_T stacked (T, B, hidden)."""
        # The input product for all T steps at once, a lookup (char_input.py); b_h is added
        # here once instead of inside every step.
        pre = self.input_side(X, self.b_h)  # (T, B, H)
        return RECURRENCE[self.nonlinearity].apply(pre, state[0], self.W_hh)

    def final_state(self, X: torch.Tensor, state: State) -> State:
        """The state after reading X (B, T), without the output layer."""
        return (self.hidden_states(X, state)[-1],)

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
        x_in = self.W_xh[x] if self.embed_dim is None else self.E[x] @ self.W_eh
        h = ACTIVATION[self.nonlinearity](x_in + state[0] @ self.W_hh + self.b_h)
        return h @ self.W_hq + self.b_q, (h,)


class TorchRNN(nn.Module):
    """The book's RNNModel: a torch recurrent layer fed one-hot vectors, then a dense layer.

    The parameters are those of nn.RNN/GRU/LSTM and nn.Linear (same names, so saves load in
    either path), but on the CPU the one-hot input never exists: one_hot(x) W_ih^T is column x
    of W_ih, so layer 0's input product becomes a lookup (a V x G*H product per character and
    again for W_ih's gradient, gone), and the recurrence runs in engine.models.recurrence /
    engine.models.gated_recurrence. The output layer and the loss share the scratch model's fused
    path. With an `embed_dim` d, an nn.Embedding(V, d) comes before the recurrent layer, whose
    input size is then d (engine/models/char_input.py).
    """

    # Which path computes the hidden states: "auto" picks torch's fused recurrent kernels
    # (cuDNN) on CUDA, where one kernel runs every step and the one-hot product is a small GEMM
    # on thousands of cores, and the lookup elsewhere; "lookup" and "one-hot" force one (the
    # bench and the tests compare them).
    path = "auto"

    def __init__(
        self,
        kind: str,
        vocab_size: int,
        hidden: int,
        layers: int = 1,
        nonlinearity: str = "tanh",
        embed_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.kind, self.vocab_size, self.hidden, self.layers = kind, vocab_size, hidden, layers
        self.nonlinearity, self.embed_dim = nonlinearity, embed_dim
        if embed_dim is not None:
            self.embed = nn.Embedding(vocab_size, embed_dim)
        width = vocab_size if embed_dim is None else embed_dim
        if kind == "rnn":
            self.rnn = nn.RNN(width, hidden, num_layers=layers, nonlinearity=nonlinearity)
        else:
            self.rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[kind](width, hidden, num_layers=layers)
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

    @property
    def input_table(self) -> tuple[str, bool]:
        """The parameter whose row x_t is what the model reads of character x_t (the
        embedding's, or layer 0's W_ih, whose columns those are), and whether it is stored
        transposed."""
        return ("rnn.weight_ih_l0", True) if self.embed_dim is None else ("embed.weight", False)

    def input_side(self, X: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """Layer 0's x_t W_ih^T + bias for every step, (T, B, G*hidden): one_hot(x_t) W_ih^T
        picks column x_t of W_ih, the same numbers as the book's product without its V x G*H
        multiply-adds, and the gradient is the same columns summed (index-add) instead of
        one_hot^T dG. With an embedding, its row x_t times W_ih^T."""
        w_ih = self.rnn.weight_ih_l0
        if self.embed_dim is None:
            return input_side(X, w_ih.t(), bias)
        return input_side(X, self.embed.weight, bias, w_ih.t())

    def _one_hot_states(self, X: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        # The book's to_onehot, all steps at once: float ones scattered into zeros (T, B, V),
        # or the embedding's rows (T, B, d).
        weight = self.dense.weight
        if self.embed_dim is None:
            inputs = torch.zeros(*X.t().shape, self.vocab_size, device=X.device, dtype=weight.dtype)
            inputs.scatter_(2, X.t().unsqueeze(2), 1.0)
        else:
            inputs = self.embed(X.t())
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
                gx = self.input_side(X, bias)
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

    def final_state(self, X: torch.Tensor, state: State) -> State:
        """The state after reading X (B, T), without the output layer."""
        return self.hidden_states(X, state)[1]

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
    kind: str,
    vocab_size: int,
    hidden: int = 256,
    layers: int = 1,
    *,
    nonlinearity: str = "tanh",
    embed_dim: int | None = None,
) -> CharRNN:
    """A freshly initialised model on the CPU (seed torch's RNG first for repeatable weights).

    `embed_dim`: None reads the book's one-hot vectors, d a learned embedding of size d.

    `nonlinearity` is φ of the scratch model and nn.RNN; GRU and LSTM take only tanh, since
    their gates fix their own (TrainConfig.check says so to a user)."""
    if nonlinearity not in RECURRENCE or (nonlinearity != "tanh" and kind in ("gru", "lstm")):
        raise ValueError(f"a {kind} model has no nonlinearity {nonlinearity!r}")
    if kind == "scratch":
        return ScratchRNN(vocab_size, hidden, nonlinearity, embed_dim)
    return TorchRNN(kind, vocab_size, hidden, layers, nonlinearity, embed_dim)


def model_for(config: TrainConfig, vocab_size: int) -> CharRNN:
    """build_model with a run's settings: the model it trains, or a copy its weights fit."""
    return build_model(
        config.model, vocab_size, config.hidden, config.layers, nonlinearity=config.nonlinearity,
        embed_dim=config.embedding,
    )


def detach_state(state: State) -> State:
    return tuple(s.detach() for s in state)
