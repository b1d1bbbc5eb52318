"""The playground core a UI drives: the runs of one session of rnnplay and the threads that
serve them. A UI imports this package, its events and engine.config, nothing below them
(tests/test_layering.py checks tui/ does): what it needs of the lower layers is named here.

playground.py (the facade a UI drives: commands and reports), lifecycle.py (what each run state
allows, and what removing does with unsaved training), registry.py (the runs, their unique labels,
the file each is bound to, never one for two runs; the selection), labels.py (what a run's label
names: what sets it apart; and how it reads after F8), grid.py (a setup grid: one run per
combination of a field's values), runs.py (a run and its summary), reporter.py (a run's trainer
records on their way out), joining.py (a built or loaded run joining: reporter, registry, RunAdded),
worker.py (the trainer threads), loader.py (loads on threads of their own; a sweep folder's trials
best first), saving.py (save jobs, autosave, export, file names),
prompt.py (which runs complete the prompt: the selected, then the marked), events.py (every
record the core reports: the trainer's, re-exported, and the core's own).
"""

from __future__ import annotations

import importlib
from typing import Any

# Each name and the module that holds it, imported on first use: the app draws its first screen
# from the torch-free records (lifecycle, events) while torch (~1 s) loads behind it, so naming the
# package must not import every layer below it.
_HOME = {
    "hosted_missing": "engine.data.hosted",
    "Decoding": "engine.generation.decoding",
    "Views": "engine.generation.prompt_follower",
    "HiddenUnits": "engine.inspect.hidden_units",
    "RANKINGS": "engine.inspect.rankings",
    "RANKING_MEANINGS": "engine.inspect.rankings",
    "Inspection": "engine.inspect.inspection",
    "NextCharOdds": "engine.inspect.inspection",
    "Saliency": "engine.inspect.saliency",
    "CharStep": "engine.inspect.step",
    "ModelShape": "engine.inspect.step",
    "ModelSteps": "engine.inspect.step",
    "Vector": "engine.inspect.step",
    "Grid": "engine.playground.grid",
    "MAX_RUNS": "engine.playground.grid",
    "field_values": "engine.playground.grid",
    "grid_tags": "engine.playground.grid",
    "label_now": "engine.playground.labels",
    "Action": "engine.playground.lifecycle",
    "UnsavedPolicy": "engine.playground.lifecycle",
    "allowed": "engine.playground.lifecycle",
    "Playground": "engine.playground.playground",
    "ClearPlan": "engine.playground.registry",
    "Run": "engine.playground.runs",
    "RunSummary": "engine.playground.runs",
    "SessionInfo": "engine.session",
    "default_save_dir": "engine.session",
    "list_sessions": "engine.session",
    "SaveJob": "engine.session.save_job",
    "list_saves": "engine.sweep.folder",
    "available_devices": "engine.training.device",
    "BaselineWatch": "engine.training.overfitting",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value  # the next lookup finds it without coming here
    return value
