"""Saving is atomic: SIGKILL at any moment, or a full disk, leaves the previous save loadable."""

from __future__ import annotations

import errno
import io
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import small_trainer
from tmpfs import tiny_tmpfs

from engine.data import atomic_write
from engine.data.corpus import load_corpus
from engine.session import SessionError, load_session, save_session, session_bytes
from engine.training.trainer import Trainer

CRASH_TRIALS = 40


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _trainer(hidden: int) -> Trainer:
    trainer = small_trainer(load_corpus("jaychou", max_chars=1500), model="rnn", hidden=hidden,
                            num_steps=5, epochs=1, pred_period=0)
    trainer.run_epoch()
    return trainer


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    return _trainer(hidden=16)


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# ----------------------------------------------------------------------------- kill -9


def _save_forever(target: Path, versions: list[bytes]) -> None:
    """Child process body: replace target with alternating versions until killed."""
    try:
        i = 0
        while True:
            atomic_write.atomic_write(target, versions[i % len(versions)])
            i += 1
    finally:
        os._exit(1)  # never return into pytest in the child


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_at_random_moments_leaves_a_loadable_file(
    tmp_path: Path, trainer: Trainer
) -> None:
    # The bytes are made in the parent: the child only runs the file-writing code, which is
    # what a kill can interrupt (building the bytes touches nothing on disk).
    versions = [session_bytes(trainer, prompt=p) for p in ("first", "second", "third")]
    target = save_session(tmp_path / "s.rnnplay", trainer, prompt="first")
    rng = random.Random(42)
    seen: set[str] = set()
    interrupted = 0  # kills that landed inside a write (a temporary was left behind)
    for _ in range(CRASH_TRIALS):
        pid = os.fork()
        if pid == 0:
            _save_forever(target, versions)
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # reaped: its pid is dead, so its temporary counts as stale
        seen.add(load_session(target).prompt)  # verifies both checksums
        interrupted += bool(temporaries(tmp_path))  # the next child's save removes it
    assert seen <= {"first", "second", "third"}
    assert interrupted >= 1, "no kill landed inside a write: the trials proved little"
    assert len(seen) >= 2, "the child never completed a save: the trials proved nothing"
    # Killed writers leave temporaries; the next save in the directory removes them.
    save_session(target, trainer, prompt="after")
    assert temporaries(tmp_path) == []
    assert load_session(target).prompt == "after"


def test_stale_temporaries_of_live_writers_are_kept(tmp_path: Path, trainer: Trainer) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f".s.rnnplay.rnnplay-{dead.pid}-abc123.tmp"
    live = tmp_path / f".s.rnnplay.rnnplay-{os.getppid()}-def456.tmp"  # our parent: alive
    old_live = tmp_path / f".other.rnnplay-{os.getppid()}-0a0b.tmp"
    unrelated = tmp_path / ".keep-me.tmp"
    for p in (stale, live, old_live, unrelated):
        p.write_bytes(b"partial")
    long_ago = time.time() - atomic_write.STALE_TEMP_SECONDS - 60
    os.utime(old_live, (long_ago, long_ago))
    save_session(tmp_path / "s.rnnplay", trainer)
    assert temporaries(tmp_path) == sorted([live.name, unrelated.name])


def test_a_new_save_honours_the_umask_and_a_resave_keeps_the_mode(
    tmp_path: Path, trainer: Trainer
) -> None:
    # A private session must not become world-readable when it is saved again (issue 23 #10).
    old = os.umask(0o077)
    try:
        path = save_session(tmp_path / "s.rnnplay", trainer)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o640)
    save_session(path, trainer)
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_name_at_the_filesystem_limit_saves(tmp_path: Path, trainer: Trainer) -> None:
    # The temporary beside it used to add ~31 bytes: "File name too long" after training.
    # 255 bytes; 254 bytes of two-byte characters, cut mid-character in the temporary's name
    for name in ("s" * 247 + ".rnnplay", "é" * 123 + ".rnnplay"):
        path = tmp_path / name
        save_session(path, trainer)
        assert load_session(path).state["step"] == trainer.step
    assert temporaries(tmp_path) == []


# ----------------------------------------------------------------------------- full disk


def test_real_full_disk_keeps_the_previous_save(trainer: Trainer) -> None:
    big = _trainer(hidden=160)  # several times the small session's size
    small_size = len(session_bytes(trainer))
    # Room for the old save and one more small one (a replace needs both at once), not more.
    with tiny_tmpfs(size_kib=2 * small_size // 1024 + 64) as disk:
        target = save_session(disk / "s.rnnplay", trainer, prompt="old")
        assert len(session_bytes(big)) > small_size + 64 * 1024 * 2
        with pytest.raises(SessionError) as info:
            save_session(target, big, prompt="new")
        assert "no space left" in str(info.value) and "untouched" in str(info.value)
        assert load_session(target).prompt == "old"
        assert temporaries(disk) == []  # the failed temporary was removed, freeing the space
        save_session(target, trainer, prompt="again")  # and a save that fits still works
        assert load_session(target).prompt == "again"


@pytest.mark.parametrize("failing", ["write", "fsync"])
def test_enospc_from_write_or_fsync_keeps_the_previous_save(
    tmp_path: Path, trainer: Trainer, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    # The same check without root: the OS call fails as a full disk makes it fail.
    target = save_session(tmp_path / "s.rnnplay", trainer, prompt="old")

    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "write":  # the temporary file object's write, as a full disk fails it
        real_fdopen = os.fdopen

        def fdopen(fd: int, mode: str) -> io.BufferedWriter:
            out = real_fdopen(fd, mode)
            out.write = full  # type: ignore[method-assign]
            return out

        monkeypatch.setattr(atomic_write.os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(atomic_write.os, failing, full)
    with pytest.raises(SessionError, match="no space left"):
        save_session(target, trainer, prompt="new")
    monkeypatch.undo()
    assert load_session(target).prompt == "old"
    assert temporaries(tmp_path) == []


def test_first_save_failing_says_nothing_was_written(
    tmp_path: Path, trainer: Trainer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(*args: object) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(atomic_write.os, "fsync", denied)
    with pytest.raises(SessionError, match="nothing was written"):
        save_session(tmp_path / "new.rnnplay", trainer)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_saving_onto_a_directory_is_refused(tmp_path: Path, trainer: Trainer) -> None:
    with pytest.raises(SessionError, match="directory"):
        save_session(tmp_path, trainer)
