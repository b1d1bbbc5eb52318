"""How a run joins the playground, built or loaded: the reporter made before its trainer (so
the trainer reports from its first batch), then the registry's id and label, RunAdded telling a
UI all of the run at once, and the prompt following it when it is selected.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from engine.generation.prompt_settings import PromptSettings
from engine.playground.events import RunAdded
from engine.playground.prompt import PromptRuns
from engine.playground.registry import Registry, name_now
from engine.playground.reporter import Report, RunReporter
from engine.playground.runs import Run


class Joining:
    def __init__(
        self, registry: Registry, report: Report, prompt: PromptRuns, closing: threading.Event
    ) -> None:
        self._registry, self._report, self._prompt = registry, report, prompt
        self._closing = closing
        # Called when a run stops training (pauses or ends); the trainer worker sets it: a
        # queued run may start then.
        self.stood_down: Callable[[], None] = lambda: None

    def new_reporter(self) -> RunReporter:
        return RunReporter(self._registry, self._report, self._prompt.follower, self._closing,
                           lambda: self.stood_down())  # fmt: skip

    def adopt(
        self,
        run: Run,
        reporter: RunReporter,
        saved_label: str,
        prompt: str,
        notes: tuple[str, ...],
        select: bool,
        prompt_settings: PromptSettings | None = None,
        tag: str = "",
    ) -> None:
        """A new or loaded run joins the registry (selected unless `select` is False; `tag`
        tells it from the others of its grid or sweep in its label). A loaded run whose file
        a run here is bound to saves to a new file instead (Registry.add): its notes say so."""
        source = run.path  # the file it was loaded from: RunAdded names it
        shared = self._registry.add(run, saved_label, select=select, tag=tag)
        if shared is not None:
            holder = self._registry.holder(shared, but=run)
            # Named as the runs table names them: the holder's lr may have changed (F8).
            whose = f"{name_now(holder)}'s file" if holder is not None else "another run's file"
            notes = (*notes, f"{name_now(run)} saves to a new file of its own: {shared.name} is "
                             f"{whose}")  # fmt: skip
        reporter.bind(run)
        trainer = run.trainer
        trainer.controls.give_way = self._prompt.follower.give_way
        self._report(
            run.id,
            RunAdded(
                label=run.label,
                config=trainer.current_config(),
                corpus=run.corpus,
                max_chars=run.max_chars,
                vocab_size=len(trainer.corpus.vocab),
                device=str(trainer.device),
                state=run.state,
                epoch=trainer.epoch,
                path=str(source) if source else None,
                history=tuple(trainer.history),
                samples=tuple(trainer.samples),
                prompt=prompt,
                prompt_settings=prompt_settings,
                notes=notes,
                message=run.message,
            ),
        )
        self._prompt.follow()
