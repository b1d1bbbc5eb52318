"""The book's formulation, as its readers know it (D2L "RNN from scratch" / "concise RNN", PyTorch).

This is the baseline the engine is measured against, so it deliberately keeps the book's choices
that cost time: one-hot inputs built with scatter, one matmul per time step for both the input and
the output projections, a Python loop over parameters for gradient clipping with a `.item()` sync,
float32 index tensors from the data iterators, and `.item()` on the loss every batch.
Do not "optimise" anything here: the point is to time the code as written in the book.

Two trainers expose `train_epoch()` so a harness can alternate book and engine epochs:
`BookScratchTrainer` (train_and_predict_rnn with `rnn`/`get_params`/`sgd`/`grad_clipping`) and
`BookModelTrainer` (train_and_predict_rnn_pytorch with `RNNModel`, nn.RNN/GRU/LSTM).
Prediction every `pred_period` epochs is left out of both: it is not part of epoch speed.
"""

from __future__ import annotations

import math
import random
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import torch
from torch import nn

State = tuple[torch.Tensor, ...]

# The book's hyper-parameters for the chapter (section 6.4 / 6.5).
NUM_STEPS = 35
BATCH_SIZE = 32
NUM_HIDDENS = 256
LR_SCRATCH = 1e2
LR_PYTORCH = 1e-3
CLIPPING_THETA = 1e-2


# --------------------------------------------------------------------------- data (section 6.3)


def load_data_jay_lyrics(zip_path: str | Path) -> tuple[list[int], list[str], dict[str, int], int]:
    """The book's loader: newlines become spaces, first 10,000 characters, vocab from a set."""
    with zipfile.ZipFile(zip_path) as zin, zin.open("jaychou_lyrics.txt") as f:
        corpus_chars = f.read().decode("utf-8")
    corpus_chars = corpus_chars.replace("\n", " ").replace("\r", " ")
    corpus_chars = corpus_chars[0:10000]
    idx_to_char = list(set(corpus_chars))
    char_to_idx = {char: i for i, char in enumerate(idx_to_char)}
    vocab_size = len(char_to_idx)
    corpus_indices = [char_to_idx[char] for char in corpus_chars]
    return corpus_indices, idx_to_char, char_to_idx, vocab_size


