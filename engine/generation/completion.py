"""What the prompt shows: a completion of the typed text, as the prompt follower reports it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.inspect.inspection import Inspection


@dataclass(frozen=True)
class Completion:
    """The greedy continuation of `text` under the weights of the run the prompt follows."""

    text: str
    completion: str
    unknown: tuple[str, ...] = ()  # characters of text not in the vocabulary (skipped)
    version: int = 0  # the weights snapshot it was computed with
    error: str | None = None
    follows: int | None = None  # the run whose weights it used
    probs: tuple[float, ...] = ()  # the model's probability of each completed character
    inspection: Inspection | None = None  # what the model holds and looks at, when asked for
    # Seconds between the weights the prompt takes up, when replaying a long prompt under each
    # new snapshot would cost training more (engine.generation.prompt_follower); 0: every one.
    weights_every: float = 0.0
