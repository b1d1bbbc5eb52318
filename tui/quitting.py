"""Leaving the app without losing training: every unsaved run is saved within a time budget
first; if that fails, the user chooses (retry, save elsewhere, quit anyway, stay). With runs
waiting in the queue the user is asked first: they never trained, so no file keeps them. SIGTERM
and SIGHUP quit the same way, asking nothing: no one is there to answer.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets import Label, Static

from tui import exit_guard
from tui.host import Host
from tui.labels import label_now, shown
from tui.screens.autosave_failed import AutosaveFailedScreen
from tui.screens.choice import Choice, ChoiceScreen

# Types only: the app draws its first frame before torch (and the engine) has loaded.
if TYPE_CHECKING:
    from engine.playground import SaveJob

# The autosave is waited for as long as its saves advance (a snapshot taken, a file written):
# a fixed 1.2 s once called two saves "did not finish in time" on a loaded machine (load 10)
# while their files were written whole within a second after. A save that has not advanced for
# QUIT_STALL_S is stuck (a hung disk): the app says so and asks. However they advance, the wait
# ends after QUIT_SAVE_CAP_S. On a quiet machine saves take a few tenths of a second, so quitting
# while training still ends within 2 s. Save threads are daemons; an unfinished write leaves any
# old file intact.
QUIT_STALL_S = 10.0
QUIT_SAVE_CAP_S = 60.0


class Quitting:
    """How `app` leaves; `save_as` is the app's save-as dialog, offered when the autosave
    failed; `real`: the real launcher, which may end the process itself (tests never must)."""

    def __init__(self, app: Host, save_as: Callable[[], None], *, real: bool) -> None:
        self.app = app
        self.save_as = save_as
        self.real = real
        self.busy = False  # the autosave runs: a second ctrl+q or signal waits for it
        self.by_signal = False  # no one is there to answer a question
        self.terminal_gone = False  # SIGHUP: leave without writing to the terminal
        self.notes: list[str] = []  # printed by the launcher once the terminal is back
        self._skipped: list[str] = []  # the last autosave's notes on runs it left out
        self._written: list[SaveJob] = []  # every autosave job of this quit, any attempt
        self._last: list[SaveJob] = []  # the last attempt's jobs (with those still writing)
        self._stalled = False  # the last attempt's wait gave up on saves that stopped moving
        self._asking: ChoiceScreen | None = None  # the question about queued runs, while open
        self._queue_told = False  # the user chose to quit with runs queued

    def handle_signals(self) -> None:
        """SIGTERM and SIGHUP save and quit (the real launcher only: tests keep pytest's)."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        # SIGHUP means the terminal is gone: after the autosave there is nothing to ask.
        self.terminal_gone = self.terminal_gone or sig == signal.SIGHUP
        self.by_signal = True
        self.app.call_later(self.quit)

    async def quit(self) -> None:
        if self.busy:
            return  # it ends soon anyway
        if self._asking is not None:  # ctrl+q again at the question: quit
            self._asking.dismiss(True)
            return
        if not self.by_signal and not self._queue_told and self._ask_about_queue():
            return
        self.busy = True
        if self.real:
            exit_guard.arm(2 * QUIT_SAVE_CAP_S + exit_guard.STUCK_AFTER_S)  # the saves' waits
        failed = await self._autosave()
        if failed and not self.by_signal:
            exit_guard.disarm()
            self.busy = False
            self.app.push_screen(AutosaveFailedScreen(failed), self._after_failed_autosave)
            return
        self._leave()

    def _ask_about_queue(self) -> bool:
        """Ask before runs that wait in the queue are dropped; returns whether it asked."""
        if not self.app.playground.queued():
            return False
        self._asking = _QueueQuestion(self._queue_words)
        self.app.push_screen(self._asking, self._after_queue_question)
        return True

    def _queue_words(self) -> tuple[str, str]:
        """The question about the queue and its body, as the core's queue stands now."""
        playground = self.app.playground
        queued = [run for run_id in playground.queued()
                  if (run := playground.summary(run_id)) is not None]  # fmt: skip
        if not queued:
            return "quit?", "no run waits in the queue now: quitting saves the runs first"
        count = f"{len(queued)} queued run{'s' * (len(queued) > 1)}"
        return (
            f"quit? {count} will not start",
            f"{', '.join(shown(run) for run in queued)}: never trained, so no file keeps "
            f"{'them' if len(queued) > 1 else 'it'}",
        )

    def _after_queue_question(self, quit_anyway: bool | None) -> None:
        self._asking = None
        if quit_anyway:
            self._queue_told = True
            self.app.call_later(self.quit)

    def _leave(self) -> None:
        self.notes = self._exit_notes()  # a save still writing at the question may be done now
        if self.real:  # the saves are over: a shutdown stuck past this is stuck for good
            exit_guard.disarm()
            exit_guard.arm(exit_guard.STUCK_AFTER_S)
        self.app.playground.close()
        if self.real and self.terminal_gone:
            exit_guard.leave_now(self.notes)
        self.app.exit(0)

    def _after_failed_autosave(self, choice: str | None) -> None:
        if choice == "quit":
            self._leave()
        elif choice == "retry":
            self.app.call_later(self.quit)
        elif choice == "save_as":
            self.save_as()

    async def _autosave(self) -> list[str]:
        """Save every run with unsaved progress, waiting while the saves advance; returns the
        errors (saves that failed or are stuck)."""
        playground = self.app.playground
        # ctrl+s then ctrl+q: let that save end rather than race it; an earlier attempt's save
        # still writing is waited for again, not repeated.
        still = [job for job in self._last if not job.done.is_set()]
        await _wait(still, busy=playground.saving)
        self._skipped = []
        skipped = playground.not_worth_saving()
        jobs = playground.autosave(self.app.main.prompt.text)
        if skipped:
            names = ", ".join(skipped)
            why = f"not saved, nothing learned (diverged before an epoch ended): {names}"
            self._skipped.append(f"rnnplay: {why}")
            self.app.notify(why, title="quitting", markup=False)
        if jobs:
            # Each run by name and the file it goes to: two runs once went to one file unseen.
            where = "\n".join(f"{label_now(job.label, job.trainer.lr)} to {job.path.name}"
                              for job in jobs)  # fmt: skip
            self.app.notify(f"saving unsaved runs:\n{where}", title="quitting", markup=False)
        self._written += jobs
        self._last = still + jobs
        self._stalled = await _wait(self._last)
        self.notes = self._exit_notes()
        errors = (_trouble(job, self._stalled) for job in self._last)
        return [e for e in errors if e is not None]

    def _exit_notes(self) -> list[str]:
        """Every file the autosave wrote, in any attempt, then what the last attempt left
        unsaved or unfinished, and the runs it left out."""
        # Each file by the run it holds, as the runs table named it: with several runs saved,
        # "-151613-2.rnnplay" alone did not say which.
        saved = {job.outcome.path: label_now(job.label, job.trainer.lr) for job in self._written
                 if job.outcome is not None and job.outcome.error is None}  # fmt: skip
        troubles = (_trouble(job, self._stalled) for job in self._last)
        return [
            *(f"rnnplay: {name} saved to {path}" for path, name in saved.items()),
            *(f"rnnplay: {e}" for e in troubles if e is not None),
            *self._skipped,
        ]


class _QueueQuestion(ChoiceScreen):
    """The question about queued runs, read from the core while it is open: a run may start
    between ctrl+q and the first frame (a dialog named #7 as queued beside a status line
    showing it training), and more start while it waits for an answer."""

    REFRESH_S = 0.25

    def __init__(self, words: Callable[[], tuple[str, str]]) -> None:
        super().__init__(*words(), [Choice("q", "quit anyway", True)])
        self._words = words

    def on_mount(self) -> None:
        self._refresh()
        self.set_interval(self.REFRESH_S, self._refresh)

    def _refresh(self) -> None:
        question, body = self._words()
        if (question, body) != (self.question, self.body):
            self.question, self.body = question, body
            self.query(Label).first().update(question)
            self.query_one("#choice-body", Static).update(body)


def _trouble(job: SaveJob, stalled: bool) -> str | None:
    """Why the job's file does not hold its run (None: it does)."""
    if job.outcome is not None:
        return None if job.outcome.error is None else f"autosave failed: {job.outcome.error}"
    step = "writing the file" if job.captured.is_set() else "waiting for the run's snapshot"
    if stalled:
        return f"autosave to {job.path} did not finish: no progress for {QUIT_STALL_S:g} s ({step})"
    return f"autosave to {job.path} did not finish within {QUIT_SAVE_CAP_S:g} s ({step})"


async def _wait(jobs: list[SaveJob], busy: Callable[[], bool] = lambda: False) -> bool:
    """Until every job is done (and `busy()` is False), as long as they advance: each snapshot
    taken or file written gives the others QUIT_STALL_S more, within QUIT_SAVE_CAP_S in all.
    Returns whether it gave up because nothing advanced (False: done, or out of time). Polls
    instead of blocking on the jobs' events, so the UI keeps drawing meanwhile."""
    started = moved = time.monotonic()
    steps = -1
    while busy() or any(not job.done.is_set() for job in jobs):
        now = time.monotonic()
        now_steps = sum(job.captured.is_set() + job.done.is_set() for job in jobs)
        if now_steps != steps:
            steps, moved = now_steps, now
        if now - moved > QUIT_STALL_S:
            return True
        if now - started > QUIT_SAVE_CAP_S:
            return False
        await asyncio.sleep(0.01)
    return False
