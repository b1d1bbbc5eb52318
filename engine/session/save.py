"""Saving a trainer: the file's bytes, writing them atomically, and saving every N epochs."""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from engine.data.atomic_write import atomic_write
from engine.generation.prompt_settings import PromptSettings
from engine.session import container
from engine.session.codec import CodecError, encode
from engine.session.meta import corpus_ref, environment, summary
from engine.session.save_lock import SaveLock
from engine.session.trainer_state import trainer_state
from engine.session.types import FORMAT, FORMAT_VERSION, SessionError
from engine.training.events import EpochEnd, RunState, StatusChanged, TrainerEvent
from engine.training.trainer import Trainer


def save_session(path: str | Path, trainer: Trainer, prompt: str = "", label: str = "",
                 prompt_settings: PromptSettings | None = None, diverged: str = "") -> Path:
    """Write the trainer's full state to path atomically; returns the path written.

    Call between batches or when the trainer is not running (e.g. through trainer.call_soon);
    to keep file I/O off the trainer thread, call session_bytes there and write_session later.
    """
    return write_session(path, session_bytes(trainer, prompt, label, prompt_settings, diverged))


def session_bytes(
    trainer: Trainer,
    prompt: str = "",
    label: str = "",
    prompt_settings: PromptSettings | None = None,
    diverged: str = "",
) -> bytes:
    """The complete file as bytes: a consistent snapshot, safe to write from another thread.
    `label` is the run's name in the app, so a loaded run keeps it; `prompt_settings` how its
    prompt completed (none from the command line); `diverged` why the run diverged (the
    trainer's message; "" if it did not), so a run loaded from the file is diverged again."""
    state = trainer_state(trainer)
    try:
        doc, tensors = encode(state, "trainer")
    except CodecError as e:
        raise SessionError(f"cannot save this trainer: {e}") from None
    meta = {
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "summary": summary(trainer),
        "corpus": corpus_ref(trainer.corpus),
        "vocab": list(trainer.corpus.vocab.idx_to_char),
        "prompt": prompt,
        "label": label,
        "trainer": doc,
        "tensors": {n: [container.DTYPE_NAMES.get(t.dtype, "?"), list(t.shape)]
                    for n, t in tensors.items()},
        "environment": environment(trainer.device),
    }
    if prompt_settings is not None:
        meta["prompt_settings"] = prompt_settings.to_json()
    if diverged:
        meta["diverged"] = diverged
    try:
        # Copies every tensor's bytes now, so training may go on while the bytes are written.
        return container.encode_container(tensors, meta, fmt=FORMAT, version=FORMAT_VERSION)
    except (container.SafeFileError, ValueError) as e:
        raise SessionError(f"cannot save this trainer: {e}") from None


def write_session(path: str | Path, data: bytes) -> Path:
    """Atomically replace path with data (from session_bytes); SessionError on any failure,
    another process saving to path (SaveLock) included."""
    target = check_save_target(path)
    with SaveLock(target):
        try:
            atomic_write(target, data)
        except OSError as e:
            raise SessionError(_write_error(target, e)) from None
    return target


def check_save_target(path: str | Path) -> Path:
    """The path a save would write, or SessionError saying why it cannot be saved there.

    A save replaces regular files only: a directory, a FIFO, a device node (/dev/null) or a
    socket is refused, and so is a symbolic link. Links are not written through, because the
    rename that makes a save atomic would replace the link itself, and a link planted in a
    shared folder could aim a save at any file. Cheap: call it before training to fail early.
    """
    target = Path(path).expanduser()
    try:
        mode = target.lstat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        _check_folder(target)
        return target
    except OSError as e:
        raise SessionError(f"cannot save to {target}: {e.strerror or e}") from None
    if stat.S_ISLNK(mode):
        raise SessionError(
            f"cannot save to {target}: it is a symbolic link (to {os.readlink(target)}); saves "
            "never write through links: give the link's target or another file name"
        )
    if stat.S_ISDIR(mode):
        raise SessionError(f"cannot save to {target}: it is a directory")
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "a special file")
        raise SessionError(
            f"cannot save to {target}: it is {kind}, not a regular file; choose a file name"
        )
    _check_folder(target)
    return target


_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device",
          stat.S_IFSOCK: "a socket"}


def _check_folder(target: Path) -> None:
    """The folder the save goes to must be one we can create a file in, or be creatable."""
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        if folder.is_symlink():  # a dangling link where a folder should be
            break
        folder = folder.parent
    if not folder.is_dir():
        raise SessionError(f"cannot save to {target}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        if _read_only(folder):  # access() refuses it too, but no permission would help
            raise SessionError(
                f"cannot save to {target}: {folder} is on a read-only file system (EROFS); "
                "save to another place"
            )
        raise SessionError(f"cannot save to {target}: no permission to write in {folder}")


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _write_error(target: Path, e: OSError) -> str:
    kept = "the previous save there is untouched" if target.exists() else "nothing was written"
    if e.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"cannot save to {target}: no space left on the device; {kept}"
    if e.errno == errno.EROFS:
        return f"cannot save to {target}: the file system is read-only (EROFS); {kept}"
    return f"cannot save to {target}: {e.strerror or e}; {kept}"


class PeriodicSave:
    """Saves a trainer to one path every `every` epochs while it runs, and once more at finish().

    It chains itself in front of the trainer's on_event (set up before trainer.run()). A save is
    scheduled with trainer.call_soon at an epoch's end, so it runs on the trainer thread between
    batches: after that epoch's samples, never inside an optimizer step. A failed periodic save
    (full disk) does not stop training: on_error gets the SessionError and the previous save
    stays as it was. `prompt`, `label` and `prompt_settings` are saved as they are (a resumed
    session's own, so a save from the command line keeps what the app left in the file). A run
    that diverges is saved saying so, with the trainer's message (StatusChanged, seen here).
    """

    def __init__(
        self,
        trainer: Trainer,
        path: str | Path,
        every: int = 0,
        prompt: str = "",
        on_error: Callable[[SessionError], None] | None = None,
        label: str = "",
        prompt_settings: PromptSettings | None = None,
    ) -> None:
        if every < 0:
            raise ValueError("the save period cannot be negative")
        self.trainer, self.path, self.every, self.prompt = trainer, Path(path), every, prompt
        self.label, self.prompt_settings = label, prompt_settings
        self.on_error = on_error or (lambda err: None)
        self.saves = 0  # successful saves so far
        self.diverged = ""  # why the run diverged, once it has
        self._forward = trainer.on_event
        trainer.on_event = self._on_event

    def _on_event(self, event: TrainerEvent) -> None:
        self._forward(event)
        if isinstance(event, StatusChanged) and event.status == RunState.DIVERGED:
            self.diverged = event.message
        if isinstance(event, EpochEnd) and self.every and event.epoch % self.every == 0:
            self.trainer.call_soon(self._save_quietly)

    def _save_quietly(self, trainer: Trainer) -> None:
        try:
            self.save()
        except SessionError as err:
            self.on_error(err)

    def save(self) -> Path:
        path = save_session(self.path, self.trainer, self.prompt, self.label,
                            self.prompt_settings, self.diverged)
        self.saves += 1
        return path

    def finish(self) -> Path:
        """The final save; SessionError on failure. Call it after run() returned, whatever the
        status: a diverged trainer keeps the weights from before the bad step, and a stopped
        one stopped between batches. (Not after a KeyboardInterrupt, which can land mid-step.)
        """
        return self.save()
