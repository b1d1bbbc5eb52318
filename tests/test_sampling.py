"""The two samplers give exactly the book's batches on a small corpus."""

from __future__ import annotations

import torch

from engine.data.sampling import batch_at, consecutive_starts, random_starts


def test_consecutive_matches_the_book_layout() -> None:
    # The book's example: 30 characters, batch 2, 6 steps -> rows 0..14 and 15..29, 2 batches.
    data = torch.arange(30)
    starts = consecutive_starts(len(data), batch_size=2, num_steps=6)
    batches = [batch_at(data, row, 6) for row in starts]
    assert len(batches) == 2
    (x0, y0), (x1, y1) = batches
    assert x0.tolist() == [[0, 1, 2, 3, 4, 5], [15, 16, 17, 18, 19, 20]]
    assert y0.tolist() == [[1, 2, 3, 4, 5, 6], [16, 17, 18, 19, 20, 21]]
    assert x1.tolist() == [[6, 7, 8, 9, 10, 11], [21, 22, 23, 24, 25, 26]]
    assert y1.tolist() == [[7, 8, 9, 10, 11, 12], [22, 23, 24, 25, 26, 27]]


def test_random_covers_non_overlapping_sequences_once() -> None:
    # 30 chars, 6 steps -> (30-1)//6 = 4 examples starting at 0, 6, 12, 18; batch 2 -> 2 batches.
    data = torch.arange(30)
    starts = random_starts(len(data), 2, 6, torch.Generator().manual_seed(0))
    assert starts.shape == (2, 2)
    assert sorted(starts.flatten().tolist()) == [0, 6, 12, 18]
    for row in starts:
        x, y = batch_at(data, row, 6)
        for seq_x, seq_y, start in zip(x.tolist(), y.tolist(), row.tolist(), strict=True):
            assert seq_x == list(range(start, start + 6))
            assert seq_y == list(range(start + 1, start + 7))


def test_random_drops_the_partial_batch_and_depends_on_the_generator() -> None:
    n, batch, steps = 10_000, 32, 35
    a = random_starts(n, batch, steps, torch.Generator().manual_seed(1))
    b = random_starts(n, batch, steps, torch.Generator().manual_seed(1))
    c = random_starts(n, batch, steps, torch.Generator().manual_seed(2))
    assert a.shape == ((n - 1) // steps // batch, batch) == (8, 32)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_jaychou_epoch_sizes(jaychou) -> None:
    n = len(jaychou.indices)
    assert random_starts(n, 32, 35, torch.Generator()).shape[0] == 8
    assert consecutive_starts(n, 32, 35).shape[0] == (n // 32 - 1) // 35 == 8
