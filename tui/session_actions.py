"""The app's session commands: save, save as, load, continue a loaded run, autosave on quit.

A mixin of RnnplayApp (kept apart so each module stays small); it uses the app's driver,
engine port and panes. Engine calls that touch tensors run on the trainer thread (the snapshot)
or on a save thread (the write); the UI thread only reads plain attributes.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Input

from tui import exit_guard
from tui.messages import LoadFailed, RunResumed, SaveDone, SessionLoaded, while_running
from tui.runs import ActiveRun
from tui.screens.load import LoadScreen
from tui.screens.save_as import SaveAsScreen
from tui.sessions import SaveJob, SaveOutcome, settings_differ, shown_path
from tui.widgets.curves import CurvesPlot
from tui.widgets.prompt import PromptPane
from tui.widgets.samples import SamplesLog
from tui.widgets.setup import SetupPane
from tui.widgets.status import StatusPane

if TYPE_CHECKING:
    from tui.app import RnnplayApp

    _Base = RnnplayApp
else:
    _Base = object

# Quit must end within 2 s even while training: the autosave gets this long, then the app
# leaves anyway (the save thread is a daemon; an unfinished write leaves any old file intact).
QUIT_SAVE_BUDGET_S = 1.2
# States in which the current trainer is parked and F6 trains it on.
PARKED = ("loaded", "stopped", "finished")


class SessionActions(_Base):
    # -- saving ------------------------------------------------------------------------------
    def action_save(self) -> None:
        run = self._saveable()
        if run is not None:
            self._start_save(run, run.path or self._suggested_path(run))

    def action_save_as(self) -> None:
        run = self._saveable()
        if run is None:
            return
        save_dir = Path(self.engine.default_save_dir())

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._start_save(run, path)

        self.push_screen(SaveAsScreen(run.path or self._suggested_path(run), save_dir), chosen)

    def _saveable(self) -> ActiveRun | None:
        run = self.driver.current
        if run is None:
            self.notify("nothing to save yet: start a run (F5) or load one (ctrl+o)", markup=False)
        elif self._save_job is not None and not self._save_job.done.is_set():
            self.notify("a save is already in progress", markup=False)
            return None
        return run

    def _suggested_path(self, run: ActiveRun) -> Path:
        # Reads only the trainer's corpus name, model and epoch count: no tensors.
        return Path(self.engine.suggest_path(run.trainer, Path(self.engine.default_save_dir())))

    def _start_save(self, run: ActiveRun, path: Path, *, quiet: bool = False) -> SaveJob:
        def done(outcome: SaveOutcome) -> None:
            # On the save thread: post_message is the thread-safe way back.
            self.post_message(
                SaveDone(outcome.run_id, str(outcome.path), outcome.error, outcome.mark, quiet)
            )

        prompt = self.main.query_one(PromptPane).text
        job = SaveJob(self.engine, run, path, prompt, done, stop_after=quiet)
        self._save_job = job
        job.start()
        return job

    @while_running
    def on_save_done(self, message: SaveDone) -> None:
        run = self.driver.current
        if message.error is not None:
            if not message.quiet:
                self.notify(
                    message.error, title="not saved", severity="error", timeout=10, markup=False
                )
            self.main.query_one(SamplesLog).add_note(f"not saved: {message.error}", style="red")
            return
        if run is not None and run.run_id == message.run_id:
            run.path = Path(message.path)
            run.saved_progress = max(run.saved_progress, message.mark)
        if not message.quiet:
            self.notify(f"saved to {shown_path(message.path)}", title="saved", markup=False)
            self.main.query_one(SamplesLog).add_note(f"saved to {shown_path(message.path)}")

    # -- loading -----------------------------------------------------------------------------
    def action_load(self) -> None:
        save_dir = Path(self.engine.default_save_dir())
        run = self.driver.current
        warning = ""
        if run is not None and run.unsaved:
            warning = f"{run.info.label} has unsaved progress: loading replaces it (ctrl+s saves)"

        def chosen(path: str | None) -> None:
            if path:
                self.open_session(path)

        self.push_screen(LoadScreen(save_dir, self.engine.list_sessions, warning), chosen)

    def open_session(self, path: str) -> None:
        """Load a session file on the trainer thread; SessionLoaded or LoadFailed follows."""
        self.driver.load(path)
        self._set_state("loading")

    @while_running
    def on_session_loaded(self, message: SessionLoaded) -> None:
        info = message.info
        self.adopt_run(info)
        plot = self.main.query_one(CurvesPlot)
        for p in message.history:
            plot.add_point(info.run_id, p.epoch, p.perplexity, p.grad_norm, p.lr)
        status = self.main.query_one(StatusPane)
        if message.history:
            last = message.history[-1]
            status.epoch_end(
                last.epoch, info.epochs, last.perplexity, last.seconds, last.chars_per_sec
            )
        setup = self.main.query_one(SetupPane)
        setup.set_values(message.setup)
        if self._launch_epochs:
            # `rnnplay --load FILE --epochs N`: train on to N, like `rnnplay train --resume`.
            setup.query_one("#epochs", Input).value = self._launch_epochs
            self._launch_epochs = None
        log = self.main.query_one(SamplesLog)
        ppl = f", ppl {message.history[-1].perplexity:.2f}" if message.history else ""
        log.add_note(
            f"{info.label}: loaded {shown_path(message.path)} at epoch "
            f"{message.epoch}/{info.epochs}{ppl} ({info.corpus}, {info.device}); "
            "F5/F6 trains on"
        )
        for epoch, prefix, text in message.samples:
            log.add_sample(info.label, epoch, prefix, text)
        for note in message.notes:
            log.add_note(f"note: {note}", style="yellow")
            self.notify(note, severity="warning", timeout=8, markup=False)
        prompt = self.main.query_one(PromptPane)
        prompt.set_note("")
        prompt.set_text(message.prompt)
        self._set_state("loaded")
        self.notify(
            f"epoch {message.epoch}/{info.epochs}: F5 or F6 trains on",
            title=f"loaded {Path(message.path).name}",
            markup=False,
        )
        if self._continue_after_load:
            self._continue_after_load = False
            self.continue_training()

    @while_running
    def on_load_failed(self, message: LoadFailed) -> None:
        self._continue_after_load = False
        self._launch_epochs = None
        self.notify(
            message.message, title="load failed", severity="error", timeout=10, markup=False
        )
        self.main.query_one(SamplesLog).add_note(f"load failed: {message.message}", style="red")
        self._set_state(message.state)

    # -- continuing a parked trainer ---------------------------------------------------------
    def continue_loaded_if_unchanged(self, form: dict[str, object]) -> bool:
        """F5 on a just-loaded session trains it on, unless the setup pane was changed (then
        F5 means what it always means: a new run with those settings)."""
        run = self.driver.current
        if self.state != "loaded" or run is None or run.setup is None:
            return False
        changed = settings_differ(form, run.setup)
        if changed:
            self.notify(
                f"settings changed ({', '.join(changed)}): starting a new run instead of "
                "training the loaded one on",
                markup=False,
            )
            return False
        epochs = form.get("epochs")
        self.continue_training(epochs if isinstance(epochs, int) else None)
        return True

    def continue_training(self, epochs: int | None = None) -> None:
        run = self.driver.current
        if run is None or run.running:
            return
        if epochs is None:
            epochs = self._form_epochs() or run.epochs
        done = int(run.trainer.epoch)
        if done >= epochs:
            self.notify(
                f"{run.info.label} has trained {done} epochs: raise epochs in the setup pane "
                "to train on",
                markup=False,
            )
            return
        if self.driver.continue_run(epochs):
            self._set_state("running")

    def _form_epochs(self) -> int | None:
        raw = self.main.query_one(SetupPane).value("epochs")
        return int(raw) if raw.isdigit() and int(raw) > 0 else None

    @while_running
    def on_run_resumed(self, message: RunResumed) -> None:
        if self.current_run is not None and message.run_id == self.current_run.run_id:
            self.main.query_one(StatusPane).set_target(message.epochs)

    # -- quitting ----------------------------------------------------------------------------
    async def action_quit(self) -> None:
        if self._quitting:
            return  # a second ctrl+q or signal while the autosave runs: it ends soon anyway
        self._quitting = True
        if self.options.handle_signals:  # the real launcher; tests must never hit os._exit
            exit_guard.arm(QUIT_SAVE_BUDGET_S + exit_guard.STUCK_AFTER_S)
        run = self.driver.current
        if run is not None and run.unsaved:
            await self._autosave(run)
        # Textual joins worker threads on exit: stop the trainer first so that is quick.
        self.driver.shutdown()
        self.completion.shutdown()
        if self.options.handle_signals and self.terminal_gone:
            exit_guard.leave_now(self.exit_notes)
        self.exit(0)

    async def _autosave(self, run: ActiveRun) -> None:
        deadline = time.monotonic() + QUIT_SAVE_BUDGET_S
        path = run.path or self._suggested_path(run)
        if self._save_job is not None and not self._save_job.done.is_set():
            # A save is under way (ctrl+s then ctrl+q): let it end rather than race it.
            await self._wait(self._save_job, deadline)
        self.notify(f"saving to {shown_path(path)}...", title="quitting", markup=False)
        job = self._start_save(run, path, quiet=True)
        await self._wait(job, deadline)
        outcome = job.outcome
        if outcome is None:
            self.exit_notes.append(f"rnnplay: autosave to {path} did not finish in time")
        elif outcome.error is not None:
            self.exit_notes.append(f"rnnplay: autosave failed: {outcome.error}")
        else:
            self.exit_notes.append(f"rnnplay: session saved to {outcome.path}")

    @staticmethod
    async def _wait(job: SaveJob, deadline: float) -> None:
        # Polls instead of blocking on the Event, so the UI keeps drawing meanwhile.
        while not job.done.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
