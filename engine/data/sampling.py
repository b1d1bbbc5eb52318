"""The book's two minibatch samplers (section 6.3), as a table of sequence start offsets.

Both samplers cut the corpus into sequences of num_steps characters, X starting at an offset and
Y one character later. An epoch is therefore fully described by a (batches, batch_size) table of
start offsets: random sampling shuffles whole sequences, consecutive sampling lays the corpus out
as batch_size rows read left to right, so batch i continues where batch i-1 stopped. Keeping the
table (rather than a generator) lets a saved session resume in the middle of an epoch.
"""

from __future__ import annotations

import torch


def random_starts(
    n: int, batch_size: int, num_steps: int, generator: torch.Generator
) -> torch.Tensor:
    """The book's data_iter_random: shuffled sequences that never overlap; drops a partial batch."""
    num_examples = (n - 1) // num_steps  # minus 1: each Y runs one character past its X
    batches = num_examples // batch_size
    order = torch.randperm(num_examples, generator=generator)
    return (order[: batches * batch_size] * num_steps).view(batches, batch_size)


def consecutive_starts(n: int, batch_size: int, num_steps: int) -> torch.Tensor:
    """The book's data_iter_consecutive: row r reads corpus[r*L : (r+1)*L], L = n // batch_size."""
    row_len = n // batch_size
    batches = max((row_len - 1) // num_steps, 0)
    rows = torch.arange(batch_size) * row_len
    steps = torch.arange(batches) * num_steps
    return steps[:, None] + rows[None, :]


def batch_at(
    data: torch.Tensor, starts: torch.Tensor, num_steps: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """X, Y of shape (batch_size, num_steps) for one row of a start table, as int64.

    `data` may be held in a narrower integer type (Corpus.indices is); only the batch is widened.
    """
    positions = starts[:, None] + torch.arange(num_steps, device=starts.device)
    return data[positions].long(), data[positions + 1].long()
