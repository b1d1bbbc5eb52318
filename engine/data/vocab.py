"""The character vocabulary: ids for characters and back, in an order fixed by the text alone.

`Vocab.from_text` is sorted(set(text)): the same text always gives the same indices, so saved
weights stay meaningful across runs (list(set(...)) would not, as string hashing is randomised per
process). The distinct code points are found with arrays, piece by piece (`code_point_chunks`),
which building a corpus's indices reuses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

# Characters indexed per step: bounds the temporary copies (the UTF-32 bytes, numpy's index
# casts) to about a MiB whatever the text's size, and lets Ctrl-C in between steps.
CHUNK_CHARS = 1 << 16


class Vocab:
    """Character vocabulary; `idx_to_char` is sorted so it depends on the text only."""

    def __init__(self, idx_to_char: Sequence[str]) -> None:
        chars = list(idx_to_char)
        if chars != sorted(set(chars)):
            raise ValueError("idx_to_char must be sorted and without duplicates")
        if any(len(c) != 1 for c in chars):
            raise ValueError("every vocabulary entry must be a single character")
        self.idx_to_char: list[str] = chars
        self.char_to_idx: dict[str, int] = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: str) -> Vocab:
        return cls([chr(c) for c in distinct_code_points(text).tolist()])

    def __len__(self) -> int:
        return len(self.idx_to_char)

    def __contains__(self, ch: object) -> bool:
        return ch in self.char_to_idx

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocab):
            return NotImplemented
        return self.idx_to_char == other.idx_to_char

    def __hash__(self) -> int:
        return hash(tuple(self.idx_to_char))

    def __repr__(self) -> str:
        return f"Vocab({len(self)} chars)"

    def encode(self, text: str) -> tuple[list[int], list[str]]:
        """Ids of the known characters, and the unknown ones (distinct, in order of appearance).

        Unknown characters are skipped rather than raised on: a prompt typed by a user may contain
        anything, and the caller decides whether to warn.
        """
        ids: list[int] = []
        unknown: dict[str, None] = {}
        for ch in text:
            idx = self.char_to_idx.get(ch)
            if idx is None:
                unknown.setdefault(ch)
            else:
                ids.append(idx)
        return ids, list(unknown)

    def decode(self, ids: Iterable[int]) -> str:
        """Text for `ids` (ints or 0-d tensors); out-of-range ids raise ValueError.

        Negative ids are rejected instead of wrapping around like list indexing would.
        """
        size = len(self.idx_to_char)
        chars = []
        for raw in ids:
            idx = int(raw)
            if not 0 <= idx < size:
                raise ValueError(f"id {idx} is outside the vocabulary (size {size})")
            chars.append(self.idx_to_char[idx])
        return "".join(chars)


def distinct_code_points(text: str) -> np.ndarray:
    """The code points that occur in `text`, ascending: the order of sorted(set(text)).

    A flag per code point up to the largest one seen: array work instead of a Python set of
    one-character strings, and a few KiB for most texts (1 MiB if an emoji turns up).
    """
    seen = np.zeros(0, dtype=bool)
    for _, points in code_point_chunks(text):
        top = int(points.max()) + 1
        if top > len(seen):
            seen = np.concatenate((seen, np.zeros(top - len(seen), dtype=bool)))
        seen[points] = True
    return np.flatnonzero(seen)


def code_point_chunks(text: str) -> Iterator[tuple[str, np.ndarray]]:
    """(piece, its code points as uint32) for consecutive pieces of CHUNK_CHARS characters."""
    for start in range(0, len(text), CHUNK_CHARS):
        piece = text[start : start + CHUNK_CHARS]
        yield piece, np.frombuffer(piece.encode("utf-32-le"), dtype=np.uint32)
