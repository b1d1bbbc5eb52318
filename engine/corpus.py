"""Corpora for the character RNNs: the book's Jay Chou lyrics, Python source, or any text file.

`load_corpus` returns a `Corpus` whose `Vocab` is sorted(set(text)): the same text always gives
the same indices, so saved weights stay meaningful across runs (list(set(...)) would not, as string
hashing is randomised per process).
"""

from __future__ import annotations

import codecs
import hashlib
import importlib.util
import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from engine.download import ChecksumError, DownloadError, Progress, download_file, sha1_of_file

JAYCHOU_URL = "https://raw.githubusercontent.com/d2l-ai/d2l-zh/v1/data/jaychou_lyrics.txt.zip"
JAYCHOU_ZIP = "jaychou_lyrics.txt.zip"
JAYCHOU_MEMBER = "jaychou_lyrics.txt"
JAYCHOU_SHA1 = "9529987e701a4f37048ab778270a5dde9a762a0b"
BUILTIN = ("jaychou", "pysrc")
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"

# Pure-Python stdlib modules (no C-only ones, which have no source). The order is part of the
# corpus: changing it changes the text, its vocabulary and its sha256.
PYSRC_MODULES = (
    "textwrap", "string", "heapq", "bisect", "fnmatch", "colorsys", "shlex", "graphlib",
    "queue", "sched", "glob", "fractions", "difflib", "statistics", "calendar", "functools",
)

# A character RNN's embedding/output layers grow with the vocabulary; beyond this the file is
# almost certainly not text meant for a char model (or it is a CJK dump far too big to train here).
MAX_VOCAB = 20_000
# Reading a whole file is refused past this size (max_chars=0); a prefix is always fine.
MAX_FILE_BYTES = 256 * 1024 * 1024
# One input/target pair is the least a language model can be trained on.
MIN_TEXT_CHARS = 2


class CorpusError(Exception):
    """A corpus cannot be used; str(error) is a complete message for the user."""


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
        return cls(sorted(set(text)))

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
    """A loaded corpus. eq=False: identity comparison, as comparing tensors has no single bool."""

    name: str
    text: str = field(repr=False)
    vocab: Vocab
    indices: torch.Tensor = field(repr=False)
    sha256: str

    def __len__(self) -> int:
        return len(self.text)


