"""F5 to F8: a new run, pause / resume / train on, stop, a new learning rate. Each is asked of
the core, which says what a run's state allows; this only picks what to ask and says why not.
"""

from __future__ import annotations

from engine.playground import Action, RunSummary
from engine.playground.events import RunState
from tui.host import Host
from tui.screens.lr import LrScreen
from tui.screens.target import TargetScreen


class Training:
    def __init__(self, app: Host) -> None:
        self.app = app
        self.playground = app.playground
        self.pausing = False  # F6 asked the training run to pause; it has not yet

    def _summary(self, run_id: int | None) -> RunSummary | None:
        return self.playground.summary(run_id) if run_id is not None else None

    def _say(self, text: str) -> None:
        self.app.notify(text, markup=False)

    def new_run(self) -> None:
        """F5: a new run from the setup form; one training is stopped first and stays."""
        main = self.app.main
        values, error = main.setup.read()
        if values is None:
            self.app.notify(error, severity="error", markup=False)
            return
        training = self._summary(self.playground.training)
        current = self._summary(self.playground.selected)
        if training is not None:
            self._say(f"{training.label} stopped for the new run (it stays; F6 trains it on)")
        elif current is not None and current.unsaved:
            self._say(f"{current.label} is kept, unsaved: quitting saves it (or ctrl+s now)")
        corpus = str(values.pop("corpus"))
        max_chars = int(str(values.pop("max_chars")))
        self.playground.new_run(corpus, max_chars, values)
        if training is None:
            # Reading a big corpus takes a while; a refusal puts back what the core has.
            main.status.set_state(RunState.LOADING)

    def pause_resume(self) -> None:
        """F6 acts on the run that is training, whichever is selected; with none training it
        trains the selected run on."""
        training = self._summary(self.playground.training)
        if training is None:
            self.train_on()
        elif training.state == RunState.PAUSED:
            self.playground.resume()
        elif self.playground.pause():
            self.pausing = True
            self.show_pausing(training.id)

    def show_pausing(self, run_id: int | None) -> None:
        """Until the trainer reaches its next batch, the status line says a pause is coming."""
        if self.pausing:
            training = self._summary(self.playground.training)
            self.pausing = training is not None and training.state == RunState.RUNNING
        if self.pausing and run_id == self.playground.selected:
            self.app.main.status.set_state("pausing")

    def train_on(self) -> None:
        """Train the selected run on; one that reached its target asks how far first."""
        run = self._summary(self.playground.selected)
        if run is None:
            self._say("no run yet: F5 starts one, ctrl+o loads one")
            return
        if run.epoch < run.config.epochs or not run.allows(Action.TRAIN_ON):
            self._train_on(None)  # the core says why not, if it cannot
            return
        raw = self.app.main.setup.value("epochs")
        more = int(raw) if raw.isdigit() and int(raw) > 0 else run.config.epochs
        self.app.push_screen(TargetScreen(run.label, run.epoch, run.epoch + more),
                             self._train_on)  # fmt: skip

    def _train_on(self, epochs: int | None) -> None:
        why_not = self.playground.train_on(epochs)
        if why_not:
            self._say(why_not)

    def stop(self) -> None:
        if not self.playground.stop():
            self._say("no run in progress")

    def change_lr(self) -> None:
        training = self._summary(self.playground.training)
        if training is None or not training.allows(Action.SET_LR):
            self._say("no run in progress: set lr in the setup pane")
            return

        def apply(lr: float | None) -> None:
            if lr is not None and self.playground.set_lr(lr):
                self.app.main.note(f"{training.label}: lr -> {lr:g} (marked on the plot)")

        self.app.push_screen(LrScreen(training.config.lr), apply)
