"""Corpora for the character RNNs: the book's Jay Chou lyrics, the d2l English edition's *The Time
Machine*, Python source, or any text file.

`load_corpus` returns a `Corpus` whose `Vocab` is sorted(set(text)): the same text always gives
the same indices, so saved weights stay meaningful across runs (list(set(...)) would not, as string
hashing is randomised per process).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.data import preprocess as prep
from engine.data.download import ChecksumError, DownloadError, Progress, download_file, sha1_of_file
from engine.data.text_file import MissingFile, TextFileError, normalise_newlines, read_text_file

JAYCHOU_URL = "https://raw.githubusercontent.com/d2l-ai/d2l-zh/v1/data/jaychou_lyrics.txt.zip"
JAYCHOU_ZIP = "jaychou_lyrics.txt.zip"
JAYCHOU_MEMBER = "jaychou_lyrics.txt"
JAYCHOU_SHA1 = "9529987e701a4f37048ab778270a5dde9a762a0b"
# d2l's DATA_HUB['time_machine']: DATA_URL + 'timemachine.txt' and its SHA-1, as the book has them.
TIMEMACHINE_URL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
TIMEMACHINE_FILE = "timemachine.txt"
TIMEMACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
BUILTIN = ("jaychou", "timemachine", "pysrc")
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"

# Pure-Python stdlib modules (no C-only ones, which have no source). The order is part of the
# corpus: changing it changes the text, its vocabulary and its sha256.
PYSRC_MODULES = (
    "textwrap", "string", "heapq", "bisect", "fnmatch", "colorsys", "shlex", "graphlib",
    "queue", "sched", "glob", "fractions", "difflib", "statistics", "calendar", "functools",
)

# A character RNN's embedding/output layers grow with the vocabulary; beyond this the file is
# almost certainly not text meant for a char model (or it is a CJK dump far too big to train here).
MAX_VOCAB = 20_000
# One input/target pair is the least a language model can be trained on.
MIN_TEXT_CHARS = 2
# Characters indexed per step: bounds the temporary copies (the UTF-32 bytes, numpy's index
# casts) to about a MiB whatever the text's size, and lets Ctrl-C in between steps.
CHUNK_CHARS = 1 << 16


class CorpusError(Exception):
    """A corpus cannot be used; str(error) is a complete message for the user; `field` names
    the setting it tells the user to change (TextFileError's)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Hosted:
    """A file the book's authors host: fetched once into the corpus folder, verified by SHA-1."""

    file: str  # its name in the corpus folder (and at the end of its URL)
    url: str  # where the book gets it
    url_env: str  # names another address (a mirror; a test's local server)
    sha1: str

    def source(self) -> str:
        return os.environ.get(self.url_env) or self.url


HOSTED = {
    "jaychou": Hosted(JAYCHOU_ZIP, JAYCHOU_URL, "RNNPLAY_JAYCHOU_URL", JAYCHOU_SHA1),
    "timemachine": Hosted(
        TIMEMACHINE_FILE, TIMEMACHINE_URL, "RNNPLAY_TIMEMACHINE_URL", TIMEMACHINE_SHA1
    ),
}


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
        return cls([chr(c) for c in _distinct_code_points(text).tolist()])

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


def _distinct_code_points(text: str) -> np.ndarray:
    """The code points that occur in `text`, ascending: the order of sorted(set(text)).

    A flag per code point up to the largest one seen: array work instead of a Python set of
    one-character strings, and a few KiB for most texts (1 MiB if an emoji turns up).
    """
    seen = np.zeros(0, dtype=bool)
    for _, points in _code_point_chunks(text):
        top = int(points.max()) + 1
        if top > len(seen):
            seen = np.concatenate((seen, np.zeros(top - len(seen), dtype=bool)))
        seen[points] = True
    return np.flatnonzero(seen)


def _code_point_chunks(text: str) -> Iterator[tuple[str, np.ndarray]]:
    """(piece, its code points as uint32) for consecutive pieces of CHUNK_CHARS characters."""
    for start in range(0, len(text), CHUNK_CHARS):
        piece = text[start : start + CHUNK_CHARS]
        yield piece, np.frombuffer(piece.encode("utf-32-le"), dtype=np.uint32)


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
    code_points = _distinct_code_points(text)
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
    for piece, points in _code_point_chunks(text):
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
    if name == "jaychou":
        return _jaychou_text(_hosted_file("jaychou", corpus_dir, progress))
    if name == "timemachine":
        return _plain_text(_hosted_file("timemachine", corpus_dir, progress))
    return _pysrc_text()


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


def corpus_dir_path(corpus_dir: str | Path | None = None) -> Path:
    """The directory the book's files are looked up in / downloaded to: argument, env, then
    checkout."""
    if corpus_dir is not None:
        return Path(corpus_dir).expanduser()
    env = os.environ.get("RNNPLAY_CORPUS_DIR")
    return Path(env).expanduser() if env else DEFAULT_CORPUS_DIR


# --- the book's hosted files (jaychou, timemachine) --------------------------------------------

def hosted_missing(name: str, corpus_dir: str | Path | None = None) -> Path | None:
    """Where a book's hosted corpus (jaychou, timemachine) goes, if it is not there yet: the
    first run downloads it there. None when it is there, or for any other corpus. Only looks:
    a UI can say so at launch, before anything is fetched."""
    hosted = HOSTED.get(name)
    if hosted is None:
        return None
    path = corpus_dir_path(corpus_dir) / hosted.file
    return None if path.is_file() else path


def _hosted_file(name: str, corpus_dir: str | Path | None, progress: Progress | None) -> Path:
    """The path of a verified copy of HOSTED[name], downloaded first if it is not there."""
    hosted = HOSTED[name]
    path = corpus_dir_path(corpus_dir) / hosted.file
    if path.is_file():
        _verify_existing(path, hosted)
    else:
        _download(name, hosted, path, progress)
    return path


def _verify_existing(path: Path, hosted: Hosted) -> None:
    # A file put there by hand can be anything; never delete it, just say what is wrong.
    try:
        got = sha1_of_file(path)
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if got != hosted.sha1:
        raise CorpusError(
            f"{path} is not the book's {hosted.file} (SHA-1 {got}, expected {hosted.sha1}); "
            "delete it to download it again, or use --corpus pysrc"
        )


def _download(name: str, hosted: Hosted, path: Path, progress: Progress | None) -> None:
    url = hosted.source()
    try:
        download_file(url, path, hosted.sha1, progress=progress)
    except ChecksumError as exc:
        raise CorpusError(f"{name} corpus: {exc}. Try again later, or use --corpus pysrc") from exc
    except DownloadError as exc:
        raise CorpusError(
            f"the {name} corpus is not in {path.parent} and could not be downloaded ({exc}); "
            f"to work offline, put the book's {hosted.file} (SHA-1 {hosted.sha1}) at {path} "
            "(or set RNNPLAY_CORPUS_DIR), or use --corpus pysrc, which needs no download."
        ) from exc


def _jaychou_text(path: Path) -> str:
    text = _read_zip_member(path)
    # The book's normalisation (d2l load_data_jay_lyrics): lyrics lines become spaces.
    return text.replace("\n", " ").replace("\r", " ")


def _plain_text(path: Path) -> str:
    """A hosted text file as it is (newlines normalised); the book's cleaning is preprocess's."""
    try:
        return read_text_file(path, 0)
    except TextFileError as exc:
        raise CorpusError(str(exc), exc.field) from exc


def _read_zip_member(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            data = zf.read(JAYCHOU_MEMBER)
        return data.decode("utf-8")
    except (OSError, zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read {JAYCHOU_MEMBER} from {path}: {exc}") from exc


# --- pysrc ---------------------------------------------------------------------------------------

def _pysrc_text() -> str:
    """Source of PYSRC_MODULES from the running interpreter, in list order.

    Unlike jaychou, newlines are kept: line structure and indentation are what make code code.
    Only line endings are normalised (to "\\n"). The text depends on the Python version, which
    Corpus.sha256 makes visible.
    """
    parts = [src for name in PYSRC_MODULES if (src := _module_source(name))]
    if not parts:
        raise CorpusError("pysrc: this Python installation ships no standard-library source files")
    return normalise_newlines("\n\n".join(parts))


def _module_source(name: str) -> str | None:
    # find_spec locates the file without importing (executing) the module.
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec is not None else None
    if not origin or not origin.endswith(".py"):
        return None
    try:
        return Path(origin).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
