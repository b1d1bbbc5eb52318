"""The book's hosted corpora (the Jay Chou lyrics, *The Time Machine*): where they are kept,
fetched once into the corpus folder, verified by SHA-1 every time they are used, then read."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from engine.data.download import ChecksumError, DownloadError, Progress, download_file, sha1_of_file
from engine.data.errors import CorpusError
from engine.data.text_file import TextFileError, read_text_file

JAYCHOU_URL = "https://raw.githubusercontent.com/d2l-ai/d2l-zh/v1/data/jaychou_lyrics.txt.zip"
JAYCHOU_ZIP = "jaychou_lyrics.txt.zip"
JAYCHOU_MEMBER = "jaychou_lyrics.txt"
JAYCHOU_SHA1 = "9529987e701a4f37048ab778270a5dde9a762a0b"
# d2l's DATA_HUB['time_machine']: DATA_URL + 'timemachine.txt' and its SHA-1, as the book has them.
TIMEMACHINE_URL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt"
TIMEMACHINE_FILE = "timemachine.txt"
TIMEMACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
DEFAULT_CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"


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


def corpus_dir_path(corpus_dir: str | Path | None = None) -> Path:
    """The directory the book's files are looked up in / downloaded to: argument, env, then
    checkout."""
    if corpus_dir is not None:
        return Path(corpus_dir).expanduser()
    env = os.environ.get("RNNPLAY_CORPUS_DIR")
    return Path(env).expanduser() if env else DEFAULT_CORPUS_DIR


def hosted_missing(name: str, corpus_dir: str | Path | None = None) -> Path | None:
    """Where a book's hosted corpus (jaychou, timemachine) goes, if it is not there yet: the
    first run downloads it there. None when it is there, or for any other corpus. Only looks:
    a UI can say so at launch, before anything is fetched."""
    hosted = HOSTED.get(name)
    if hosted is None:
        return None
    path = corpus_dir_path(corpus_dir) / hosted.file
    return None if path.is_file() else path


def hosted_text(name: str, corpus_dir: str | Path | None, progress: Progress | None) -> str:
    """The text of HOSTED[name] from a verified copy, downloaded first if it is not there."""
    path = _hosted_file(name, corpus_dir, progress)
    return _jaychou_text(path) if name == "jaychou" else _plain_text(path)


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