def make_corpus(name: str, text: str) -> Corpus:
    """Validate `text` and build the Corpus (vocabulary, indices, hash)."""
    if len(text) < MIN_TEXT_CHARS:
        what = "is empty" if not text else f"has only {len(text)} character"
        raise CorpusError(f"corpus {name!r} {what}; a corpus needs at least "
                          f"{MIN_TEXT_CHARS} characters")
    vocab = Vocab.from_text(text)
    if len(vocab) > MAX_VOCAB:
        raise CorpusError(
            f"corpus {name!r} has {len(vocab):,} distinct characters (more than {MAX_VOCAB:,}); "
            "is it really text? A smaller --max-chars may help"
        )
    ids, _ = vocab.encode(text)
    return Corpus(
        name=name,
        text=text,
        vocab=vocab,
        indices=torch.tensor(ids, dtype=torch.long),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def load_corpus(
    spec: str = "jaychou",
    max_chars: int = 10_000,
    corpus_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> Corpus:
    """Load "jaychou", "pysrc" or a UTF-8 text file (any other spec is a path).

    The built-in names win over files of the same name; write "./jaychou" for such a file.
    `max_chars` keeps the first characters of the normalised text (0 keeps all of it).
    `progress(done_bytes, total_bytes | None)` is called only if jaychou must be downloaded.
    """
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 0:
        raise CorpusError(f"max_chars must be a whole number >= 0 (0 = all), not {max_chars!r}")
    if spec == "jaychou":
        return make_corpus("jaychou", _truncate(_jaychou_text(corpus_dir, progress), max_chars))
    if spec == "pysrc":
        return make_corpus("pysrc", _truncate(_pysrc_text(), max_chars))
    path = Path(spec).expanduser()
    return make_corpus(str(path.resolve()), _truncate(_file_text(path, max_chars), max_chars))


def _truncate(text: str, max_chars: int) -> str:
    return text[:max_chars] if max_chars else text


def corpus_dir_path(corpus_dir: str | Path | None = None) -> Path:
    """The directory jaychou is looked up in / downloaded to: argument, env, then checkout."""
    if corpus_dir is not None:
        return Path(corpus_dir).expanduser()
    env = os.environ.get("RNNPLAY_CORPUS_DIR")
    return Path(env).expanduser() if env else DEFAULT_CORPUS_DIR


def jaychou_url() -> str:
    return os.environ.get("RNNPLAY_JAYCHOU_URL") or JAYCHOU_URL


# --- jaychou -------------------------------------------------------------------------------------

def _jaychou_text(corpus_dir: str | Path | None, progress: Progress | None) -> str:
    path = corpus_dir_path(corpus_dir) / JAYCHOU_ZIP
    if path.is_file():
        _verify_existing(path)
    else:
        _download_jaychou(path, progress)
    text = _read_zip_member(path)
    # The book's normalisation (d2l load_data_jay_lyrics): lyrics lines become spaces.
    return text.replace("\n", " ").replace("\r", " ")


def _verify_existing(path: Path) -> None:
    # A file put there by hand can be anything; never delete it, just say what is wrong.
    try:
        got = sha1_of_file(path)
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if got != JAYCHOU_SHA1:
        raise CorpusError(
            f"{path} is not the book's {JAYCHOU_ZIP} (SHA-1 {got}, expected {JAYCHOU_SHA1}); "
            "delete it to download it again, or use --corpus pysrc"
        )


def _download_jaychou(path: Path, progress: Progress | None) -> None:
    url = jaychou_url()
    try:
        download_file(url, path, JAYCHOU_SHA1, progress=progress)
    except ChecksumError as exc:
        raise CorpusError(f"jaychou corpus: {exc}. Try again later, or use --corpus pysrc") from exc
    except DownloadError as exc:
        raise CorpusError(
            f"the jaychou corpus is not in {path.parent} and could not be downloaded ({exc}).\n"
            f"To work offline, put the book's {JAYCHOU_ZIP} (SHA-1 {JAYCHOU_SHA1}) at {path} "
            "(or set RNNPLAY_CORPUS_DIR), or use --corpus pysrc, which needs no download."
        ) from exc


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
    return _normalise_newlines("\n\n".join(parts))


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


# --- text files ----------------------------------------------------------------------------------

def _file_text(path: Path, max_chars: int) -> str:
    """Decoded, newline-normalised text of a user file (only a prefix is read when possible).

    Newlines are kept (poems, code); CRLF/CR become LF so Windows files gain no '\\r' character.
    """
    data, truncated = _read_bytes(path, max_chars)
    if not data:
        raise CorpusError(f"{path} is empty")
    if b"\x00" in data:
        raise CorpusError(f"{path} looks like a binary file (it contains NUL bytes), not text")
    # utf-8-sig drops a BOM; final=False keeps a character cut in half at the read limit from
    # looking like invalid UTF-8.
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        text = decoder.decode(data, final=not truncated)
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path} is not UTF-8 text (invalid byte at offset {exc.start}); "
            "convert it to UTF-8 first"
        ) from exc
    return _normalise_newlines(text)


def _read_bytes(path: Path, max_chars: int) -> tuple[bytes, bool]:
    """The file's bytes, or enough of them for `max_chars` characters; and whether cut short."""
    if not path.exists():
        raise CorpusError(f"corpus file {path} does not exist "
                          f"(built-in corpora: {', '.join(BUILTIN)})")
    if path.is_dir():
        raise CorpusError(f"{path} is a directory; give a UTF-8 text file")
    # 4 bytes per character at most in UTF-8, plus a BOM and a split CRLF.
    limit = max_chars * 4 + 8 if max_chars else MAX_FILE_BYTES + 1
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit)
            truncated = bool(fh.read(1))
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not max_chars and len(data) > MAX_FILE_BYTES:
        raise CorpusError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB; "
                          "set max_chars to use its beginning")
    return data, truncated


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
