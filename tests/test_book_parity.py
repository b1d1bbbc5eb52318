"""The engine's scratch model computes exactly the book's RNN (bench/book.py's literal `rnn`).

The engine replaces the one-hot product with a lookup, batches the output projection and writes
backprop through time by hand; none of that may change the numbers. Both models get the same
weights and the same batch, and logits, final state, loss and every gradient must agree.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from bench import book
from engine.models.char_rnn import build_model

NAMES = ("W_xh", "W_hh", "b_h", "W_hq", "b_q")
TOL = 1e-5


def _pair(vocab: int, hidden: int, seed: int) -> tuple[nn.Module, nn.ParameterList]:
    """An engine scratch model and the book's parameter list holding copies of its weights."""
    torch.manual_seed(seed)
    model = build_model("scratch", vocab, hidden)
    params = dict(model.named_parameters())
    assert set(NAMES) <= set(params), f"scratch model parameters are {sorted(params)}"
    # Larger than the book's N(0, 0.01), so tanh is well outside its linear range and a wrong
    # derivative or a missed step would show, and non-zero biases so they are tested too. W_hh
    # keeps a spectral radius of about 0.5: with a larger one the recurrence is chaotic and
    # float32 rounding differences (1e-7) grow to O(1) over 35 steps in any two implementations.
    stds = {"W_xh": 0.7, "W_hh": 0.5 / hidden**0.5, "b_h": 0.1, "W_hq": hidden**-0.5, "b_q": 0.1}
    with torch.no_grad():
        for name in NAMES:
            params[name].normal_(0.0, stds[name])
    book_params = nn.ParameterList(nn.Parameter(params[n].detach().clone()) for n in NAMES)
    for n, p in zip(NAMES, book_params, strict=True):
        assert p.shape == params[n].shape, f"{n}: engine {tuple(params[n].shape)}"
    return model, book_params


def _max_rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))


@pytest.mark.parametrize(
    ("vocab", "hidden", "batch", "steps"),
    [(40, 16, 3, 5), (97, 32, 4, 35), (1027, 256, 32, 35)],
)
@pytest.mark.parametrize("fresh_state", [True, False])
def test_scratch_matches_book_rnn(
    vocab: int, hidden: int, batch: int, steps: int, fresh_state: bool
) -> None:
    model, book_params = _pair(vocab, hidden, seed=vocab + hidden)
    gen = torch.Generator().manual_seed(1)
    X = torch.randint(vocab, (batch, steps), generator=gen)
    Y = torch.randint(vocab, (batch, steps), generator=gen)
    state = model.begin_state(batch, "cpu")
    if not fresh_state:  # consecutive sampling carries a non-zero (detached) state in
        state = tuple(torch.randn(s.shape, generator=gen) for s in state)

    logits, (h_engine,) = model(X, state)
    # The book: a list of (B, V) one-hot inputs, one matmul per step, outputs concatenated.
    outputs, (h_book,) = book.rnn(
        book.to_onehot(X.float(), vocab), (state[0].reshape(batch, hidden).clone(),), book_params
    )
    book_logits = torch.cat(outputs, dim=0)

    assert logits.shape == (steps * batch, vocab)
    torch.testing.assert_close(logits, book_logits, atol=TOL, rtol=TOL)
    torch.testing.assert_close(h_engine.reshape(batch, hidden), h_book, atol=TOL, rtol=TOL)

    # The book's loss: time-major labels Y^T flattened, mean cross-entropy.
    y = Y.t().contiguous().view(-1)
    loss_engine = nn.functional.cross_entropy(logits, y)
    loss_book = nn.functional.cross_entropy(book_logits, y)
    torch.testing.assert_close(loss_engine, loss_book, atol=TOL, rtol=TOL)
    loss_engine.backward()
    loss_book.backward()

    engine_params = dict(model.named_parameters())
    for name, p_book in zip(NAMES, book_params, strict=True):
        g_engine, g_book = engine_params[name].grad, p_book.grad
        assert g_engine is not None, f"no gradient for {name}"
        # Gradients are ~1e-3 in size: compare relative to the largest entry.
        err = _max_rel_err(g_engine, g_book)
        assert err < TOL, f"{name}: max relative gradient error {err:.2e}"


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("vocab", [97, 1027])
def test_training_loss_matches_book_rnn(vocab: int, threads: int) -> None:
    """model.loss (what the trainer calls: recurrence, padded output layer and loss fused, W_hq's
    gradient on a second thread when there is one) against the book's rnn + cross-entropy."""
    hidden, batch, steps = 256, 32, 35
    model, book_params = _pair(vocab, hidden, seed=vocab)
    gen = torch.Generator().manual_seed(2)
    X = torch.randint(vocab, (batch, steps), generator=gen)
    Y = torch.randint(vocab, (batch, steps), generator=gen)
    state = (torch.randn(batch, hidden, generator=gen),)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        loss, (h_engine,) = model.loss(X, Y, state)
        loss.backward()
    finally:
        torch.set_num_threads(before)
    outputs, (h_book,) = book.rnn(book.to_onehot(X.float(), vocab), (state[0].clone(),),
                                  book_params)
    loss_book = nn.functional.cross_entropy(torch.cat(outputs), Y.t().reshape(-1))
    loss_book.backward()
    torch.testing.assert_close(loss, loss_book, atol=TOL, rtol=TOL)
    torch.testing.assert_close(h_engine, h_book, atol=TOL, rtol=TOL)
    engine_params = dict(model.named_parameters())
    for name, p_book in zip(NAMES, book_params, strict=True):
        err = _max_rel_err(engine_params[name].grad, p_book.grad)
        assert err < TOL, f"{name}: max relative gradient error {err:.2e}"


def test_state_carries_across_calls_like_book() -> None:
    """Two consecutive windows with the state passed on give the same as the book's loop."""
    vocab, hidden, batch, steps = 50, 24, 2, 6
    model, book_params = _pair(vocab, hidden, seed=7)
    X = torch.randint(vocab, (batch, 2 * steps), generator=torch.Generator().manual_seed(3))
    state = model.begin_state(batch, "cpu")
    book_state = (state[0].reshape(batch, hidden).clone(),)
    with torch.no_grad():
        for w in (X[:, :steps], X[:, steps:]):
            logits, state = model(w, state)
            outputs, book_state = book.rnn(book.to_onehot(w, vocab), book_state, book_params)
            torch.testing.assert_close(logits, torch.cat(outputs), atol=TOL, rtol=TOL)


def test_jaychou_corpus_is_the_books(jaychou, shared_corpus_zip) -> None:
    # The book's loader, literally: same text and characters; only the index order differs
    # (sorted here, hash order there), which is why the engine sorts.
    indices, idx_to_char, _, vocab_size = book.load_data_jay_lyrics(shared_corpus_zip)
    assert vocab_size == len(jaychou.vocab) == 1027
    assert set(idx_to_char) == set(jaychou.vocab.idx_to_char)
    assert "".join(idx_to_char[i] for i in indices) == jaychou.text
