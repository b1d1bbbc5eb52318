"""The playground core a UI drives: the runs of one session of rnnplay and the threads that
serve them. A UI imports this package, its events and engine.config, nothing below them
(tests/test_layering.py checks tui/ does): what it needs of the lower layers is named here.

playground.py (the facade a UI drives: commands and reports), lifecycle.py (what each run state
allows, and what removing does with unsaved training), registry.py (the runs, their unique labels,
the selection), grid.py (a setup grid: one run per combination of a field's values), runs.py (a
run and its summary), reporter.py (a run's trainer records on their way out), joining.py (a
built or loaded run joining: reporter, registry, RunAdded), worker.py (the trainer threads),
loader.py (loads on threads of their own; a sweep folder's trials best first), saving.py (save
jobs, autosave, export, file names),
prompt.py (which runs complete the prompt: the selected, then the marked), events.py (every
record the core reports: the trainer's, re-exported, and the core's own).
"""

from engine.data.corpus import hosted_missing
from engine.generation.decoding import Decoding
from engine.generation.prompt_follower import Views
from engine.inspect.hidden_units import RANKING_MEANINGS, RANKINGS, HiddenUnits
from engine.inspect.inspection import Inspection, NextCharOdds
from engine.inspect.saliency import Saliency
from engine.inspect.step import CharStep, ModelShape, ModelSteps, Vector
from engine.playground.grid import MAX_RUNS, Grid, field_values
from engine.playground.lifecycle import Action, UnsavedPolicy, allowed
from engine.playground.playground import Playground
from engine.playground.registry import ClearPlan
from engine.playground.runs import Run, RunSummary
from engine.session import SessionInfo, default_save_dir, list_sessions
from engine.session.save_job import SaveJob
from engine.sweep.folder import list_saves
from engine.training.device import available_devices

__all__ = [
    "MAX_RUNS",
    "RANKINGS",
    "RANKING_MEANINGS",
    "Action",
    "CharStep",
    "ClearPlan",
    "Grid",
    "Decoding",
    "HiddenUnits",
    "Inspection",
    "ModelShape",
    "ModelSteps",
    "NextCharOdds",
    "Playground",
    "Run",
    "RunSummary",
    "Saliency",
    "SaveJob",
    "SessionInfo",
    "UnsavedPolicy",
    "Vector",
    "Views",
    "allowed",
    "available_devices",
    "default_save_dir",
    "field_values",
    "hosted_missing",
    "list_saves",
    "list_sessions",
]
