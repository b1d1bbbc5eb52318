"""A save to a read-only file system says so (EROFS): "no permission" sent the user to chmod,
which cannot help."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import small_trainer
from tmpfs import tiny_tmpfs

from engine.data.corpus import load_corpus
from engine.session import SessionError, save_session


def test_a_read_only_disk_is_reported_as_read_only(tiny_corpus: Path) -> None:
    trainer = small_trainer(load_corpus(str(tiny_corpus)), epochs=1)
    with tiny_tmpfs(size_kib=64, options="ro") as disk:
        with pytest.raises(SessionError) as refused:
            save_session(disk / "run.rnnplay", trainer)
        message = str(refused.value)
        assert "read-only" in message and "EROFS" in message, message
        assert "permission" not in message
        assert not list(disk.iterdir())
