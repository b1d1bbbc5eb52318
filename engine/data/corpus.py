"""Corpora for the character RNNs: the book's Jay Chou lyrics, the d2l English edition's *The Time
Machine*, Python source, or any text file.

`load_corpus` reads the named corpora (the book's from hosted.py, pysrc from pysrc.py) or a user's
file (text_file.py) and `make_corpus` turns the text into a `Corpus`: its vocabulary (vocab.py),
its indices and its hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.data import preprocess as prep
from engine.data.download import Progress
from engine.data.errors import CorpusError
from engine.data.hosted import HOSTED, hosted_text
from engine.data.pysrc import pysrc_text
from engine.data.text_file import MissingFile, TextFileError, read_text_file
from engine.data.vocab import Vocab, code_point_chunks, distinct_code_points

BUILTIN = ("jaychou", "timemachine", "pysrc")

# A character RNN's embedding/output layers grow with the vocabulary; beyond this the file is
# almost certainly not text meant for a char model (or it is a CJK dump far too big to train here).
MAX_VOCAB = 20_000
# One input/target pair is the least a language model can be trained on.
MIN_TEXT_CHARS = 2


@dataclass(frozen=True, eq=False)
class Corpus:
    """A loaded corpus. eq=False: identity comparison, as comparing tensors has no single bool.

    `indices` is 1-D in the smallest integer dtype that holds the vocabulary (uint8, int16 or
    int32): a 10 MB text costs 10-20 MB there instead of 80 MB as int64. Widen slices of it
    before using them as indices (engine.data.sampling.batch_at does): torch reads uint8 as a mask.
    """

    name: str
    text: str = field(repr=False)
    vocab: Vocab
    indices: torch.Tensor = field(repr=False)
    sha256: str
    # following(n): up to n characters that come right after `text` in its source (a held-out
    # split, engine/data/validation.py); None when the text is all of its source.
    following: Callable[[int], str] | None = field(default=None, repr=False)
    # what was done to the source's text ("none" or "d2l", engine/data/preprocess.py); loading
    # `name` again with it gives the same text
    preprocess: str = "none"

    def __len__(self) -> int:
        return len(self.text)


def _index_dtype(vocab_size: int) -> type[np.integer]:
    """uint8, int16 or int32: the smallest that holds 0 .. vocab_size - 1.

    int16 rather than uint16, which torch supports only partly (and not at all before 2.3);
    int32 holds any vocabulary, as there are only 0x110000 code points.
    """
    return np.uint8 if vocab_size <= 2**8 else np.int16 if vocab_size <= 2**15 else np.int32


def make_corpus(
    name: str,
    text: str,
    following: Callable[[int], str] | None = None,
    preprocess: str = "none",
) -> Corpus:
    """Validate `text` and build the Corpus (vocabulary, indices, hash).

    Memory stays a few bytes per character over the text itself (no per-character Python
    objects): the indices are built piece by piece through a code point -> index table.
    """
    if len(text) < MIN_TEXT_CHARS:
        what = "is empty" if not text else f"has only {len(text)} character"
        raise CorpusError(f"corpus {name!r} {what}; a corpus needs at least "
                          f"{MIN_TEXT_CHARS} characters")
    code_points = distinct_code_points(text)
    size = len(code_points)
    if size > MAX_VOCAB:
        raise CorpusError(
            f"corpus {name!r} has {size:,} distinct characters (more than {MAX_VOCAB:,}); "
            "is it really text? A smaller --max-chars may help"
        )
    if size < 2:
        # Nothing to predict: every guess is right, and the loss is 0 from the first step.
        raise CorpusError(
            f"corpus {name!r} is one character ({text[0]!r}) repeated; a corpus needs at least "
            "two different characters to model"
        )
    dtype = _index_dtype(size)
    lookup = np.zeros(int(code_points[-1]) + 1, dtype=dtype)
    lookup[code_points] = np.arange(size, dtype=dtype)
    indices = np.empty(len(text), dtype=dtype)
    digest = hashlib.sha256()
    start = 0
    for piece, points in code_point_chunks(text):
        indices[start : start + len(piece)] = lookup[points]
        digest.update(piece.encode("utf-8"))
        start += len(piece)
    return Corpus(
        name=name,
        text=text,
        vocab=Vocab([chr(c) for c in code_points.tolist()]),
        indices=torch.from_numpy(indices),
        sha256=digest.hexdigest(),
        following=following,
        preprocess=preprocess,
    )


def load_corpus(
    spec: str = "jaychou",
    max_chars: int = 10_000,
    corpus_dir: str | Path | None = None,
    progress: Progress | None = None,
    preprocess: str = "auto",
) -> Corpus:
    """Load "jaychou", "timemachine", "pysrc" or a UTF-8 text file (any other spec is a path).

    The built-in names win over files of the same name; write "./jaychou" for such a file.
    `preprocess` ("auto", "none" or "d2l", engine/data/preprocess.py) cleans the text first;
    `max_chars` then keeps its first characters (0 keeps all of it).
    `progress(done_bytes, total_bytes | None)` is called only if a book's file must be downloaded.
    """
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 0:
        raise CorpusError(f"max_chars must be a whole number >= 0 (0 = all), not {max_chars!r}")
    try:
        done = prep.resolve(preprocess, spec)
    except ValueError as exc:
        raise CorpusError(str(exc)) from None
    try:
        if spec in BUILTIN:
            full = prep.apply(done, _builtin_text(spec, corpus_dir, progress))
            return make_corpus(spec, _truncate(full, max_chars), _after(full, max_chars), done)
        path = Path(spec).expanduser()
        text = _file_text(path, max_chars, done)
        cut = bool(max_chars) and len(text) == max_chars
        following = _file_after(path.resolve(), max_chars, done) if cut else None
        return make_corpus(str(path.resolve()), text, following, done)
    except MemoryError:
        # Raised with an empty message; by now the partial text is freed and a line fits.
        raise CorpusError(f"not enough memory to load the corpus {spec!r}; "
                          "a smaller --max-chars needs less") from None


def _truncate(text: str, max_chars: int) -> str:
    return text[:max_chars] if max_chars else text


def _after(full: str, max_chars: int) -> Callable[[int], str] | None:
    """Corpus.following for a built-in text (kept whole: a few hundred KB at most)."""
    if not max_chars or len(full) <= max_chars:
        return None
    return lambda n: full[max_chars : max_chars + n]


def _builtin_text(
    name: str, corpus_dir: str | Path | None, progress: Progress | None
) -> str:
    if name in HOSTED:
        return hosted_text(name, corpus_dir, progress)
    return pysrc_text()


def _file_text(path: Path, max_chars: int, preprocess: str) -> str:
    """The first max_chars characters of a file's text after `preprocess`.

    Cleaning drops characters, so those may lie further into the file: the prefix read doubles
    until it holds them or the file ends (a cleaned prefix is a prefix of the cleaned text).
    """
    if preprocess == "none":
        return _corpus_file_text(path, max_chars)
    want = max_chars
    while True:
        raw = _corpus_file_text(path, want)
        text = prep.apply(preprocess, raw)
        if not max_chars or len(raw) < want or len(text) >= max_chars:
            return _truncate(text, max_chars)
        want *= 2


def _corpus_file_text(path: Path, max_chars: int) -> str:
    try:
        return read_text_file(path, max_chars)
    except MissingFile:
        raise CorpusError(f"corpus file {path} does not exist "
                          f"(built-in corpora: {', '.join(BUILTIN)})") from None
    except TextFileError as exc:
        raise CorpusError(str(exc), exc.field) from exc


def _file_after(path: Path, start: int, preprocess: str) -> Callable[[int], str]:
    """Corpus.following for a file: read again when asked, "" if it can no longer be read."""

    def following(n: int) -> str:
        try:
            return _file_text(path, start + n, preprocess)[start:]
        except CorpusError:
            return ""

    return following
