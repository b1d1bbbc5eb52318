"""The playground core a UI drives: the runs of one session of rnnplay and the threads that
serve them. A UI imports this package (and engine.config) only; tests/test_layering.py checks it.

playground.py (the facade: commands and reports), runs.py (a run in the registry and its summary),
events.py (the core's own reports; the trainer's are in engine/training/events.py).
"""

from engine.playground.playground import Playground
from engine.playground.runs import Run, RunSummary

__all__ = ["Playground", "Run", "RunSummary"]
