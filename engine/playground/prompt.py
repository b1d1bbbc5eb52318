"""The prompt's side of the runs: which runs complete the prompt (the selected one first, then
the marked ones, as the registry has them) and where each publishes the weights it completes
with. The completing itself happens on the prompt follower's thread
(engine.generation.prompt_follower); this keeps that thread's list of runs in step with the
registry whenever a run joins, leaves, is selected or is marked.
"""

from __future__ import annotations

from engine.config import ConfigError, DecodingConfig, spec_of
from engine.generation.decoding import Decoding
from engine.generation.prompt_follower import PromptFollower, Views, WeightsSource
from engine.generation.prompt_settings import PromptSettings
from engine.playground.registry import Registry
from engine.playground.reporter import Report
from engine.playground.runs import Run

MAX_WARMUP = spec_of(DecodingConfig, "warmup").setting.le  # the longest warm-up a decoding asks


class PromptRuns:
    def __init__(self, registry: Registry, report: Report) -> None:
        self._registry = registry
        # Each run's completion is reported as its own (Completion.follows names the run).
        self.follower = PromptFollower(lambda c: report(c.follows, c))
        self.settings: PromptSettings | None = None  # the latest asked for, saved with a run

    def complete(self, text: str, length: int, decoding: Decoding, views: Views | None) -> None:
        try:
            self.settings = PromptSettings(decoding, length)
        except ConfigError:  # the follower says what is wrong with it
            self.settings = None
        self.follower.request(text, length, decoding, views)

    def mark(self, run_id: int, on: bool) -> bool:
        """Mark a run (or unmark it); False if there is no such run."""
        with self._registry.lock:
            run = self._registry.get(run_id)
            if run is None:
                return False
            run.marked = on
        self.follow()
        return True

    def marked(self) -> list[int]:
        with self._registry.lock:
            return [run.id for run in self._registry.runs.values() if run.marked]

    def follow(self) -> None:
        """Point the follower at the selected run, then the marked ones, as the registry has
        them now."""
        with self._registry.lock:
            selected = self._registry.chosen()
            others = [r for r in self._registry.runs.values() if r.marked and r is not selected]
        runs = ([selected] if selected is not None else []) + others
        self.follower.follow([_weights_source(run) for run in runs])


def _weights_source(run: Run) -> WeightsSource:
    trainer, cfg = run.trainer, run.trainer.config
    warmup = trainer.corpus.vocab.decode(trainer.data[:MAX_WARMUP].tolist())
    return WeightsSource(
        run.id, trainer.snapshots, cfg.model, trainer.corpus.vocab, cfg.hidden, cfg.layers,
        cfg.nonlinearity, cfg.embedding, warmup,
    )
