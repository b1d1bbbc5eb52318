"""engine.data.corpus, text_file and download: real files, a real loopback HTTP server."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import socket
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

import engine.data.text_file as text_file
from engine.data.corpus import MAX_VOCAB, Corpus, CorpusError, load_corpus
from engine.data.download import stderr_progress
from engine.data.hosted import JAYCHOU_SHA1, JAYCHOU_ZIP
from engine.data.sampling import batch_at
from engine.data.text_file import MAX_FILE_BYTES
from engine.data.vocab import Vocab

# --- a loopback mirror ----------------------------------------------------------------------------

Mirror = Callable[..., str]


@pytest.fixture
def mirror(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mirror]:
    """mirror(body, status=200, length=True) -> URL served from 127.0.0.1; also sets the env."""
    servers: list[ThreadingHTTPServer] = []

    def start(body: bytes, status: int = 200, length: bool = True) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(status)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status == 200:
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_address[1]}/{JAYCHOU_ZIP}"
        monkeypatch.setenv("RNNPLAY_JAYCHOU_URL", url)
        return url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def zip_bytes(shared_corpus_zip: Path) -> bytes:
    return shared_corpus_zip.read_bytes()


# --- download -------------------------------------------------------------------------------------

def test_download_into_empty_dir(tmp_path: Path, mirror: Mirror, zip_bytes: bytes) -> None:
    mirror(zip_bytes)
    calls: list[tuple[int, int | None]] = []
    corpus = load_corpus("jaychou", corpus_dir=tmp_path, progress=lambda d, t: calls.append((d, t)))
    saved = tmp_path / JAYCHOU_ZIP
    assert hashlib.sha1(saved.read_bytes()).hexdigest() == JAYCHOU_SHA1
    assert [p.name for p in tmp_path.iterdir()] == [JAYCHOU_ZIP]  # no temp file left
    assert calls[0] == (0, len(zip_bytes)) and calls[-1] == (len(zip_bytes), len(zip_bytes))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(corpus.vocab) == 1027


def test_download_creates_missing_dir_and_unknown_length(
    tmp_path: Path, mirror: Mirror, zip_bytes: bytes
) -> None:
    mirror(zip_bytes, length=False)
    calls: list[tuple[int, int | None]] = []
    target = tmp_path / "a" / "b"
    load_corpus("jaychou", corpus_dir=target, progress=lambda d, t: calls.append((d, t)))
    assert (target / JAYCHOU_ZIP).is_file()
    assert {t for _, t in calls} == {None} and calls[-1][0] == len(zip_bytes)


def test_download_checksum_mismatch_keeps_nothing(
    tmp_path: Path, mirror: Mirror, zip_bytes: bytes
) -> None:
    bad = bytearray(zip_bytes)
    bad[1000] ^= 0xFF
    mirror(bytes(bad))
    with pytest.raises(CorpusError, match="SHA-1") as err:
        load_corpus("jaychou", corpus_dir=tmp_path)
    assert "not kept" in str(err.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [404, 500])
def test_download_http_error_says_where_to_put_file(
    tmp_path: Path, mirror: Mirror, status: int
) -> None:
    mirror(b"", status=status)
    with pytest.raises(CorpusError) as err:
        load_corpus("jaychou", corpus_dir=tmp_path)
    msg = str(err.value)
    assert str(tmp_path / JAYCHOU_ZIP) in msg and "pysrc" in msg and str(status) in msg
    assert "\n" not in msg
    assert list(tmp_path.iterdir()) == []


def test_download_connection_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A bound but not listening socket reserves a port that refuses connections.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("RNNPLAY_JAYCHOU_URL", f"http://127.0.0.1:{sock.getsockname()[1]}/x")
        with pytest.raises(CorpusError) as err:
            load_corpus("jaychou", corpus_dir=tmp_path)
    msg = str(err.value)
    assert str(tmp_path / JAYCHOU_ZIP) in msg and "--corpus pysrc" in msg
    assert list(tmp_path.iterdir()) == []


def test_env_corpus_dir_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(tmp_path))
    with pytest.raises(CorpusError, match=str(tmp_path)):
        load_corpus("jaychou")  # empty dir + dead URL from conftest


def test_existing_corrupt_zip_is_reported_not_deleted(tmp_path: Path) -> None:
    (tmp_path / JAYCHOU_ZIP).write_bytes(b"PK not really")
    with pytest.raises(CorpusError, match="delete it"):
        load_corpus("jaychou", corpus_dir=tmp_path)
    assert (tmp_path / JAYCHOU_ZIP).exists()


def test_stderr_progress_bar() -> None:
    out = io.StringIO()
    bar = stderr_progress("jaychou", stream=out, width=10)
    for done in (0, 0, 512, 1024):
        bar(done, 1024)
    text = out.getvalue()
    assert text.count("\r") == 3  # the repeated (0, 1024) is not redrawn
    assert "[##########] 100%" in text and text.endswith("\n")
    bar(2048, None)
    assert out.getvalue().endswith("2 KiB")


# --- jaychou --------------------------------------------------------------------------------------

def test_jaychou_default(jaychou: Corpus) -> None:
    assert jaychou.name == "jaychou"
    assert len(jaychou.text) == 10_000 and len(jaychou.vocab) == 1027
    assert "\n" not in jaychou.text and "\r" not in jaychou.text
    assert jaychou.indices.dtype == torch.int16 and jaychou.indices.shape == (10_000,)
    assert jaychou.vocab.decode(jaychou.indices.tolist()) == jaychou.text
    assert jaychou.sha256 == hashlib.sha256(jaychou.text.encode()).hexdigest()
    assert jaychou.text.startswith("想要有直升机")


def test_jaychou_whole_text() -> None:
    corpus = load_corpus("jaychou", max_chars=0)
    assert len(corpus.text) == 63_282
    assert corpus.text[:10_000] == load_corpus("jaychou").text


def test_jaychou_deterministic(jaychou: Corpus) -> None:
    again = load_corpus("jaychou")
    assert again.vocab.idx_to_char == sorted(set(jaychou.text)) == jaychou.vocab.idx_to_char
    assert torch.equal(again.indices, jaychou.indices) and again.sha256 == jaychou.sha256
    assert again.vocab == jaychou.vocab


def test_encode_decode(jaychou: Corpus) -> None:
    vocab = jaychou.vocab
    ids, unknown = vocab.encode("分开")
    assert unknown == [] and vocab.decode(ids) == "分开"
    assert "分" in vocab and "\n" not in vocab
    ids, unknown = vocab.encode("分x开x🙂")
    assert vocab.decode(ids) == "分开" and unknown == ["x", "🙂"]
    assert vocab.decode(torch.tensor(ids)) == "分开"
    for bad in (-1, len(vocab)):
        with pytest.raises(ValueError):
            vocab.decode([bad])


def test_vocab_rejects_unsorted() -> None:
    with pytest.raises(ValueError):
        Vocab(["b", "a"])
    assert Vocab.from_text("banana").idx_to_char == ["a", "b", "n"]


# --- pysrc and files ------------------------------------------------------------------------------

def test_pysrc_offline_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(tmp_path / "nothing"))
    a, b = load_corpus("pysrc"), load_corpus("pysrc")
    assert a.name == "pysrc" and len(a.text) == 10_000
    assert a.sha256 == b.sha256 and a.vocab == b.vocab
    assert "\n" in a.text and "\r" not in a.text and "def " in a.text
    whole = load_corpus("pysrc", max_chars=0)
    assert len(whole.text) > 100_000 and whole.text.startswith(a.text)


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


def test_bad_max_chars() -> None:
    with pytest.raises(CorpusError, match="max_chars"):
        load_corpus("pysrc", max_chars=-1)


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


# --- hostile inputs (issue 11: 8, 12, 13, 14) -----------------------------------------------------

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
