"""A sweep's summary: one row per trial (its settings, best held-out perplexity, epochs run, how
it ended), best first, written as CSV (for a spreadsheet) and JSON lines (for programs, and for
the app, which opens the trials in this order).

Both files are written atomically, so an interrupted sweep leaves either the previous summary or
the new one, never half of one.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from engine.data.atomic_write import atomic_write

CSV_NAME, JSONL_NAME = "summary.csv", "summary.jsonl"

# How a trial ended, as the summary says it.
FINISHED, STOPPED_EARLY, DIVERGED, FAILED, INTERRUPTED = ENDINGS = (
    "finished", "stopped early", "diverged", "failed", "interrupted")


@dataclass(frozen=True)
class TrialRow:
    name: str  # "trial-03": the session file is <name>.rnnplay in the sweep folder
    label: str  # its varied settings ("lr 3, hidden 128")
    settings: dict[str, Any]  # every TrainConfig field the sweep set for it
    best_val_perplexity: float | None  # None: no epoch finished
    epochs: int  # epochs run
    ended: str  # FINISHED, STOPPED_EARLY, DIVERGED, FAILED or INTERRUPTED
    error: str = ""  # what went wrong, for DIVERGED and FAILED
    file: str = ""  # the session file's name in the folder ("" when none was saved)
    node: str = ""  # the Ray node that trained it

    @property
    def rank_key(self) -> tuple[float, str]:
        ppl = self.best_val_perplexity
        return (ppl if ppl is not None and math.isfinite(ppl) else math.inf, self.name)


def best_first(rows: Iterable[TrialRow]) -> list[TrialRow]:
    """Lowest held-out perplexity first; trials without one last, by name."""
    return sorted(rows, key=lambda row: row.rank_key)


def write_summary(folder: Path, rows: Iterable[TrialRow]) -> list[TrialRow]:
    """Write summary.csv and summary.jsonl into `folder`, best first; returns the rows in that
    order."""
    ranked = best_first(rows)
    lines = [json.dumps(asdict(row), ensure_ascii=False) for row in ranked]
    atomic_write(folder / JSONL_NAME, "".join(line + "\n" for line in lines).encode())
    atomic_write(folder / CSV_NAME, _csv(ranked).encode())
    return ranked


def _csv(rows: list[TrialRow]) -> str:
    names = sorted({name for row in rows for name in row.settings})
    out = io.StringIO()
    writer = csv.writer(out)
    # "epochs_run", as the trials' setting `epochs` (the target) has a column of its own.
    writer.writerow(["rank", "trial", "best_val_perplexity", "epochs_run", "ended", *names, "file",
                     "node", "error"])
    for rank, row in enumerate(rows, 1):
        ppl = "" if row.best_val_perplexity is None else f"{row.best_val_perplexity:.6g}"
        settings = [_cell(row.settings.get(name, "")) for name in names]
        writer.writerow([rank, row.name, ppl, row.epochs, row.ended, *settings, row.file,
                         row.node, row.error])
    return out.getvalue()


def _cell(value: Any) -> str:
    return ",".join(value) if isinstance(value, list | tuple) else str(value)


def read_summary(folder: Path) -> list[TrialRow]:
    """The rows of a sweep folder's summary.jsonl in their order (best first); ValueError or
    OSError when it is missing or is not one."""
    rows = []
    with open(folder / JSONL_NAME, encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            try:
                rows.append(_row(json.loads(line)))
            except (ValueError, TypeError) as err:
                raise ValueError(f"{folder / JSONL_NAME} line {number} is not a trial: "
                                 f"{err}") from None
    return rows


# What each field of a row may hold: the summary is read back by --resume and by the app, and a
# hand-edited one must not reach them as, say, a file name that is a number.
_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "label": (str,), "settings": (dict,), "best_val_perplexity": (float, int),
    "epochs": (int,), "ended": (str,), "error": (str,), "file": (str,), "node": (str,),
}


def _row(record: Any) -> TrialRow:
    """A row as write_summary wrote it; TypeError or ValueError saying which field is wrong."""
    if not isinstance(record, dict):
        raise TypeError("not an object")
    row = TrialRow(**record)
    for name, types in _TYPES.items():
        value = getattr(row, name)
        if isinstance(value, bool) or not isinstance(value, types) and not (
            name == "best_val_perplexity" and value is None
        ):
            shown = repr(value)
            raise TypeError(f"{name} holds {shown if len(shown) <= 40 else shown[:37] + '...'}")
    if isinstance(row.best_val_perplexity, int) and abs(row.best_val_perplexity) > 1e300:
        raise ValueError("best_val_perplexity is past any float")  # ranked as one
    if not re.fullmatch(r"trial-\d{2,6}", row.name):
        raise ValueError(f"{row.name[:40]!r} is not a trial's name (trial-03)")
    if row.ended not in ENDINGS or row.epochs < 0:
        raise ValueError(f"{row.ended!r} after {row.epochs} epochs is not how a trial ends")
    return row
