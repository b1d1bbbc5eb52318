"""Where an epoch's minibatches come from in the training text (the book's section 6.3), as plain
values a UI draws: the start-offset table of engine/data/sampling.py read back as text.

Random sampling scatters whole num_steps-character sequences over the text and starts every
batch from a zero state. Consecutive sampling cuts the text into batch_size long rows read left
to right: row r of batch b continues where row r of batch b-1 stopped, so the hidden state is
carried from one batch to the next (detached: the gradient stops at the boundary) and is zero
only at the epoch's first batch. That is also why a model trained consecutively rarely sees a
zero state, and may complete a prompt badly from one (the prompt's warm-up, Decoding.warmup).

The strip is the whole training text squeezed into `cells` cells, each marked by what the epoch
does with its characters relative to the batch shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the app draws BatchLayout before torch has loaded (issue 21)
    import torch

    from engine.data.vocab import Vocab

# What a cell of the strip holds, in order of precedence: characters of the batch shown, of the
# epoch's batches before it, of those after it, or none the epoch reads.
SHOWN, EARLIER, LATER, UNREAD = "#", "=", "-", " "


@dataclass(frozen=True)
class BatchLayout:
    """One batch of an epoch, where its rows come from, and the epoch's text as a strip."""

    sampling: str  # "random" or "consecutive"
    epoch: int  # the epoch laid out, 1-based (the one in progress, or the next)
    batch: int  # the batch shown, 0-based
    batches: int  # batches in the epoch
    trained: int  # of them, trained so far (the run's place in the epoch)
    run: str  # the run's state as the core has it (engine.training.events.RunState's value)
    batch_size: int
    num_steps: int
    train_chars: int  # characters of training text
    starts: tuple[int, ...]  # where each row of the batch shown starts in the training text
    segments: tuple[str, ...]  # each row's characters, X (Y is the same, one character later)
    state: str  # how the batch's hidden state begins, in a phrase
    strip: str  # one of SHOWN, EARLIER, LATER, UNREAD per cell over the training text


def state_rule(sampling: str, detach: bool, batch: int) -> str:
    """Where batch `batch` (0-based) of an epoch takes its starting hidden state from."""
    if sampling == "random":
        return "reset to zeros: every batch's sequences are unrelated to the last's"
    if batch == 0:
        return "reset to zeros: the epoch's first batch"
    if detach:
        return (f"carried from batch {batch} (each row goes on where it stopped), detached: "
                "gradients stop at the boundary")
    return (f"carried from batch {batch}, not detached: backpropagation reaches back to the "
            "epoch's first character")


def batch_layout(
    starts: torch.Tensor,
    data: torch.Tensor,
    vocab: Vocab,
    *,
    sampling: str,
    detach: bool,
    num_steps: int,
    epoch: int,
    trained: int,
    run: str,
    batch: int,
    cells: int,
) -> BatchLayout:
    """The layout of batch `batch` (clamped to the epoch) of the epoch whose start-offset table
    is `starts` (batches, batch_size), over the training text `data` (character ids)."""
    batches, batch_size = starts.shape
    batch = max(0, min(batch, batches - 1))
    row = starts[batch].tolist()
    segments = tuple(vocab.decode(data[s : s + num_steps].tolist()) for s in row)
    n = len(data)
    return BatchLayout(
        sampling=sampling, epoch=epoch, batch=batch, batches=batches, trained=trained, run=run,
        batch_size=batch_size, num_steps=num_steps, train_chars=n, starts=tuple(row),
        segments=segments, state=state_rule(sampling, detach, batch),
        strip=_strip(starts.cpu(), batch, num_steps, n, max(1, cells)),
    )  # fmt: skip


def _strip(starts: torch.Tensor, batch: int, num_steps: int, n: int, cells: int) -> str:
    """Each cell's mark: cell k holds characters [k n / cells, (k+1) n / cells)."""
    marks = [UNREAD] * cells
    groups = ((LATER, starts[batch + 1 :]), (EARLIER, starts[:batch]), (SHOWN, starts[batch]))
    for mark, group in groups:  # later ones overwrite: the order is the precedence, reversed
        for k in _cells_touched(group.reshape(-1), num_steps, n, cells):
            marks[k] = mark
    return "".join(marks)


def _cells_touched(seq_starts: torch.Tensor, num_steps: int, n: int, cells: int) -> list[int]:
    """The cells holding any character of the sequences [s, s + num_steps)."""
    if seq_starts.numel() == 0:
        return []
    import torch
    first = seq_starts * cells // n
    last = (seq_starts + num_steps - 1) * cells // n
    # +1 where a sequence's cells begin, -1 past where they end; a running sum > 0 is covered
    edges = torch.zeros(cells + 1, dtype=torch.int64)
    edges.index_add_(0, first, torch.ones_like(first))
    edges.index_add_(0, last + 1, -torch.ones_like(last))
    return torch.nonzero(edges.cumsum(0)[:cells] > 0).reshape(-1).tolist()
