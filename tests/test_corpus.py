"""engine.corpus and engine.download, on real files and a real loopback HTTP server."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

from engine.corpus import (
    JAYCHOU_SHA1,
    JAYCHOU_ZIP,
    MAX_VOCAB,
    Corpus,
    CorpusError,
    Vocab,
    load_corpus,
)
from engine.download import stderr_progress

# --- a loopback mirror ---------------------------------------------------------------------------

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


# --- download ------------------------------------------------------------------------------------

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


# --- jaychou -------------------------------------------------------------------------------------

def test_jaychou_default(jaychou: Corpus) -> None:
    assert jaychou.name == "jaychou"
    assert len(jaychou.text) == 10_000 and len(jaychou.vocab) == 1027
    assert "\n" not in jaychou.text and "\r" not in jaychou.text
    assert jaychou.indices.dtype == torch.long and jaychou.indices.shape == (10_000,)
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


# --- pysrc and files -----------------------------------------------------------------------------

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


# --- bad corpora ---------------------------------------------------------------------------------

def _write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: str(p / "missing.txt"), "does not exist"),
        (lambda p: str(p), "is a directory"),
        (lambda p: _write(p, b""), "is empty"),
        (lambda p: _write(p, "\ufeff".encode()), "is empty"),
        (lambda p: _write(p, b"a"), "only 1 character"),
        (lambda p: _write(p, b"text\x00\x01\x02binary"), "binary"),
        (lambda p: _write(p, b"caf\xe9 latin-1"), "not UTF-8"),
        (lambda p: _write(p, "".join(map(chr, range(0x4E00, 0x4E00 + MAX_VOCAB + 1))).encode()),
         "distinct characters"),
    ],
    ids=["missing", "directory", "empty", "bom-only", "one-char", "binary", "latin1", "huge-vocab"],
)
def test_bad_corpora(tmp_path: Path, make: Callable[[Path], str], match: str) -> None:
    with pytest.raises(CorpusError, match=match):
        load_corpus(make(tmp_path), max_chars=0)


def test_bad_max_chars() -> None:
    with pytest.raises(CorpusError, match="max_chars"):
        load_corpus("pysrc", max_chars=-1)
