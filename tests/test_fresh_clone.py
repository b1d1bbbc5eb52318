"""`make test` on a fresh clone with no ../shared beside it: its fetch step gets the book's zip.

The repository's committed HEAD is cloned into a temp dir, the zip is served by `python -m
http.server` on 127.0.0.1 and RNNPLAY_JAYCHOU_URL points at it; then the Makefile's fetch command
runs in the clone with this venv's python (no second venv, no nested test run).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.data.hosted import JAYCHOU_SHA1, JAYCHOU_ZIP

REPO_ROOT = Path(__file__).resolve().parent.parent
# The Makefile runs "$(BIN)/python" + FETCH_ARGS; the first test checks that it still does.
FETCH_ARGS = ("-m", "engine.data.fetch_corpus")


def _fetch(repo: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           # conftest points RNNPLAY_CORPUS_DIR at its temp copy; the clone must use its corpus/.
           # PYTHONSAFEPATH would keep `-m` from importing the clone's engine/ from the cwd.
           if k not in ("RNNPLAY_CORPUS_DIR", "PYTHONSAFEPATH")}
    env["RNNPLAY_JAYCHOU_URL"] = url
    return subprocess.run([sys.executable, *FETCH_ARGS], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _corpus_listing(repo: Path) -> list[str]:
    # Hidden names included: a leftover ".jaychou_lyrics.txt.zip.*.part" must show up.
    return sorted(p.name for p in (repo / "corpus").iterdir())


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A clone of the committed HEAD in a folder with no shared/ beside it."""
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout to clone")
    repo = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(repo)], check=True, timeout=60)
    assert not (tmp_path / "shared").exists()
    assert _corpus_listing(repo) == ["README.md"]
    return repo


@pytest.fixture(scope="module")
def server(shared_corpus_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a local http.server holding the book's zip and a corrupted copy of it."""
    root = tmp_path_factory.mktemp("www")
    shutil.copyfile(shared_corpus_zip, root / JAYCHOU_ZIP)
    data = bytearray(shared_corpus_zip.read_bytes())
    data[-1] ^= 0xFF  # same size, one byte off: what a broken mirror or proxy would serve
    (root / "corrupt.zip").write_bytes(bytes(data))
    # Port 0: the OS picks a free port, which the server prints on its first line.
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
         "--directory", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert proc.stdout is not None
        match = re.search(r"port (\d+)", proc.stdout.readline())
        assert match, "http.server did not start"
        yield f"http://127.0.0.1:{match.group(1)}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_fetch_step_puts_a_verified_copy_in_corpus(clone: Path, server: str) -> None:
    assert f"$(BIN)/python {' '.join(FETCH_ARGS)}" in (clone / "Makefile").read_text()

    result = _fetch(clone, f"{server}/{JAYCHOU_ZIP}")

    assert result.returncode == 0, result.stderr
    assert _corpus_listing(clone) == ["README.md", JAYCHOU_ZIP]
    assert _sha1(clone / "corpus" / JAYCHOU_ZIP) == JAYCHOU_SHA1
    assert "verified" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_copy_already_in_corpus_is_verified_not_downloaded_again(
    clone: Path, shared_corpus_zip: Path
) -> None:
    shutil.copyfile(shared_corpus_zip, clone / "corpus" / JAYCHOU_ZIP)

    # Nothing listens at this URL: success means no download was attempted.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        result = _fetch(clone, f"http://127.0.0.1:{closed.getsockname()[1]}/{JAYCHOU_ZIP}")

    assert result.returncode == 0, result.stderr
    assert _corpus_listing(clone) == ["README.md", JAYCHOU_ZIP]


def test_a_wrong_file_served_is_refused_and_nothing_is_left(clone: Path, server: str) -> None:
    result = _fetch(clone, f"{server}/corrupt.zip")

    assert result.returncode == 2  # as `rnnplay train` exits for the same line
    assert "Traceback" not in result.stderr
    last = _error_lines(result.stderr)[-1]  # after the progress bar
    assert "not the expected one" in last and JAYCHOU_SHA1 in last
    assert _corpus_listing(clone) == ["README.md"]


def test_offline_says_in_one_line_where_to_put_the_file(clone: Path) -> None:
    # Bound but not listening: connecting is refused at once, and no one else can take the port.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        result = _fetch(clone, f"http://127.0.0.1:{closed.getsockname()[1]}/{JAYCHOU_ZIP}")

    assert result.returncode == 2  # as `rnnplay train` exits for the same line
    assert result.stdout == ""
    lines = _error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in lines[0]
    where = str(clone.resolve() / "corpus" / JAYCHOU_ZIP)
    for hint in (where, "RNNPLAY_CORPUS_DIR", "--corpus pysrc"):
        assert hint in lines[0]
    assert _corpus_listing(clone) == ["README.md"]
