"""A corpus in bounded memory: indices in the smallest dtype, bit-exact with their definition
(issue 10), and reads bounded by the file, never by max_chars nor a file too big (issue 11, 8)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from engine.data.corpus import MAX_VOCAB, CorpusError, load_corpus
from engine.data.sampling import batch_at
from engine.data.text_file import MAX_FILE_BYTES
from engine.data.vocab import Vocab

# --- big corpora: small indices, bounded memory (issue 10) ----------------------------------------

def _reference_indices(text: str) -> tuple[list[str], list[int]]:
    """The definition the vocabulary and indices must keep: sorted(set(text)), char -> position."""
    chars = sorted(set(text))
    position = {c: i for i, c in enumerate(chars)}
    return chars, [position[c] for c in text]


def test_indices_bit_exact_with_the_definition(tmp_path: Path) -> None:
    whole = load_corpus("jaychou", max_chars=0)
    path = tmp_path / "mixed.txt"
    path.write_text("分开 ab\tc🙂\u00e9\n𝄞z" * 50_000 + "末", encoding="utf-8")  # > one chunk
    for corpus in (whole, load_corpus("pysrc", max_chars=0), load_corpus(str(path), max_chars=0)):
        chars, ids = _reference_indices(corpus.text)
        assert corpus.vocab.idx_to_char == chars and corpus.indices.tolist() == ids
        assert corpus.sha256 == hashlib.sha256(corpus.text.encode()).hexdigest()
    assert Vocab.from_text(path.read_text(encoding="utf-8")).idx_to_char == chars


@pytest.mark.parametrize(("distinct", "dtype"), [(2, torch.uint8), (256, torch.uint8),
                                                 (257, torch.int16), (MAX_VOCAB, torch.int16)])
def test_indices_in_smallest_dtype(tmp_path: Path, distinct: int, dtype: torch.dtype) -> None:
    path = tmp_path / "v.txt"
    path.write_text("".join(map(chr, range(0x4E00, 0x4E00 + distinct))) * 2, encoding="utf-8")
    corpus = load_corpus(str(path), max_chars=0)
    assert len(corpus.vocab) == distinct and corpus.indices.dtype == dtype
    assert corpus.indices.tolist() == list(range(distinct)) * 2


def test_batches_of_small_indices_are_long(tmp_path: Path) -> None:
    # Embedding lookups and one-hot scatters need int64, and torch reads a uint8 index as a mask.
    corpus = load_corpus("pysrc")
    assert corpus.indices.dtype == torch.uint8
    X, Y = batch_at(corpus.indices, torch.tensor([0, 100]), 5)
    assert X.dtype == Y.dtype == torch.long
    assert X.tolist() == [corpus.indices[s : s + 5].tolist() for s in (0, 100)]
    assert Y.tolist() == [corpus.indices[s + 1 : s + 6].tolist() for s in (0, 100)]


def _traced_peak_bytes(load: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        load()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["ascii", "cjk+emoji"])
def test_big_corpus_peak_memory(tmp_path: Path, kind: str) -> None:
    """At most 16 bytes per character over what was allocated before (issue 10's bar).

    cjk+emoji is the costliest text: 4 bytes of UTF-8 per emoji, and one code point past U+FFFF
    makes Python store the whole str at 4 bytes per character.
    """
    unit = "def f(x):\n    return x + 1\n" if kind == "ascii" else "分开，想要有直升机🙂\n"
    text = unit * (1_000_000 // len(unit))
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    peak = _traced_peak_bytes(lambda: load_corpus(str(path), max_chars=0))
    assert peak / len(text) <= 16, f"{peak / len(text):.1f} bytes per character"


# --- sizes that must not become allocations (issue 11 item 8) -------------------------------------

def test_huge_max_chars_reads_only_the_file(tiny_corpus: Path) -> None:
    # Item 8: the read size came from max_chars: 4 * 10**10 bytes -> MemoryError.
    for max_chars in (10_000_000_000, 2**62):
        peak = _traced_peak_bytes(lambda n=max_chars: load_corpus(str(tiny_corpus), max_chars=n))
        assert peak < 2**20  # the old read allocated 40 GB up front
    assert load_corpus(str(tiny_corpus), max_chars=10**12).text == tiny_corpus.read_text()


def test_too_big_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "sparse.txt"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    tracemalloc.start()
    try:
        with pytest.raises(CorpusError, match="larger than 256 MiB"):
            load_corpus(str(path), max_chars=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # the old code read 256 MiB before refusing


OUT_OF_MEMORY = """
import resource, sys
from engine.data.corpus import CorpusError, load_corpus
with open("/proc/self/status") as f:
    size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + 24 * 2**20, resource.RLIM_INFINITY))
try:
    load_corpus(sys.argv[1], max_chars=0)
except CorpusError as err:
    print(err)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_out_of_memory_is_one_line(tmp_path: Path) -> None:
    # Item 8's second half: a MemoryError has an empty message (the app showed "trainer thread
    # failed:" and nothing else). A text that needs more than the process may have is named.
    path = tmp_path / "big.txt"
    path.write_text("分开，想要有直升机🙂\n" * 2_000_000, encoding="utf-8")  # 64 MB of text in RAM
    done = subprocess.run([sys.executable, "-c", OUT_OF_MEMORY, str(path)], capture_output=True,
                          text=True, timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert done.stderr == "" and done.returncode == 0
    assert done.stdout == f"not enough memory to load the corpus {str(path)!r}; " \
                          "a smaller --max-chars needs less\n"
