"""A user's text file as a corpus: read, normalised and decoded (UTF-8, UTF-16/32 with a BOM), and
what is refused in one line (missing, special files, binary, a single distinct character)."""

from __future__ import annotations

import codecs
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import engine.data.text_file as text_file
from engine.data.corpus import MAX_VOCAB, Corpus, CorpusError, load_corpus


def test_text_file(tiny_corpus: Path) -> None:
    corpus = load_corpus(str(tiny_corpus))
    assert corpus.text == tiny_corpus.read_text(encoding="utf-8")
    assert corpus.name == str(tiny_corpus.resolve())
    assert load_corpus(str(tiny_corpus), max_chars=50).text == corpus.text[:50]


def test_text_file_normalisation(tmp_path: Path) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes("\ufeffab\r\ncd\ref".encode())
    assert load_corpus(str(path)).text == "ab\ncd\nef"


def test_prefix_read_does_not_split_characters(tmp_path: Path) -> None:
    # Only ~4*max_chars bytes are read; a multi-byte char cut there must not be "invalid UTF-8".
    path = tmp_path / "cjk.txt"
    path.write_text("分开" * 1000 + "a", encoding="utf-8")
    for n in (2, 3, 7, 100):
        assert load_corpus(str(path), max_chars=n).text == ("分开" * 1000)[:n]


# --- bad corpora ----------------------------------------------------------------------------------

def _write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: str(p / "missing.txt"), "does not exist"),
        (lambda p: str(p / "a\x00b.txt"), "not a file name"),
        (lambda p: str(p), "is a directory"),
        (lambda p: _write(p, b""), "is empty"),
        (lambda p: _write(p, "\ufeff".encode()), "is empty"),
        (lambda p: _write(p, b"a"), "only 1 character"),
        (lambda p: _write(p, b"text\x00\x01\x02binary"), "binary"),
        (lambda p: _write(p, b"caf\xe9 latin-1"), "not UTF-8"),
        (lambda p: _write(p, "".join(map(chr, range(0x4E00, 0x4E00 + MAX_VOCAB + 1))).encode()),
         "distinct characters"),
    ],
    ids=["missing", "nul-in-name", "directory", "empty", "bom-only", "one-char", "binary",
         "latin1", "huge-vocab"],
)
def test_bad_corpora(tmp_path: Path, make: Callable[[Path], str], match: str) -> None:
    with pytest.raises(CorpusError, match=match):
        load_corpus(make(tmp_path), max_chars=0)


@pytest.mark.parametrize("text", ["aaaaaaaa", "\n" * 100, "\r\n" * 100, "分" * 3])
def test_one_distinct_character_is_refused(tmp_path: Path, text: str) -> None:
    # Item 12: it trained and reported "diverged: the loss exploded to 0" (10 * log 1 = 0).
    path = tmp_path / "one.txt"
    path.write_bytes(text.encode())
    with pytest.raises(CorpusError, match="at least two different characters to model"):
        load_corpus(str(path), max_chars=0)
    with pytest.raises(CorpusError, match="two different characters"):
        load_corpus(str(tmp_path / "one.txt"), max_chars=1_000)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this OS")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    # Item 13: opening a FIFO waits for a writer forever.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome: list[BaseException | Corpus] = []

    def load() -> None:
        try:
            outcome.append(load_corpus(str(fifo)))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():
        # Release the blocked open (a writer appears and leaves) so the thread can end.
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load_corpus blocked on a FIFO")
    assert isinstance(outcome[0], CorpusError), outcome
    assert "named pipe" in str(outcome[0]) and "not a regular file" in str(outcome[0])


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_device_is_refused(device: str) -> None:
    for max_chars in (0, 100):
        with pytest.raises(CorpusError, match="is a device, not a regular file"):
            load_corpus(device, max_chars=max_chars)


def test_symlink_to_a_file_is_followed(tiny_corpus: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tiny_corpus)
    assert load_corpus(str(link)).text == tiny_corpus.read_text()
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(str(tmp_path / "dangling"))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_bom_are_decoded(tmp_path: Path, encoding: str) -> None:
    # Item 14: they were refused as "a binary file (NUL bytes)"; the mark names the encoding.
    text = "分开 ab🙂\r\ncd\n" * 100
    path = tmp_path / "wide.txt"
    path.write_bytes("\ufeff".encode(encoding) + text.encode(encoding))
    normalised = text.replace("\r\n", "\n")
    assert load_corpus(str(path), max_chars=0).text == normalised
    for n in (2, 3, 4, 5, 7, 999):  # prefixes that cut a surrogate pair or a CRLF
        assert load_corpus(str(path), max_chars=n).text == normalised[:n]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 4096])
def test_text_read_in_pieces_equals_text_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # Files are read READ_CHUNK bytes at a time: pieces may end inside a character, between the
    # CR and LF of a CRLF, or decode to nothing at all; none of it may show in the text.
    monkeypatch.setattr(text_file, "READ_CHUNK", chunk)
    text = "x\r\r\n分\rab🙂\r\n\n\r" * 7 + "末\r"
    whole = text.replace("\r\n", "\n").replace("\r", "\n")
    path = tmp_path / "t.txt"
    for encoding, bom in [("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                          ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-32-be", codecs.BOM_UTF32_BE)]:
        path.write_bytes(bom + text.encode(encoding))
        assert load_corpus(str(path), max_chars=0).text == whole, encoding
        for n in (2, 3, 4, 9, len(whole) - 1, len(whole), len(whole) + 1):
            assert load_corpus(str(path), max_chars=n).text == whole[:n], (encoding, n)


def test_wide_text_messages(tmp_path: Path) -> None:
    path = tmp_path / "w.txt"
    path.write_bytes("no mark here".encode("utf-16-le"))
    with pytest.raises(CorpusError, match="iconv -f UTF-16LE -t UTF-8"):
        load_corpus(str(path))
    path.write_bytes("odd".encode("utf-16-le").join([codecs.BOM_UTF16_LE, b"x"]))
    odd = r"is not UTF-16LE text \(invalid byte at offset 8\).*iconv"
    with pytest.raises(CorpusError, match=odd):
        load_corpus(str(path))
    path.write_bytes(codecs.BOM_UTF32_BE + "a\x00b".encode("utf-32-be"))
    with pytest.raises(CorpusError, match="binary"):
        load_corpus(str(path))
