"""F5 to F8: new runs, pause / resume / train on, stop, a new learning rate. Each is asked of
the core, which says what a run's state allows; this only picks what to ask, says which run it
acted on, and says why not. F6 to F8 act on the selected run; the others train on.
"""

from __future__ import annotations

from typing import Any

from engine.playground import Action, RunSummary, grid_tags
from engine.playground.events import RunState
from tui.host import Host
from tui.labels import label_now, shown
from tui.screens.choice import Choice, ChoiceScreen
from tui.screens.lr import LrScreen
from tui.screens.target import TargetScreen

_HOW = (
    "alongside: they train at once, sharing the machine's cores\n"
    "queued: they wait until no run trains (a paused one does not), then start one at a time"
)


class Training:
    def __init__(self, app: Host) -> None:
        self.app = app
        self.playground = app.playground
        self.pausing: set[int] = set()  # runs F6 asked to pause that have not yet

    def _summary(self, run_id: int | None) -> RunSummary | None:
        return self.playground.summary(run_id) if run_id is not None else None

    def _say(self, text: str) -> None:
        self.app.notify(text, markup=False)

    def _training(self) -> list[RunSummary]:
        return [s for s in map(self._summary, self.playground.training_runs()) if s is not None]

    # -- F5 -------------------------------------------------------------------------------------
    def new_run(self) -> None:
        """F5: one new run per combination of the setup form's values; while runs train, it
        asks whether the new ones train alongside them or queue after (a paused run trains
        nothing: the queue would not wait for it)."""
        runs, error = self.app.main.setup.read_runs()
        if error is not None:
            self.app.notify(error, severity="error", markup=False)
            return
        names = self._running_names()
        if not names:
            self._start(runs, None)
            return
        what = "a new run" if len(runs) == 1 else f"{len(runs)} new runs"
        # Each answer whole on its button: whom it moves, and until when they wait.
        them = "it" if len(runs) == 1 else "them"
        choices = [Choice("a", f"train {them} alongside", False),
                   Choice("q", f"queue {them} until no run trains", True)]
        question = ChoiceScreen(f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} "
                                f"training: start {what} how?", _HOW, choices)  # fmt: skip
        self.app.push_screen(question, lambda queue: self._chosen(runs, queue))

    def _running_names(self) -> list[str]:
        """The runs that train now (a paused one trains nothing), as the runs table names them."""
        return [shown(s) for s in self._training() if s.state == RunState.RUNNING]

    def _chosen(self, runs: list[dict[str, Any]], queue: bool | None) -> None:
        if queue is not None:
            self._start(runs, queue)

    def _start(self, runs: list[dict[str, Any]], queue: bool | None) -> None:
        """Ask the core for the runs (queue None: nothing trained when F5 was pressed) and say
        what it does."""
        current = self._summary(self.playground.selected)
        # Who trains now, not when F5 asked: the question may have stayed open while they
        # finished, stopped or took another lr ("#1 scratch training now" named a run done).
        names = ", ".join(self._running_names())
        for values, tag in zip(runs, grid_tags(runs), strict=True):
            settings = dict(values)
            corpus = str(settings.pop("corpus"))
            max_chars = int(str(settings.pop("max_chars")))
            self.playground.new_run(corpus, max_chars, settings, queue=bool(queue), tag=tag)
        what = "the new run" if len(runs) == 1 else f"{len(runs)} new runs"
        if queue is not None and not names:
            # Nothing left to wait for or to train beside: the queue starts its first at once.
            start = ("the first starts now, the others one at a time" if queue and len(runs) > 1
                     else "it starts now" if len(runs) == 1 else "they start now")
            self._say(f"{what}: no run trains any more, so {start}")
        elif queue:
            self._say(f"{what} queued: {'it starts' if len(runs) == 1 else 'they start'} "
                      f"once no run trains ({names} training now)")  # fmt: skip
        elif queue is not None:
            self._say(f"{what} training alongside {names}")
        elif current is not None and current.unsaved:
            self._say(f"{shown(current)} is kept, unsaved: quitting saves it (or ctrl+s now)")
        if queue is None or not names:
            # Reading a big corpus takes a while; a refusal puts back what the core has.
            self.app.main.status.set_state(RunState.LOADING)

    # -- F6 to F8, on the selected run ----------------------------------------------------------
    def pause_resume(self) -> None:
        """F6: pause or resume the selected run; a parked one trains on."""
        run = self._summary(self.playground.selected)
        if run is None or not run.state.active:
            self.train_on()
        elif run.state == RunState.PAUSED:
            if self.playground.resume(run.id):
                self._say(f"{shown(run)} resumed")
        elif self.playground.pause(run.id):
            self.pausing.add(run.id)
            self._say(f"{shown(run)} pausing")
            self.show_pausing(run.id)

    def show_pausing(self, run_id: int | None) -> None:
        """Until its trainer reaches its next batch, the status line says a pause is coming."""
        selected = self.playground.selected
        if run_id != selected or selected not in self.pausing:
            return
        run = self._summary(selected)
        if run is not None and run.state == RunState.RUNNING:
            self.app.main.status.set_state("pausing")
        else:
            self.pausing.discard(selected)

    def train_on(self) -> None:
        """Train the selected run on; one that reached its target asks how far first."""
        run = self._summary(self.playground.selected)
        if run is None:
            self._say("no run yet: F5 starts one, ctrl+o loads one")
            return
        if run.epoch < run.config.epochs or not run.allows(Action.TRAIN_ON):
            self._train_on(run, None)  # the core says why not, if it cannot
            return
        raw = self.app.main.setup.value("epochs")
        more = int(raw) if raw.isdigit() and int(raw) > 0 else run.config.epochs
        self.app.push_screen(TargetScreen(shown(run), run.epoch, run.epoch + more),
                             lambda epochs: self._train_on(run, epochs))  # fmt: skip

    def _train_on(self, run: RunSummary, epochs: int | None) -> None:
        # Beside the runs that train now: a paused one does not ("starts now, beside #2" named
        # a paused #2).
        others = [s for s in self._training() if s.id != run.id and s.state == RunState.RUNNING]
        beside = ", ".join(shown(s) for s in others)
        why_not = self.playground.train_on(epochs)
        if why_not:
            self._say(why_not)
        elif run.state == RunState.QUEUED:  # it never trained: it starts, out of its turn
            self._say(f"{shown(run)} starts now" + (f", beside {beside}" if others else ""))
        elif others:
            self._say(f"{shown(run)} trains on beside {beside}")

    def stop(self) -> None:
        """F7: stop the selected run."""
        run = self._summary(self.playground.selected)
        if run is None:
            self._say("no run in progress")
        elif self.playground.stop(run.id):
            self._say(f"{shown(run)} stopping")
        else:
            self._say(f"{shown(run)} is {run.state}: nothing to stop")

    def change_lr(self) -> None:
        """F8: a new learning rate for the selected run, while it trains or is paused."""
        run = self._summary(self.playground.selected)
        if run is None:
            self._say("no run in progress: the setup form's lr is the next run's")
            return
        if not run.allows(Action.SET_LR):
            # The setup form's lr is a new run's: this run's lr changes only as it trains on.
            then = "; F6 trains it on" if run.allows(Action.TRAIN_ON) else ""
            self._say(f"{shown(run)} is {run.state}: F8 changes the lr of a run that trains or "
                      f"is paused{then}")  # fmt: skip
            return

        # The lr it trained at: a paused run's first change still waits (RunSummary.paused_lr).
        before = run.paused_lr if run.paused_lr is not None else run.config.lr

        def apply(lr: float | None) -> None:
            if lr is not None and self.playground.set_lr(lr, run.id):
                # The trainer takes it up at its next batch: a paused run's, once it resumes.
                now = self._summary(run.id)
                if now is not None and now.state == RunState.PAUSED:
                    when = "once it resumes (marked on the plot then)"
                    # The status line says the lr waits at once, not at its next catch-up.
                    if now.id == self.app.main.status.run_id:
                        self.app.main.status.show_numbers(now)
                else:
                    when = "(marked on the plot)"
                # Named as the table names it from now on ("#2 scratch·lr 30→20"), the change
                # in the arrows the labels and the status line write it with.
                self.app.main.note(f"{label_now(run.label, lr)}: lr {before:g}→{lr:g} {when}")

        paused = run.state == RunState.PAUSED
        self.app.push_screen(LrScreen(run.config.lr, shown(run), paused=paused), apply)
