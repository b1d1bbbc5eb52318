"""How the prompt's completion is decoded and how long it is: what the prompt's keys step
through (ctrl+t temperature, ctrl+k top-k, ctrl+r a new seed, PgUp/PgDn the length) and the
pane's title and subtitle that name them.

Plain values for PromptPane (tui/widgets/prompt.py); the core decodes (engine's Decoding).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rich.cells import cell_len, set_cell_size

from engine.config import WARMUPS
from engine.playground import Decoding

MIN_LENGTH, MAX_LENGTH = 5, 200
LENGTH_STEP = 10
# What ctrl+t and ctrl+k step through: greedy (the book's) first, then sampling.
TEMPERATURES = (0.0, 0.5, 0.8, 1.0, 1.5)
TOP_KS = (0, 5, 10, 40)
# The fewest cells a run's label is cut to in the prompt's title: "#6 scr…" still names it.
MIN_LABEL_CELLS = 7


def _next(values: tuple[float, ...], now: float) -> float:
    """The value after `now` in `values`, round again to the first (also from a value not in
    them)."""
    at = values.index(now) if now in values else 0
    return values[(at + 1) % len(values)]


@dataclass(frozen=True)
class CompletionSettings:
    """The decoding and the length of completion wanted; each key gives the next settings."""

    # Sampling starts from a fixed seed, so a completion changes only when something does.
    decoding: Decoding = field(default_factory=lambda: Decoding(seed=0))
    length: int = 50  # characters of completion wanted

    @classmethod
    def restored(cls, decoding: Decoding, length: int) -> CompletionSettings:
        """Settings a session kept, the length within what the keys step through."""
        return cls(decoding, min(MAX_LENGTH, max(MIN_LENGTH, length)))

    def next_temperature(self) -> CompletionSettings:
        return self._decode(temperature=_next(TEMPERATURES, self.decoding.temperature))

    def next_top_k(self) -> CompletionSettings:
        """The next top-k. Top-k only cuts what sampling draws from: from greedy decoding it
        samples at temperature 1 (the model's own odds), or the key would change nothing."""
        top_k = int(_next(TOP_KS, self.decoding.top_k))
        if self.decoding.temperature == 0:
            return self._decode(temperature=1.0, top_k=top_k)
        return self._decode(top_k=top_k)

    def next_warmup(self) -> CompletionSettings:
        return self._decode(warmup=int(_next(WARMUPS, self.decoding.warmup)))

    def rerolled(self) -> CompletionSettings:
        return self._decode(seed=(self.decoding.seed or 0) + 1)

    def longer(self) -> CompletionSettings:
        return replace(self, length=min(MAX_LENGTH, self.length + LENGTH_STEP))

    def shorter(self) -> CompletionSettings:
        return replace(self, length=max(MIN_LENGTH, self.length - LENGTH_STEP))

    def _decode(self, **changes: float | int) -> CompletionSettings:
        return replace(self, decoding=replace(self.decoding, **changes))

    def title(self, follows: str, weights_every: float = 0.0, width: int = 0) -> str:
        """The pane's title: the run that completes (its label, if any) and these settings, and
        how often the completion takes up the run's new weights when a long prompt makes that
        rarer than each snapshot (engine's Completion.weights_every).

        Within `width` cells (0: any): the border would cut its end, which is the rate, the part
        a learner cannot guess (issue 21). The length gives way first, then the decoding; the
        run's label, what a learner reads the completion by, is cut only then (a tester read
        "#4 scratch·c… · T 0.5 · seed 0 · …"); the rate stays."""
        every = f"weights every {_seconds(weights_every)}" if weights_every else ""
        decoding, chars = self.decoding.label, f"{self.length} chars"
        for parts in ((follows, decoding, chars, every), (follows, decoding, every),
                      (follows, every)):
            title = _joined("prompt", *parts)
            if not width or cell_len(title) <= width:
                return title
        # The label cut to what is left beside the rate, not below "#6 scr…".
        room = width - (cell_len(_joined("prompt", "x", every)) - 1)
        if room >= MIN_LABEL_CELLS:
            return _joined("prompt", _cut(follows, room), every)
        return _joined("prompt", every)

    def subtitle(self) -> str:
        """The keys that change the settings (the Footer has no room for them at 80 columns)."""
        reroll = " · ^r reroll" if not self.decoding.greedy else ""
        return f"PgUp/PgDn length · ^t temp · ^k top-k{reroll}"


def _joined(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _cut(text: str, cells: int) -> str:
    """`text` within `cells` cells, "…" where it was cut."""
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, max(0, cells - 1)).rstrip() + "…"


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
