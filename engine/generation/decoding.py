"""How a completion picks each next character.

Greedy (the book's predict_rnn, and the default) takes the argmax of the output layer. Sampling
draws from softmax(O_t / T) instead, over the k likeliest characters only: a temperature T
below 1 sharpens the model's odds towards greedy, above 1 flattens them towards uniform, and the
cut to the top k keeps the long tail of unlikely characters out. Greedy loops ("我想 我想 我想")
are where a learner reaches for this.

Draws come from a torch.Generator of their own, seeded per completion, so a seed repeats a
completion exactly and sampling never moves torch's global random stream (the trainer's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.config import SEED_MAX, SEED_MIN, ConfigError, DecodingConfig, spec_of

# Imported where a draw needs it: the app builds its decoding keys and prompt settings before
# torch has loaded, drawing its first screen meanwhile (issue 21).
if TYPE_CHECKING:
    import torch

MAX_TEMPERATURE = 100.0  # far past uniform already for any trained model's logits
MAX_CHARS = 10_000  # one completion's length, as the trainer's prediction length allows


@dataclass(frozen=True)
class Decoding:
    """A decoding rule; invalid values raise ConfigError (a ValueError) naming the field."""

    # 0 = greedy argmax; 1 = the model's own odds; above 1 flatter, below 1 sharper
    temperature: float = 0.0
    # draw among the k likeliest characters only; 0 = all of them, 1 = greedy
    top_k: int = 0
    # seeds the draws of one completion (same text, weights and seed: same completion);
    # None draws a fresh seed for every completion
    seed: int | None = None
    # characters of training text read before the prompt (engine.config.DecodingConfig.warmup)
    warmup: int = 0

    def __post_init__(self) -> None:
        spec_of(DecodingConfig, "warmup").check(self.warmup)
        t = self.temperature
        # bool is an int to Python: refused, like the config's settings refuse it. An int is
        # compared exactly (math.isfinite would overflow on 10**400).
        number = type(t) is int or (type(t) is float and math.isfinite(t))
        if not number or not 0 <= t <= MAX_TEMPERATURE:
            raise ConfigError(
                f"temperature must be a number from 0 (greedy) to {MAX_TEMPERATURE:g}, "
                f"not {t!r}",
                "temperature",
            )
        if type(self.top_k) is not int or self.top_k < 0:
            raise ConfigError(
                f"top-k must be a whole number, 0 (all characters) or more, not {self.top_k!r}",
                "top_k",
            )
        seed = self.seed
        if seed is not None and (type(seed) is not int or not SEED_MIN <= seed <= SEED_MAX):
            raise ConfigError(
                f"seed must be a whole number from {SEED_MIN} to {SEED_MAX}, or none, "
                f"not {seed!r}",
                "seed",
            )

    @property
    def greedy(self) -> bool:
        return self.temperature == 0 or self.top_k == 1

    @property
    def label(self) -> str:
        """How a title shows the rule: 'greedy', 'T 0.8 · top-k 40 · seed 3', and
        ' · warm-up 100' after either when the prompt is read after training text."""
        warm = f" · warm-up {self.warmup}" if self.warmup else ""
        if self.greedy:
            return "greedy" + warm
        parts = [f"T {self.temperature:g}"]
        if self.top_k:
            parts.append(f"top-k {self.top_k}")
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        return " · ".join(parts) + warm

    def check_vocab(self, vocab_size: int) -> None:
        if self.top_k > vocab_size:
            raise ConfigError(
                f"top-k must be at most {vocab_size}, the vocabulary size, not {self.top_k}",
                "top_k",
            )

    def generator(self) -> torch.Generator | None:
        """A fresh stream for one completion (None for greedy, which draws nothing)."""
        if self.greedy:
            return None
        import torch

        generator = torch.Generator()
        if self.seed is None:
            generator.seed()
        else:
            generator.manual_seed(self.seed)
        return generator

    def pick(self, logits: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """The next character's index, shape (1,), on logits' device; logits has shape (1, V)."""
        if self.greedy:
            return logits.argmax(dim=-1)
        import torch

        # On the CPU in float64: the same seed draws the same characters whatever the device.
        scores = logits[0].detach().to("cpu", torch.float64)
        if self.top_k:
            scores, index = scores.topk(self.top_k)
        else:
            index = torch.arange(scores.numel())
        # Subtracting the max before dividing keeps a tiny temperature from overflowing to inf
        # (inf - inf is nan): the best score becomes 0 / T = 0, the others -> -inf -> odds 0.
        cumulative = torch.softmax((scores - scores.max()) / self.temperature, dim=0).cumsum(0)
        total = float(cumulative[-1])  # 1 up to rounding; nan if any output was nan or inf
        if not math.isfinite(total):
            raise ValueError("the model's outputs are not finite numbers (a diverged run?); "
                             "sampling needs finite odds, use greedy decoding")
        # Inverse CDF, half the time torch.multinomial takes on one row: the character whose
        # cumulative odds first pass a uniform draw, so one of zero odds is never drawn.
        u = torch.rand(1, generator=generator, dtype=torch.float64) * total
        drawn = torch.searchsorted(cumulative[:-1], u, right=True)
        return index[drawn].to(logits.device)
