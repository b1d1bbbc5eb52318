"""A new run's trainer, built the one way that the app, `rnnplay train` and `bench-device` share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.config import TrainConfig, default_prefixes
from engine.data.corpus import Corpus
from engine.models.memory_estimate import check_memory
from engine.training.events import TrainerEvent
from engine.training.trainer import Trainer


def build_trainer(
    corpus: Corpus,
    settings: Mapping[str, Any],
    on_event: Callable[[TrainerEvent], None] | None = None,
) -> Trainer:
    """A trainer for `settings` (TrainConfig fields by name) on `corpus`.

    The settings become a config once, here, with the command line's checks (ConfigError names
    the setting at fault); without sample prompts the corpus's own are used. The memory the run
    needs is checked before the model is built, so a run too big is refused with what would fit
    rather than by the allocator half-way through.
    """
    settings = dict(settings)
    if not settings.get("prefixes"):
        settings["prefixes"] = default_prefixes(corpus)
    config = TrainConfig.from_dict(settings)
    check_memory(config, len(corpus.vocab), train_chars=len(corpus.indices))
    return Trainer(corpus, config, on_event=on_event)
