"""--corpus timemachine: the d2l English edition's book, fetched and verified as the book's zip
is (a loopback server serves a generated stand-in), cleaned as the book cleans it, trained from
the command line, saved and resumed with its cleaning."""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import meta_of, run_main, time_machine_text, write_with_meta

from engine.config import TIME_MACHINE_PREFIXES, default_prefixes
from engine.data import hosted
from engine.data.corpus import CorpusError, load_corpus
from engine.data.hosted import TIMEMACHINE_FILE, TIMEMACHINE_SHA1
from engine.session import load_session
from engine.session.restore import restore_trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SMALL = ["--max-chars", "3000", "--hidden", "16", "--batch-size", "4", "--num-steps", "8",
         "--lr", "1", "--device", "cpu", "--val-chars", "0", "--pred-len", "12"]


def book_cleaning(text: str) -> str:
    """The book's own code (d2l read_time_machine + load_corpus_time_machine), as it is."""
    lines = text.splitlines(keepends=True)
    lines = [re.sub("[^A-Za-z]+", " ", line).strip().lower() for line in lines]
    return "".join(ch for line in lines for ch in line)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[bytes]:
    """The stand-in served on 127.0.0.1 at RNNPLAY_TIMEMACHINE_URL, an empty corpus folder."""
    body = time_machine_text().encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    monkeypatch.setenv("RNNPLAY_TIMEMACHINE_URL", f"http://127.0.0.1:{port}/{TIMEMACHINE_FILE}")
    monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(tmp_path / "corpus"))
    yield body
    server.shutdown()
    server.server_close()


def _accept(monkeypatch: pytest.MonkeyPatch, body: bytes) -> None:
    """Let this test's stand-in pass for the book's file (its SHA-1 is not the book's)."""
    book = hosted.HOSTED["timemachine"]
    sha1 = hashlib.sha1(body).hexdigest()
    monkeypatch.setitem(hosted.HOSTED, "timemachine", replace(book, sha1=sha1))


def test_downloaded_verified_and_cleaned_as_the_book_does(
    served: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _accept(monkeypatch, served)
    corpus = load_corpus("timemachine")
    saved = tmp_path / "corpus" / TIMEMACHINE_FILE
    assert saved.read_bytes() == served
    assert [p.name for p in saved.parent.iterdir()] == [TIMEMACHINE_FILE]  # no temp file left
    assert corpus.name == "timemachine" and corpus.preprocess == "d2l"
    assert corpus.text == book_cleaning(served.decode())[:10_000]
    assert set(corpus.vocab.idx_to_char) <= set("abcdefghijklmnopqrstuvwxyz ")
    assert default_prefixes(corpus) == TIME_MACHINE_PREFIXES


def test_preprocess_none_keeps_the_text_as_it_is(
    served: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    _accept(monkeypatch, served)
    raw = load_corpus("timemachine", max_chars=0, preprocess="none")
    assert raw.text == served.decode() and raw.preprocess == "none"
    cleaned = load_corpus("timemachine", max_chars=0, preprocess="d2l")
    assert cleaned.text == book_cleaning(raw.text) and cleaned.sha256 != raw.sha256


def test_d2l_on_a_file_reads_as_far_as_the_characters_kept(tmp_path: Path) -> None:
    path = tmp_path / "book.txt"
    path.write_text(time_machine_text(), encoding="utf-8")
    whole = load_corpus(str(path), max_chars=0, preprocess="d2l").text
    assert whole == book_cleaning(time_machine_text())
    for n in (2, 37, 1000, len(whole) - 1, len(whole), len(whole) + 5):
        corpus = load_corpus(str(path), max_chars=n, preprocess="d2l")
        assert corpus.text == whole[:n]
        following = corpus.following(50) if corpus.following else ""
        assert following == whole[n : n + 50]


def test_a_wrong_file_served_is_refused_and_nothing_is_kept(
    served: bytes, tmp_path: Path
) -> None:
    with pytest.raises(CorpusError, match="not the expected one") as err:
        load_corpus("timemachine")
    assert TIMEMACHINE_SHA1 in str(err.value) and "\n" not in str(err.value)
    assert not (tmp_path / "corpus" / TIMEMACHINE_FILE).exists()


def test_offline_says_in_one_line_where_to_put_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        monkeypatch.setenv("RNNPLAY_TIMEMACHINE_URL",
                           f"http://127.0.0.1:{closed.getsockname()[1]}/{TIMEMACHINE_FILE}")
        monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(tmp_path))
        with pytest.raises(CorpusError) as err:
            load_corpus("timemachine")
    message = str(err.value)
    assert "\n" not in message
    for hint in (str(tmp_path / TIMEMACHINE_FILE), TIMEMACHINE_SHA1, "RNNPLAY_CORPUS_DIR",
                 "--corpus pysrc"):
        assert hint in message, hint


def test_a_copy_put_there_by_hand_is_verified_not_deleted(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RNNPLAY_CORPUS_DIR", str(tmp_path))
    (tmp_path / TIMEMACHINE_FILE).write_text("not the book\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="is not the book's timemachine.txt"):
        load_corpus("timemachine")
    assert (tmp_path / TIMEMACHINE_FILE).exists()


def test_train_from_the_command_line_saves_and_resumes_with_its_cleaning(
    served: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _accept(monkeypatch, served)
    path = tmp_path / "tm.rnnplay"
    code, out, err = run_main(capsys, "train", "--corpus", "timemachine", *SMALL, "--epochs",
                              "1", "--pred-period", "1", "--save", str(path))
    assert code == 0, err
    assert "on timemachine (3000 characters, vocabulary 2" in out  # 27 at most: a-z and space
    assert " - time traveller" in out and " - traveller" in out
    assert meta_of(path)["corpus"]["preprocess"] == "d2l"
    code, out, err = run_main(capsys, "train", "--resume", str(path), "--epochs", "2")
    assert code == 0, err
    assert "epoch 2" in out


def test_an_uncleaned_run_is_saved_as_before_and_resumes_uncleaned(
    served: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _accept(monkeypatch, served)
    path = tmp_path / "raw.rnnplay"
    code, out, err = run_main(capsys, "train", "--corpus", "timemachine", "--preprocess", "none",
                              *SMALL, "--epochs", "1", "--pred-period", "0", "--save", str(path))
    assert code == 0, err
    assert "preprocess" not in meta_of(path)["corpus"]  # the format files had before
    trainer = restore_trainer(load_session(path))
    assert trainer.corpus.preprocess == "none" and "T" in trainer.corpus.vocab


@pytest.mark.parametrize("value", ["auto", "d2l-ish"])
def test_a_session_naming_no_definite_cleaning_is_refused(
    served: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _accept(monkeypatch, served)
    path = tmp_path / "tm.rnnplay"
    code, _, err = run_main(capsys, "train", "--corpus", "timemachine", *SMALL, "--epochs", "1",
                            "--pred-period", "0", "--save", str(path))
    assert code == 0, err
    meta = meta_of(path)
    meta["corpus"]["preprocess"] = value
    crafted = tmp_path / "crafted.rnnplay"
    write_with_meta(crafted, path, json.dumps(meta))
    code, _, err = run_main(capsys, "train", "--resume", str(crafted), "--epochs", "2")
    assert code != 0 and "preprocess" in err and "Traceback" not in err, err

