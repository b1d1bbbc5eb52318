"""One writer per session file at a time, across processes.

Two programs saving one path would each replace the other's file with theirs (each save is
atomic, so the file is whole, but one run's training is gone). A writer holds an exclusive
flock on a lock file beside the session, `.NAME.lock`, for as long as it means to write there:
`rnnplay train` for its whole run, any other save for the time of the write. A second process
is refused at once, in one line naming the first; within one process the lock is shared (the
app's runs and their autosaves are one writer).

The lock file is removed when released; a waiter that locked a file just unlinked notices (its
inode is no longer the path's) and tries again, so two writers never hold different files.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from types import TracebackType

from engine.data.atomic_write import NAME_MAX
from engine.session.types import SessionError

try:
    import fcntl
except ImportError:  # Windows: no flock; saves stay atomic, just not exclusive
    fcntl = None  # type: ignore[assignment]

LOCK_SUFFIX = ".lock"

# This process's locks: path -> [file descriptor, holders].
_held: dict[Path, list[int]] = {}
_guard = threading.Lock()


def lock_path(target: Path) -> Path:
    """The lock file of a session path: a dot file beside it, cut to fit NAME_MAX bytes."""
    room = NAME_MAX - 1 - len(LOCK_SUFFIX)
    return target.with_name("." + os.fsdecode(os.fsencode(target.name)[:room]) + LOCK_SUFFIX)


class SaveLock:
    """`with SaveLock(path):` this process is the only one saving to path until the block ends;
    SessionError on entering if another process is. The folder is created if missing."""

    def __init__(self, path: str | Path) -> None:
        target = Path(path).expanduser()
        self.target = target
        self.key = target.parent.resolve() / target.name

    def __enter__(self) -> SaveLock:
        if fcntl is None:
            return self
        with _guard:
            if self.key in _held:
                _held[self.key][1] += 1
            else:
                _held[self.key] = [self._acquire(), 1]
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if fcntl is None:
            return
        with _guard:
            held = _held[self.key]
            held[1] -= 1
            if held[1]:
                return
            del _held[self.key]
            with contextlib.suppress(OSError):
                os.unlink(lock_path(self.key))  # still ours: unlinked before the lock goes
            os.close(held[0])

    def _acquire(self) -> int:
        path = lock_path(self.key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise SessionError(f"cannot save to {self.target}: {e.strerror or e}") from None
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as e:
                raise SessionError(f"cannot save to {self.target}: cannot create its lock "
                                   f"file {path} ({e.strerror or e})") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                os.close(fd)
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise SessionError(
                    f"cannot save to {self.target}: another rnnplay{who} is saving to it; "
                    "let it finish or choose another file"
                ) from None
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
                return fd
            os.close(fd)  # the holder before us removed this one as we locked it: again
