"""Training settings as one typed dataclass: the book's hyperparameters are the defaults."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

MODELS = ("scratch", "rnn", "gru", "lstm")
SAMPLINGS = ("random", "consecutive")
# The book trains its from-scratch model with plain SGD at lr 100 (the loss is a mean over
# batch*steps, so gradients are tiny) and the nn.RNN model with Adam at 1e-3.
BOOK_LR = {"scratch": 100.0, "rnn": 1e-3, "gru": 1e-3, "lstm": 1e-3}


class ConfigError(ValueError):
    """A setting a user gave that cannot work; the message says which and why.

    `field` names the TrainConfig field at fault (None when it is not one field), so a form
    can mark the right input.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TrainConfig:
    model: str = "scratch"  # "scratch" (the book's explicit equations) or nn "rnn"/"gru"/"lstm"
    hidden: int = 256  # hidden units per layer (the book's num_hiddens)
    layers: int = 1  # stacked recurrent layers; the scratch model has exactly one
    sampling: str = "random"  # minibatch sampling: "random" or "consecutive" (book 6.3)
    epochs: int = 250  # train until this many epochs have completed
    lr: float | None = None  # learning rate; None takes the book's default for the model
    clip: float = 0.01  # gradients are rescaled when their global L2 norm exceeds this
    batch_size: int = 32  # sequences per minibatch
    num_steps: int = 35  # time steps per sequence (truncated BPTT length)
    device: str = "auto"  # "auto", "cpu", "cuda" or "cuda:N"
    seed: int = 0  # seeds weight init and sampling, so runs repeat
    prefixes: tuple[str, ...] = ("分开", "不分开")  # prompts predicted every pred_period epochs
    pred_period: int = 50  # epochs between sample predictions (0 = never)
    pred_len: int = 50  # characters predicted after each prefix
    threads: int | None = None  # torch intra-op threads; None leaves torch's choice

    @property
    def learning_rate(self) -> float:
        return BOOK_LR[self.model] if self.lr is None else self.lr

    @property
    def optimizer_name(self) -> str:
        return "sgd" if self.model == "scratch" else "adam"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["prefixes"] = list(self.prefixes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
        values = dict(d)
        if "prefixes" in values:
            values["prefixes"] = tuple(values["prefixes"])
        return cls(**values)

    def check(self, corpus_length: int | None = None) -> None:
        """Raise ConfigError naming the first setting that cannot work."""
        if self.model not in MODELS:
            raise ConfigError(
                f"model must be one of {', '.join(MODELS)}, not {self.model!r}", "model"
            )
        if self.sampling not in SAMPLINGS:
            raise ConfigError(
                f"sampling must be random or consecutive, not {self.sampling!r}", "sampling"
            )
        if self.model == "scratch" and self.layers != 1:
            raise ConfigError(
                "the scratch model has one layer; use rnn/gru/lstm for more", "layers"
            )
        lr = self.learning_rate
        if not (math.isfinite(lr) and lr > 0):
            raise ConfigError(f"learning rate must be a positive number, not {lr}", "lr")
        if not (math.isfinite(self.clip) and self.clip > 0):
            raise ConfigError(f"clip threshold must be a positive number, not {self.clip}", "clip")
        for name in ("hidden", "layers", "batch_size", "num_steps", "pred_len"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name.replace('_', ' ')} must be at least 1", name)
        if self.hidden > 8192 or self.layers > 16:
            field = "hidden" if self.hidden > 8192 else "layers"
            raise ConfigError("hidden size is capped at 8192 and layers at 16", field)
        if self.epochs < 0 or self.pred_period < 0:
            field = "epochs" if self.epochs < 0 else "pred_period"
            raise ConfigError("epochs and prediction period cannot be negative", field)
        if self.threads is not None and self.threads < 1:
            raise ConfigError("threads must be at least 1", "threads")
        if corpus_length is not None:
            self._check_fits(corpus_length)

    def _check_fits(self, n: int) -> None:
        # Both samplers must yield at least one full batch, as the book's iterators define them.
        random_batches = ((n - 1) // self.num_steps) // self.batch_size
        consecutive_batches = ((n // self.batch_size) - 1) // self.num_steps
        batches = random_batches if self.sampling == "random" else consecutive_batches
        if batches < 1:
            need = self.batch_size * self.num_steps + 1
            raise ConfigError(
                f"the corpus has {n} characters, too few for one batch of {self.batch_size} x "
                f"{self.num_steps} steps (needs about {need}); lower the batch size or steps",
                "batch_size",
            )
