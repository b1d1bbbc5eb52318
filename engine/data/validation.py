"""Held-out perplexity: which characters are held out, and the model's perplexity on them.

A training perplexity near 1.0 (the book's lyrics after 250 epochs) can mean the model learned
the language or that it memorized 10,000 characters; text it never trained on tells them apart.
The held-out characters are the ones right after the training text when its source has enough
of them (jaychou at the book's 10,000 characters: the next 1,000, so the training data and the
book's numbers stay exactly as they are), else the text's last 10%, and training uses the rest.

The perplexity is measured the way training measures its own, so the two curves compare: windows
of num_steps characters, each from a zero state for random sampling, or long stretches with the
state carried for consecutive sampling. Evaluation runs without autograd and draws no random
numbers, so the training run is the same with it on or off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from engine.data.corpus import Corpus
from engine.models.char_rnn import CharRNN

TAIL_SHARE = 10  # the last 1/10 of the text is held out when nothing follows it
# Characters scored per evaluation: a big held-out text is sampled (the same stretches each
# time, so the curve is comparable from epoch to epoch) to keep evaluation cheap.
MAX_SCORED = 50_000
# Logits computed at once (rows x steps x vocabulary): bounds evaluation's memory to ~16 MiB.
CHUNK_LOGITS = 1 << 22


@dataclass(frozen=True)
class HeldOut:
    """The validation split of a corpus."""

    train_chars: int  # the corpus's first characters, which training uses
    ids: torch.Tensor  # held-out character ids (int64, on the CPU)
    after: bool  # True: the characters after the text; False: the text's own tail
    skipped: int = 0  # held-out characters the vocabulary lacks, left out

    def describe(self) -> str:
        """One phrase for the user: what is held out, and what training gives up for it."""
        count = len(self.ids) + self.skipped
        if self.after:
            what = f"the {count:,} characters after the training text"
        else:
            what = (f"the last {count:,} characters (10%); training uses the first "
                    f"{self.train_chars:,}")
        if self.skipped:
            what += f" ({self.skipped:,} not in the vocabulary left out)"
        return what


def split(corpus: Corpus, val_chars: int, train_chars: int | None = None) -> HeldOut | None:
    """The held-out characters for `val_chars` (None when off or when there are too few).

    train_chars forces the split a saved session was trained with: all of the text (held out:
    what follows it, if anything does) or its first train_chars (held out: the rest).
    """
    n = len(corpus.indices)
    if train_chars is not None and train_chars < n:
        return _tail(corpus, train_chars)
    if not val_chars:
        return None
    following = corpus.following(val_chars) if corpus.following is not None else ""
    if len(following) < val_chars and train_chars is None:
        return _tail(corpus, n - n // TAIL_SHARE)
    known, _ = corpus.vocab.encode(following)
    if len(known) < 2:  # nothing to predict
        return None
    return HeldOut(n, torch.tensor(known, dtype=torch.int64), True, len(following) - len(known))


def _tail(corpus: Corpus, train_chars: int) -> HeldOut | None:
    if len(corpus.indices) - train_chars < 2:
        return None
    return HeldOut(train_chars, corpus.indices[train_chars:].long(), False)


def stretches(
    available: int, length: int, rows: int | None = None
) -> tuple[torch.Tensor, int]:
    """Start offsets of the stretches scored and their length, spread evenly over `available`
    predictions (positions 0 .. available-1 predict the next character) and never overlapping.

    Windows of `length` (rows None: as many as fit in MAX_SCORED), or `rows` stretches of
    equal length filling MAX_SCORED (the state carried along each)."""
    budget = min(available, MAX_SCORED)
    if rows is None:
        length = min(length, budget)
        count = budget // length
    else:
        count = min(rows, budget)
        length = budget // count
    if count == 1:
        return torch.zeros(1, dtype=torch.int64), length
    # Spacing (available - length) / (count - 1) >= length, as count * length <= available.
    starts = torch.arange(count, dtype=torch.int64) * (available - length) // (count - 1)
    return starts, length


@torch.no_grad()
def perplexity(
    model: CharRNN, ids: torch.Tensor, num_steps: int, carry_state: bool, rows: int
) -> float:
    """exp(mean cross-entropy) of predicting each held-out character from the ones before it.

    ids: the held-out character ids on the model's device. carry_state: consecutive sampling's
    view (`rows` long stretches, the state carried along); else random sampling's (windows of
    num_steps characters, each from a zero state).
    """
    starts, length = stretches(len(ids) - 1, num_steps, rows if carry_state else None)
    starts = starts.to(ids.device)
    vocab = model.vocab_size
    steps = min(length, num_steps) if carry_state else length
    per_chunk = max(1, CHUNK_LOGITS // (steps * vocab))
    total = torch.zeros((), dtype=torch.float64, device=ids.device)
    for first in range(0, len(starts), per_chunk):
        begin = starts[first : first + per_chunk]
        state = model.begin_state(len(begin), ids.device)
        for offset in range(0, length, steps):
            width = min(steps, length - offset)
            positions = begin[:, None] + offset + torch.arange(width, device=ids.device)
            # Training's own loss (its output layer fused, faster than logits + cross-entropy),
            # a mean over the chunk's predictions.
            loss, state = model.loss(ids[positions], ids[positions + 1], state)
            total += loss.double() * positions.numel()
    mean = total.item() / (len(starts) * length)
    return math.exp(mean) if mean < 700 else math.inf
