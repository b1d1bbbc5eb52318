"""Where a session may be written: never into a FIFO, a socket or a device, never through a
symbolic link (all left as they were), and a save target checked before training starts."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from engine.session import SessionError, check_save_target, load_session, save_session
from engine.training.trainer import Trainer

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _special_targets(tmp_path: Path) -> dict[str, Path]:
    targets = {}
    fifo = tmp_path / "fifo.rnnplay"
    os.mkfifo(fifo)
    targets["FIFO"] = fifo
    sock = tmp_path / "sock.rnnplay"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    server.close()
    targets["socket"] = sock
    device = tmp_path / "null.rnnplay"
    try:  # /dev/null's twin, made here: the real one is never a test's target
        os.mknod(device, stat.S_IFCHR | 0o666, os.stat("/dev/null").st_rdev)
        targets["device"] = device
    except (PermissionError, OSError):
        pass  # not root: FIFO and socket stand for the class
    return targets


def test_saving_refuses_special_files_and_leaves_them_alone(
    tmp_path: Path, trainer: Trainer
) -> None:
    for kind, target in _special_targets(tmp_path).items():
        mode = target.lstat().st_mode
        with pytest.raises(SessionError) as info:
            save_session(target, trainer)
        message = str(info.value)
        assert kind in message and "not a regular file" in message and "\n" not in message
        assert target.lstat().st_mode == mode  # still the FIFO / socket / device
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_saving_refuses_a_symlink_and_says_so(tmp_path: Path, trainer: Trainer) -> None:
    real = save_session(tmp_path / "real.rnnplay", trainer, prompt="real")
    link = tmp_path / "link.rnnplay"
    link.symlink_to(real)
    dangling = tmp_path / "dangling.rnnplay"
    dangling.symlink_to(tmp_path / "elsewhere" / "x.rnnplay")
    for target in (link, dangling):
        with pytest.raises(SessionError, match="symbolic link.*never write through links"):
            save_session(target, trainer, prompt="new")
        assert target.is_symlink()
    assert load_session(real).prompt == "real"
    assert not (tmp_path / "elsewhere").exists()
    assert load_session(link).prompt == "real"  # reading through a link is fine


def test_check_save_target_before_training(tmp_path: Path) -> None:
    assert check_save_target(tmp_path / "new" / "deep" / "s.rnnplay") == (
        tmp_path / "new" / "deep" / "s.rnnplay"
    )
    (tmp_path / "file").write_text("x")
    with pytest.raises(SessionError, match="is not a folder"):
        check_save_target(tmp_path / "file" / "s.rnnplay")
    with pytest.raises(SessionError, match="directory"):
        check_save_target(tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root may write anywhere
        with pytest.raises(SessionError, match="no permission"):
            check_save_target(locked / "s.rnnplay")
