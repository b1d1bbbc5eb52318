"""A real, small tmpfs for tests of a full disk (root only; the test is skipped elsewhere)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tiny_tmpfs(size_kib: int, options: str = "") -> Iterator[Path]:
    """A tmpfs of `size_kib`, mounted with `options` too ("ro": read-only)."""
    mount = shutil.which("mount")
    if os.name != "posix" or os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a tmpfs needs root")
    point = Path("/tmp") / f"rnnplay-tmpfs-{uuid.uuid4().hex[:8]}"
    point.mkdir()
    opts = ",".join(filter(None, [f"size={size_kib}k", options]))
    proc = subprocess.run([mount, "-t", "tmpfs", "-o", opts, "tmpfs", str(point)],
                          capture_output=True)  # fmt: skip
    if proc.returncode != 0:
        point.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=False)
        point.rmdir()
