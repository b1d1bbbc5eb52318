"""Saying when a run overfits, in words a learner can act on.

The book's settings train a 256-unit RNN on 10,000 characters for 250 epochs: the training
perplexity falls towards 1 while the held-out one, after a best early on, climbs back up and
past the vocabulary size, the perplexity of a guess that gives every character the same odds.
A learner sees "held-out 11.5k" beside a red line at 1027 and nothing says why; this watches a
run's epochs and words the moment once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from engine.training.events import EpochEnd

# The held-out perplexity must have fallen this far below the baseline first: at the start a
# model is a uniform guess, and noise around the baseline is not overfitting.
LEARNED_BELOW = 0.5


@dataclass
class BaselineWatch:
    """One run's held-out perplexity against the uniform baseline `vocab`; `add` each epoch."""

    vocab: int
    best: tuple[float, int] | None = None  # the lowest held-out perplexity so far, its epoch
    said: bool = False

    @classmethod
    def after(cls, vocab: int, history: Iterable[EpochEnd]) -> BaselineWatch:
        """A watch that has read a run's epochs so far (a loaded or resumed run's): what they
        would have said was said when it trained, and is not said again."""
        watch = cls(vocab)
        for end in history:
            watch.add(end, "")
        return watch

    def add(self, end: EpochEnd, label: str) -> str | None:
        """The note for `end` when it is the first epoch past the baseline after the run had
        learned (its best held-out perplexity under half the baseline); None otherwise."""
        val = end.val_perplexity
        if val is None:
            return None
        if self.best is None or val < self.best[0]:
            self.best = (val, end.epoch)
            return None
        best, best_epoch = self.best
        if self.said or val <= self.vocab or best > self.vocab * LEARNED_BELOW:
            return None
        self.said = True
        return (
            f"{label}: held-out perplexity {val:,.0f} at epoch {end.epoch}, past the uniform "
            f"baseline ({self.vocab}) and up from its best {best:.3g} at epoch {best_epoch}, "
            f"while training perplexity is {end.perplexity:.3g}: it overfits, memorizing its "
            "training text and growing confidently wrong on text it never trains on. More "
            "text, fewer epochs or fewer hidden units keep it nearer its best."
        )
