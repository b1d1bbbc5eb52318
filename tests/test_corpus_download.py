"""The book's hosted corpus fetched once: engine.data.hosted and download against a real loopback
HTTP server, and the download's progress bar."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from engine.data.corpus import CorpusError, load_corpus
from engine.data.download import stderr_progress
from engine.data.hosted import JAYCHOU_SHA1, JAYCHOU_ZIP

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
