"""Where sessions are saved, and what a directory of them holds (read from headers only)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Collection
from pathlib import Path

from engine.session import container
from engine.session import field_checks as check
from engine.session.field_checks import SchemaError
from engine.session.schema import MAX_LABEL, check_diverged, check_saved_at, check_summary
from engine.session.types import FORMAT, FORMAT_VERSION, SUFFIX, SessionInfo
from engine.training.trainer import Trainer

SAVE_DIR_ENV = "RNNPLAY_SAVE_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]


def default_save_dir() -> Path:
    """$RNNPLAY_SAVE_DIR, else saves/ in the checkout."""
    env = os.environ.get(SAVE_DIR_ENV)
    return Path(env).expanduser() if env else REPO_ROOT / "saves"


def suggest_path(
    trainer: Trainer,
    directory: Path | None = None,
    taken: Collection[Path] = (),
    label: str = "",
) -> Path:
    """A fresh file name such as saves/jaychou-scratch-lr1000-20260101-120000.rnnplay: neither
    on disk nor in `taken` (names already given to saves in progress).

    It names the corpus and the run as its label does, without its number ("#2 scratch·lr
    1000": scratch-lr1000; the model alone without a label), so the files of a grid's runs
    say which is which. It names no epoch: a run keeps its file for later saves, and the epoch
    it holds then is not the one it held when named (the load dialog reads the epoch from the
    file's header).
    """
    corpus = _file_word(Path(trainer.corpus.name).stem)[:40] or "corpus"
    name = re.sub(r"^#\d+ ", "", label) or trainer.config.model
    parts = [_file_word(part.replace(" ", "")) for part in name.split("·")]
    stem = "-".join([corpus, *(p for p in parts if p), time.strftime("%Y%m%d-%H%M%S")])
    folder = directory or default_save_dir()
    path, n = folder / f"{stem}{SUFFIX}", 1
    while path in taken or path.exists():
        n += 1
        path = folder / f"{stem}-{n}{SUFFIX}"
    return path


def _file_word(text: str) -> str:
    """`text` with only what a file name holds safely everywhere: letters, digits, . _ -."""
    return re.sub(r"[^\w.-]+", "_", text).strip("_")


def list_sessions(directory: str | Path | None = None) -> list[SessionInfo]:
    """Sessions in a directory, newest first. Never raises: a damaged or crafted file named
    *.rnnplay is listed with `problem` set; other files that are not sessions are skipped.

    Reads only headers (no tensor data, no checksum of the data), so it stays fast.
    """
    folder = Path(directory).expanduser() if directory is not None else default_save_dir()
    try:
        entries = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    except OSError:
        return []
    infos = [info for p in entries if (info := session_info(p)) is not None]
    return sorted(infos, key=lambda i: i.saved_at, reverse=True)


def session_info(path: Path) -> SessionInfo | None:
    """The summary of one file; None for a folder, or a file that is not a session and is not
    named like one."""
    try:
        if path.is_dir():
            return None
        header = container.read_header(path, fmt=FORMAT, max_version=FORMAT_VERSION)
        summary = check_summary(header.meta.get("summary"))
        return SessionInfo(
            path=path,
            model=summary["model"],
            epoch=summary["epoch"],
            perplexity=None if summary["perplexity"] is None else float(summary["perplexity"]),
            corpus=summary["corpus"],
            saved_at=check_saved_at(header.meta.get("saved_at")),
            # As loading reads it: runs of one setup (lr 1, lr 10) differ by their names alone.
            label=check.typed_text(header.meta.get("label", ""), "label", MAX_LABEL),
            diverged=bool(check_diverged(header.meta.get("diverged"))),
            lr=_saved_lr(header.meta),
        )
    except (container.SafeFileError, SchemaError, OSError) as e:
        if path.suffix != SUFFIX:
            return None
        return SessionInfo(path, "", 0, None, "", _modified(path), problem=str(e))


def _saved_lr(meta: dict) -> float | None:
    """The lr the run trained at when saved, so the listing names it as the runs table will
    once loaded ("#1 scratch·lr 1→3"); None where the header does not hold a usable one (the
    load itself checks the whole trainer)."""
    try:
        return check.real(meta["trainer"]["config"]["lr"], "trainer.config.lr", low=0.0)
    except (KeyError, TypeError, SchemaError):
        return None


def _modified(path: Path) -> str:
    try:
        mtime = path.lstat().st_mtime
    except OSError:
        mtime = 0.0
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(mtime))
