"""What the playground core reports besides the trainer's records (engine/training/events.py): runs
joining and leaving, refusals, saves; completions come from engine/generation/completion.py. Small
frozen records of plain values.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.config import TrainConfig
from engine.data.layout import (  # noqa: F401 - re-exported: a UI draws the layout from these
    EARLIER,
    LATER,
    SHOWN,
    UNREAD,
    BatchLayout,
)
from engine.generation.completion import Completion  # re-exported: a UI imports it from here
from engine.generation.prompt_settings import PromptSettings

# The trainer's records, re-exported: a UI takes every record from here.
from engine.training.events import (  # noqa: F401
    BatchEnd,
    EpochEnd,
    ParamStats,
    RunState,
    Sample,
    StatusChanged,
    TrainerEvent,
)


@dataclass(frozen=True)
class RunAdded:
    """A run joined the registry: a new one (empty history) or one loaded from a session."""

    label: str  # "#2 scratch·lr 1000": how every pane names the run
    config: TrainConfig  # as it stands (a changed lr or epoch target folded in)
    corpus: str  # the corpus spec: "jaychou", "pysrc" or a path
    max_chars: int
    vocab_size: int
    device: str  # the device it trains on, resolved ("cpu", "cuda:0")
    state: RunState
    epoch: int = 0  # epochs completed
    path: str | None = None  # the session file it came from
    history: tuple[EpochEnd, ...] = ()
    samples: tuple[Sample, ...] = ()
    prompt: str = ""  # the prompt saved with the session
    # how that prompt completed (decoding, length); None: not saved with it
    prompt_settings: PromptSettings | None = None
    notes: tuple[str, ...] = ()  # what the loader had to adapt (e.g. a CUDA save on a CPU)
    message: str = ""  # why it diverged, for a run loaded diverged (state DIVERGED)


@dataclass(frozen=True)
class RunRefused:
    """Something asked could not be done; nothing changed. run_id is None for a new run or a
    load that could not begin, the run's id for a removal it refused after all (trained on
    again while the save before it was written)."""

    message: str
    field: str | None = None  # the TrainConfig field (or "corpus") at fault, when one is


@dataclass(frozen=True)
class RunRemoved:
    """A run left the registry (removed, or cleared with the others that are done)."""


@dataclass(frozen=True)
class TargetChanged:
    """The run trains towards a new epoch count, or with a new learning rate."""

    epochs: int
    lr: float


@dataclass(frozen=True)
class Saved:
    path: str
    error: str | None = None  # None: written; else one line saying why not
    quiet: bool = False  # an autosave on the way out


@dataclass(frozen=True)
class DevicesTimed:
    """A run's setup timed on every device of this machine (engine.training.device_bench)."""

    # (device setting's name, seconds per epoch or None, why it was not timed or None)
    rows: tuple[tuple[str, float | None, str | None], ...]
    verdict: str  # what a GPU buys for this model size, in a sentence


Event = (
    TrainerEvent
    | RunAdded
    | RunRefused
    | RunRemoved
    | TargetChanged
    | Saved
    | Completion
    | DevicesTimed
)
