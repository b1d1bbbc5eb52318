"""Curves and samples as data files: JSON lines (the records `rnnplay train --jsonl` writes) and
CSV (one row per run and epoch), for a notebook or a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from engine.data.atomic_write import atomic_write
from engine.training.events import EpochEnd, Sample, TrainerEvent


def event_record(event: TrainerEvent) -> dict[str, Any] | None:
    """One epoch or prediction as its JSON record (None for events that have none)."""
    if isinstance(event, EpochEnd):
        return {"type": "epoch", **asdict(event)}
    if isinstance(event, Sample):
        return {"type": "prediction", **asdict(event)}
    return None


@dataclass(frozen=True)
class RunRecords:
    """What one run contributes to an export."""

    label: str
    history: tuple[EpochEnd, ...]
    samples: tuple[Sample, ...]


def jsonl_text(runs: Iterable[RunRecords]) -> str:
    """Every run's epochs, then its predictions, as JSON lines with a "run" field."""
    lines = []
    for run in runs:
        for event in (*run.history, *run.samples):
            record = event_record(event)
            if record is not None:
                lines.append(json.dumps({"run": run.label, **record}, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def csv_text(runs: Iterable[RunRecords]) -> str:
    """One row per run and epoch: the run's label, then EpochEnd's fields (the weights'
    distributions are records of their own: the JSON lines hold them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = [f.name for f in fields(EpochEnd) if f.name != "weights"]
    writer.writerow(["run", *columns])
    for run in runs:
        for end in run.history:
            writer.writerow([run.label, *(_cell(getattr(end, name)) for name in columns)])
    return out.getvalue()


def export_runs(
    runs: list[RunRecords], directory: Path, stamp: datetime | None = None
) -> list[Path]:
    """Write curves-<time>.csv and curves-<time>.jsonl into `directory` (atomically); returns
    their paths. OSError reaches the caller with nothing half-written."""
    name = f"curves-{(stamp or datetime.now()).strftime('%Y%m%d-%H%M%S')}"
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{name}.csv", directory / f"{name}.jsonl"]
    atomic_write(paths[0], csv_text(runs).encode("utf-8"))
    atomic_write(paths[1], jsonl_text(runs).encode("utf-8"))
    return paths


def _cell(value: Any) -> Any:
    """A CSV cell: a per-step tuple (grad_through_time) as numbers joined by spaces."""
    return " ".join(f"{v:.6g}" for v in value) if isinstance(value, tuple) else value

