"""Fetch one file over HTTP(S) into a directory, verified by SHA-1 and written atomically.

Generic on purpose (URL, destination, checksum): engine.data.hosted decides what to fetch and turns
`DownloadError` into a user-facing `CorpusError`. urllib only, so nothing beyond the standard
library is needed to get the book's corpus.
"""

from __future__ import annotations

import hashlib
import http.client
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import IO

from engine.data.atomic_write import atomic_output

# progress(done_bytes, total_bytes or None when the server sends no Content-Length)
Progress = Callable[[int, int | None], None]

DEFAULT_TIMEOUT = 30.0
_CHUNK = 64 * 1024
_USER_AGENT = "rnnplay (+https://github.com/d2l-ai/d2l-zh corpus fetch)"


class DownloadError(Exception):
    """The file could not be fetched (network, HTTP status, local write)."""


class ChecksumError(DownloadError):
    """The bytes arrived but are not the expected file; nothing was kept."""


def sha1_of_file(path: Path) -> str:
    """Hex SHA-1 of a file, read in chunks."""
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(
    url: str,
    dest: Path,
    sha1: str,
    progress: Progress | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Download `url` to `dest`, verify its SHA-1, and move it into place atomically.

    `dest` only ever appears complete and verified: the bytes go through the same atomic writer
    as sessions (engine/data/atomic_write.py), whose temporary is deleted on any failure.
    Raises ChecksumError on a mismatch and DownloadError for everything else.
    """
    dest = Path(dest)
    try:
        # An exception inside the block (a wrong checksum, Ctrl-C) removes the partial file.
        with atomic_output(dest) as out:
            got = _fetch_into(url, out, progress, timeout)
            if got != sha1.lower():
                raise ChecksumError(
                    f"the file downloaded from {url} is corrupt or not the expected one "
                    f"(SHA-1 {got}, expected {sha1.lower()}); it was not kept"
                )
    except OSError as exc:
        raise DownloadError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    return dest


def _fetch_into(url: str, out: IO[bytes], progress: Progress | None, timeout: float) -> str:
    """Stream the response body into `out`; return its hex SHA-1."""
    digest = hashlib.sha1()
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            total = _content_length(response)
            done = 0
            if progress is not None:
                progress(0, total)
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"HTTP {exc.code} {exc.reason} from {url}") from exc
    except urllib.error.URLError as exc:
        raise DownloadError(f"cannot reach {url}: {exc.reason}") from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # OSError covers timeouts and resets mid-body; ValueError an unsupported/garbled URL.
        raise DownloadError(f"download from {url} failed: {exc}") from exc
    return digest.hexdigest()


def _content_length(response: http.client.HTTPResponse) -> int | None:
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def stderr_progress(label: str = "download", stream: IO[str] | None = None,
                    width: int = 30) -> Progress:
    """A plain-text progress bar for `download_file`, redrawn in place with '\\r'.

    Redraws only when the shown value changes, so a fast download does not flood a slow
    terminal; ends the line once the total is reached.
    """
    last: list[str] = [""]

    def report(done: int, total: int | None) -> None:
        out = stream if stream is not None else sys.stderr
        line = _bar_line(label, done, total, width)
        if line == last[0]:
            return
        last[0] = line
        finished = total is not None and done >= total
        out.write("\r" + line + ("\n" if finished else ""))
        out.flush()

    return report


def _bar_line(label: str, done: int, total: int | None, width: int) -> str:
    if not total:
        return f"{label} {_kib(done)}"
    frac = min(done / total, 1.0)
    filled = int(frac * width)
    bar = "#" * filled + "-" * (width - filled)
    return f"{label} [{bar}] {frac:4.0%} {_kib(done)}/{_kib(total)}"


def _kib(n: int) -> str:
    return f"{n / 1024:.0f} KiB"
