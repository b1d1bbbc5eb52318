"""Atomic file replacement: a crash or a full disk at any moment leaves the old file or the new.

The data goes to a temporary file in the target directory, is fsynced, renamed over the target
and the directory is fsynced. On any failure (ENOSPC and friends) the temporary is removed, so
a failed save does not keep the space it took, and the OSError reaches the caller with the
previous file untouched. Temporaries left by killed writers are removed on the next write to
that directory. Shared by the session writer and the corpus download.

A replaced file keeps its permissions (a private 0600 session stays private); a new one gets
what the umask allows, as any file a program creates.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

# A temporary file whose writer is still alive is left alone unless it is older than this.
STALE_TEMP_SECONDS = 3600
# The longest file name most filesystems take (ext4, xfs, btrfs, tmpfs: 255 bytes).
NAME_MAX = 255

_TEMP_SUFFIX = ".tmp"
_TEMP_RE = re.compile(r"^\..+\.rnnplay-(\d+)-[0-9a-f]+\.tmp$")


def atomic_write(path: Path, data: bytes) -> None:
    """Replace path with data so that a crash leaves either the old or the new file, whole.

    Raises OSError (ENOSPC and friends) with the previous file untouched.
    """
    with atomic_output(path) as out:
        out.write(data)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write path's new content into; it replaces path when the block ends.

    For writers that stream (a download). An exception in the block (a failed checksum, Ctrl-C)
    removes the temporary and leaves path as it was; so does an OSError while committing.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(directory)
    keep = _mode_of(path)
    tmp = directory / temp_name(path.name)
    # A new file: 0666 as the umask filters it. A replaced one: private until its mode is set.
    new_mode = 0o666 if keep is None else 0o600
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), new_mode)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            if keep is not None and hasattr(os, "fchmod"):
                os.fchmod(out.fileno(), keep)
            os.fsync(out.fileno())  # the data must be on disk before the rename shows it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)  # make the rename itself durable


def temp_name(name: str) -> str:
    """The temporary's name for a file named `name`, beside it: a dot file the folder's listings
    skip, unique to this writer, never longer than NAME_MAX bytes. A long name is cut (its bytes,
    so a character may be split: names are bytes to the filesystem), so a name near the limit,
    which the filesystem takes, can still be saved."""
    tail = f".rnnplay-{os.getpid()}-{secrets.token_hex(6)}{_TEMP_SUFFIX}"
    room = NAME_MAX - 1 - len(tail)
    return "." + os.fsdecode(os.fsencode(name)[:room]) + tail


def _mode_of(path: Path) -> int | None:
    """The permission bits of the file being replaced, None if there is none."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode) & 0o777
    except OSError:
        return None


def clean_stale_temps(directory: Path) -> list[Path]:
    """Remove temporaries of writers that died (or are very old); returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if _pid_alive(int(match.group(1))) and age < STALE_TEMP_SECONDS:
            continue  # another save in progress (this or another process): leave it
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # platforms (Windows) that cannot open a directory: rename is all we get
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the file itself is synced
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but is not ours, or we cannot tell: keep its file
    return True
