"""A sweep folder, as `rnnplay sweep --out DIR` leaves it and the app opens it:

    sweep.json       what was swept (the options as typed) and the corpus: --resume reads it
    summary.csv      one row per trial, best first (engine/sweep/summary.py)
    summary.jsonl    the same rows as JSON lines
    trial-NN.rnnplay each trial's session file (loadable, resumable like any save)
    tune/            Ray Tune's experiment (its storage path unless --storage names another);
                     a resumed sweep's trials run in tune-resumed-<time>/ beside it. Tune
                     writes pickle there: rnnplay never reads it back (engine/sweep/resume.py)

Nothing here imports Ray: the app lists and opens sweep folders without it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from engine.config import CorpusConfig
from engine.session.listing import default_save_dir, list_sessions
from engine.session.types import SUFFIX, SessionInfo
from engine.sweep.summary import read_summary

PLAN_NAME = "sweep.json"
TUNE_NAME = "tune"  # Tune's experiment folder inside the sweep folder
FORMAT = "rnnplay-sweep"
# sweep.json holds a few settings' texts: far more is not a plan, and is not read whole.
MAX_PLAN_BYTES = 1_000_000


def is_sweep(folder: Path) -> bool:
    """Whether `folder` is a sweep folder (it holds sweep.json)."""
    return (folder / PLAN_NAME).is_file()


def trial_file(folder: Path, name: str) -> Path:
    return folder / f"{name}{SUFFIX}"


def write_plan(folder: Path, plan: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": FORMAT, **plan}, indent=1, ensure_ascii=False)
    (folder / PLAN_NAME).write_text(text + "\n", encoding="utf-8")


def read_plan(folder: Path) -> dict[str, Any]:
    """sweep.json's content; ValueError (or OSError) when it is not a sweep's."""
    if (folder / PLAN_NAME).stat().st_size > MAX_PLAN_BYTES:
        raise ValueError(f"{folder / PLAN_NAME} is too large to be a sweep's plan")
    try:
        plan = json.loads((folder / PLAN_NAME).read_text(encoding="utf-8"))
    except RecursionError:  # nested deeper than the parser goes
        raise ValueError(f"{folder / PLAN_NAME} is not a sweep's plan") from None
    if not isinstance(plan, dict) or plan.get("format") != FORMAT:
        raise ValueError(f"{folder / PLAN_NAME} was not written by rnnplay sweep")
    return plan


def trial_paths(folder: Path) -> list[Path]:
    """The trials' session files, best first as the summary ranks them; files the summary does
    not name (a sweep interrupted before it wrote one) follow, by name. Only plain files inside
    the folder are returned, whatever the summary says."""
    names: list[str] = []
    try:
        names = [row.file for row in read_summary(folder) if row.file]
    except (OSError, ValueError):
        pass
    ranked = [folder / name for name in names if Path(name).name == name]
    rest = sorted(p for p in folder.glob(f"*{SUFFIX}") if p not in ranked)
    return [p for p in ranked + rest if p.is_file() and not p.is_symlink()]


def trial_tags(folder: Path) -> dict[Path, str]:
    """Each summarised trial's varied settings ("lr 3, hidden 128") by its file: what tells it
    from the other trials in its label once loaded; {} without a readable summary."""
    try:
        return {folder / row.file: row.label for row in read_summary(folder) if row.file}
    except (OSError, ValueError):
        return {}


def sweep_info(folder: Path) -> SessionInfo | None:
    """A sweep folder as the load screen lists it (model "sweep", its best trial's epochs and
    held-out perplexity); None for any other folder."""
    if not is_sweep(folder):
        return None
    saved_at = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                             time.gmtime((folder / PLAN_NAME).stat().st_mtime))
    try:
        plan = read_plan(folder)
        rows = read_summary(folder)
    except (OSError, ValueError) as err:
        return SessionInfo(folder, "", 0, None, "", saved_at,
                           problem=f"not a finished sweep: {err}")
    best = rows[0] if rows else None
    # Only the corpus's name is shown: a hand-edited plan may hold anything else there.
    given = plan.get("corpus")
    corpus = given.get("corpus") if isinstance(given, dict) else None
    corpus = corpus if isinstance(corpus, str) and corpus else CorpusConfig.corpus
    return SessionInfo(
        path=folder, model=f"sweep of {len(rows)}", epoch=best.epochs if best else 0,
        perplexity=best.best_val_perplexity if best else None, corpus=corpus,
        saved_at=saved_at,
    )


def list_saves(directory: str | Path | None = None) -> list[SessionInfo]:
    """The sessions of a save folder and its sweep folders, newest first (never raises)."""
    folder = Path(directory).expanduser() if directory is not None else default_save_dir()
    try:
        sweeps = [info for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (info := sweep_info(p)) is not None]
    except OSError:
        sweeps = []
    return sorted(list_sessions(folder) + sweeps, key=lambda i: i.saved_at, reverse=True)