def data_iter_random(
    corpus_indices: Sequence[int],
    batch_size: int,
    num_steps: int,
    device: torch.device | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Random sampling: shuffled example starts (Python `random`), float32 X/Y like the book."""
    # -1 because the label of the last character of an example is the next character.
    num_examples = (len(corpus_indices) - 1) // num_steps
    epoch_size = num_examples // batch_size
    example_indices = list(range(num_examples))
    random.shuffle(example_indices)

    def _data(pos: int) -> Sequence[int]:
        return corpus_indices[pos : pos + num_steps]

    if device is None:
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    for i in range(epoch_size):
        i = i * batch_size
        batch_indices = example_indices[i : i + batch_size]
        X = [_data(j * num_steps) for j in batch_indices]
        Y = [_data(j * num_steps + 1) for j in batch_indices]
        yield (
            torch.tensor(X, dtype=torch.float32, device=device),
            torch.tensor(Y, dtype=torch.float32, device=device),
        )


def data_iter_consecutive(
    corpus_indices: Sequence[int],
    batch_size: int,
    num_steps: int,
    device: torch.device | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Consecutive sampling: the corpus as `batch_size` rows, windows slid along the rows."""
    if device is None:
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    corpus = torch.tensor(corpus_indices, dtype=torch.float32, device=device)
    data_len = len(corpus)
    batch_len = data_len // batch_size
    indices = corpus[0 : batch_size * batch_len].view(batch_size, batch_len)
    epoch_size = (batch_len - 1) // num_steps
    for i in range(epoch_size):
        i = i * num_steps
        X = indices[:, i : i + num_steps]
        Y = indices[:, i + 1 : i + num_steps + 1]
        yield X, Y


# --------------------------------------------------------------------------- model (section 6.4)


def one_hot(x: torch.Tensor, n_class: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(batch,) indices -> (batch, n_class) one-hot, built with scatter_ as in the book."""
    x = x.long()
    res = torch.zeros(x.shape[0], n_class, dtype=dtype, device=x.device)
    res.scatter_(1, x.view(-1, 1), 1)
    return res


def to_onehot(X: torch.Tensor, n_class: int) -> list[torch.Tensor]:
    """(batch, num_steps) -> list of num_steps tensors of shape (batch, n_class)."""
    return [one_hot(X[:, i], n_class) for i in range(X.shape[1])]


def get_params(
    num_inputs: int,
    num_hiddens: int,
    num_outputs: int,
    device: torch.device | str = "cpu",
    generator: torch.Generator | None = None,
) -> nn.ParameterList:
    """W_xh, W_hh, b_h, W_hq, b_q with weights ~ N(0, 0.01) and zero biases.

    The book draws with np.random.normal; torch's normal_ gives the same distribution without
    making numpy a dependency of the bench (a seeded CPU generator keeps it reproducible).
    """

    def _one(shape: tuple[int, int]) -> nn.Parameter:
        ts = torch.empty(shape, dtype=torch.float32).normal_(0.0, 0.01, generator=generator)
        return nn.Parameter(ts.to(device), requires_grad=True)

    W_xh = _one((num_inputs, num_hiddens))
    W_hh = _one((num_hiddens, num_hiddens))
    b_h = nn.Parameter(torch.zeros(num_hiddens, device=device), requires_grad=True)
    W_hq = _one((num_hiddens, num_outputs))
    b_q = nn.Parameter(torch.zeros(num_outputs, device=device), requires_grad=True)
    return nn.ParameterList([W_xh, W_hh, b_h, W_hq, b_q])


def init_rnn_state(batch_size: int, num_hiddens: int, device: torch.device | str) -> State:
    """The hidden state as a one-tuple, so LSTM's (H, C) fits the same interface."""
    return (torch.zeros((batch_size, num_hiddens), device=device),)


def rnn(
    inputs: Iterable[torch.Tensor], state: State, params: Sequence[torch.Tensor]
) -> tuple[list[torch.Tensor], State]:
    """One step at a time: H = tanh(X W_xh + H W_hh + b_h), Y = H W_hq + b_q per step."""
    W_xh, W_hh, b_h, W_hq, b_q = params
    (H,) = state
    outputs = []
    for X in inputs:
        H = torch.tanh(torch.matmul(X, W_xh) + torch.matmul(H, W_hh) + b_h)
        Y = torch.matmul(H, W_hq) + b_q
        outputs.append(Y)
    return outputs, (H,)


def grad_clipping(
    params: Iterable[torch.Tensor], theta: float, device: torch.device | str
) -> float:
    """Scale all gradients so their global L2 norm is at most theta; returns the norm.

    The book's version returns nothing; returning the norm costs nothing and helps checks.
    Passing a generator (as train_and_predict_rnn_pytorch does with model.parameters()) makes
    the first loop exhaust it, so the scaling loop sees no parameters: the book never clips
    there. Kept as is on purpose.
    """
    norm = torch.tensor([0.0], device=device)
    for param in params:
        norm += (param.grad.data**2).sum()
    norm = norm.sqrt().item()
    if norm > theta:
        for param in params:
            param.grad.data *= theta / norm
    return norm


def sgd(params: Iterable[torch.Tensor], lr: float, batch_size: int) -> None:
    """Minibatch SGD on .data (the book calls it with batch_size=1: the loss is already a mean)."""
    for param in params:
        param.data -= lr * param.grad / batch_size


class BookScratchTrainer:
    """train_and_predict_rnn's epoch loop with the from-scratch `rnn`, one epoch per call."""

    def __init__(
        self,
        corpus_indices: Sequence[int],
        vocab_size: int,
        *,
        is_random_iter: bool,
        num_hiddens: int = NUM_HIDDENS,
        num_steps: int = NUM_STEPS,
        batch_size: int = BATCH_SIZE,
        lr: float = LR_SCRATCH,
        clipping_theta: float = CLIPPING_THETA,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ) -> None:
        self.corpus_indices = corpus_indices
        self.vocab_size = vocab_size
        self.is_random_iter = is_random_iter
        self.num_hiddens = num_hiddens
        self.num_steps = num_steps
        self.batch_size = batch_size
        self.lr = lr
        self.clipping_theta = clipping_theta
        self.device = torch.device(device)
        self.data_iter_fn = data_iter_random if is_random_iter else data_iter_consecutive
        # The book seeds nothing; we seed so book runs are repeatable (the shuffle uses `random`).
        random.seed(seed)
        gen = torch.Generator().manual_seed(seed)
        self.params = get_params(vocab_size, num_hiddens, vocab_size, self.device, gen)
        self.loss = nn.CrossEntropyLoss()
        self.epoch = 0

    def train_epoch(self) -> float:
        """One epoch exactly as the book's loop body; returns the epoch perplexity."""
        params, device = self.params, self.device
        state: State = ()
        if not self.is_random_iter:  # consecutive: initialise the state at the epoch start
            state = init_rnn_state(self.batch_size, self.num_hiddens, device)
        l_sum, n = 0.0, 0
        data_iter = self.data_iter_fn(self.corpus_indices, self.batch_size, self.num_steps, device)
        for X, Y in data_iter:
            if self.is_random_iter:  # random: each minibatch starts from a fresh state
                state = init_rnn_state(self.batch_size, self.num_hiddens, device)
            else:  # consecutive: cut the graph at the batch boundary, keep the values
                for s in state:
                    s.detach_()
            inputs = to_onehot(X, self.vocab_size)
            outputs, state = rnn(inputs, state, params)
            # (num_steps * batch_size, vocab): time-major, matched by the transposed labels.
            outputs = torch.cat(outputs, dim=0)
            y = torch.transpose(Y, 0, 1).contiguous().view(-1)
            loss = self.loss(outputs, y.long())
            if params[0].grad is not None:
                for param in params:
                    param.grad.data.zero_()
            loss.backward()
            grad_clipping(params, self.clipping_theta, device)
            sgd(params, self.lr, 1)  # the loss is already averaged over the batch
            l_sum += loss.item() * y.shape[0]
            n += y.shape[0]
        self.epoch += 1
        return math.exp(l_sum / n)


# --------------------------------------------------------------------------- concise (section 6.5)


class RNNModel(nn.Module):
    """The book's wrapper: one-hot inputs stacked to (T, B, V), nn.RNN/GRU/LSTM, a dense layer."""

    def __init__(self, rnn_layer: nn.RNNBase, vocab_size: int) -> None:
        super().__init__()
        self.rnn = rnn_layer
        self.hidden_size = rnn_layer.hidden_size * (2 if rnn_layer.bidirectional else 1)
        self.vocab_size = vocab_size
        self.dense = nn.Linear(self.hidden_size, vocab_size)
        self.state = None

    def forward(
        self, inputs: torch.Tensor, state: torch.Tensor | State | None
    ) -> tuple[torch.Tensor, torch.Tensor | State]:
        X = to_onehot(inputs, self.vocab_size)
        Y, self.state = self.rnn(torch.stack(X), state)
        # (T, B, H) -> (T*B, H) -> (T*B, V), time-major like the scratch model.
        output = self.dense(Y.view(-1, Y.shape[-1]))
        return output, self.state


_CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


class BookModelTrainer:
    """train_and_predict_rnn_pytorch's epoch loop (Adam, consecutive), one epoch per call."""

    def __init__(
        self,
        corpus_indices: Sequence[int],
        vocab_size: int,
        *,
        cell: str = "rnn",
        num_hiddens: int = NUM_HIDDENS,
        num_steps: int = NUM_STEPS,
        batch_size: int = BATCH_SIZE,
        lr: float = LR_PYTORCH,
        clipping_theta: float = CLIPPING_THETA,
        device: torch.device | str = "cpu",
        seed: int = 0,
    ) -> None:
        self.corpus_indices = corpus_indices
        self.vocab_size = vocab_size
        self.num_steps = num_steps
        self.batch_size = batch_size
        self.clipping_theta = clipping_theta
        self.device = torch.device(device)
        torch.manual_seed(seed)  # the layers draw their init from the global generator
        rnn_layer = _CELLS[cell](input_size=vocab_size, hidden_size=num_hiddens)
        self.model = RNNModel(rnn_layer, vocab_size).to(self.device)
        self.loss = nn.CrossEntropyLoss()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        # The book initialises state once, before the epoch loop, and carries it across epochs.
        self.state: torch.Tensor | State | None = None
        self.epoch = 0

    def train_epoch(self) -> float:
        """One epoch exactly as the book's loop body; returns the epoch perplexity."""
        model, device = self.model, self.device
        l_sum, n = 0.0, 0
        data_iter = data_iter_consecutive(
            self.corpus_indices, self.batch_size, self.num_steps, device
        )
        state = self.state
        for X, Y in data_iter:
            if state is not None:  # cut the graph between consecutive batches
                if isinstance(state, tuple):  # LSTM: (h, c)
                    state = (state[0].detach(), state[1].detach())
                else:
                    state = state.detach()
            output, state = model(X, state)
            y = torch.transpose(Y, 0, 1).contiguous().view(-1)
            loss = self.loss(output, y.long())
            self.optimizer.zero_grad()
            loss.backward()
            # Faithful to the book: model.parameters() is a generator, the norm loop exhausts it
            # and the scaling loop then iterates nothing, so this computes the norm (with its
            # .item() sync) but never clips.
            grad_clipping(model.parameters(), self.clipping_theta, device)
            self.optimizer.step()
            l_sum += loss.item() * y.shape[0]
            n += y.shape[0]
        self.state = state
        self.epoch += 1
        return math.exp(l_sum / n)
