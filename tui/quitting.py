"""Leaving the app without losing training: every unsaved run is saved within a time budget
first; if that fails, the user chooses (retry, save elsewhere, quit anyway, stay). SIGTERM and
SIGHUP quit the same way, asking nothing: no one is there to answer.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui import exit_guard
from tui.host import Host
from tui.screens.autosave_failed import AutosaveFailedScreen

# Types only: the app draws its first frame before torch (and the engine) has loaded.
if TYPE_CHECKING:
    from engine.playground import SaveJob

# Quit must end within 2 s even while training: the autosave gets this long, then the app
# leaves anyway (save threads are daemons; an unfinished write leaves any old file intact).
QUIT_SAVE_BUDGET_S = 1.2


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
        self._failures: list[str] = []  # the notes of the last autosave's errors

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
        self.busy = True
        if self.real:
            exit_guard.arm(QUIT_SAVE_BUDGET_S + exit_guard.STUCK_AFTER_S)
        failed = await self._autosave()
        if failed and not self.by_signal:
            exit_guard.disarm()
            self.busy = False
            self.app.push_screen(AutosaveFailedScreen(failed), self._after_failed_autosave)
            return
        self._leave()

    def _leave(self) -> None:
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
        """Save every run with unsaved progress, within the budget; returns the errors."""
        playground = self.app.playground
        deadline = time.monotonic() + QUIT_SAVE_BUDGET_S
        # An earlier attempt's errors are not this one's: after "save elsewhere" succeeded the
        # launcher printed "autosave failed" for a run that was saved.
        self.notes = [note for note in self.notes if note not in self._failures]
        while playground.saving() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # ctrl+s then ctrl+q: let that save end rather than race it
        skipped = playground.not_worth_saving()
        jobs = playground.autosave(self.app.main.prompt.text)
        if skipped:
            names = ", ".join(skipped)
            why = f"not saved, nothing learned (diverged before an epoch ended): {names}"
            self.notes.append(f"rnnplay: {why}")
            self.app.notify(why, title="quitting", markup=False)
        if jobs:
            self.app.notify("saving unsaved runs...", title="quitting")
        await _wait(jobs, deadline)
        errors = []
        for job in jobs:
            if job.outcome is None:
                errors.append(f"autosave to {job.path} did not finish in time")
            elif job.outcome.error is not None:
                errors.append(f"autosave failed: {job.outcome.error}")
            else:
                self.notes.append(f"rnnplay: session saved to {job.outcome.path}")
        self._failures = [f"rnnplay: {e}" for e in errors]
        self.notes.extend(self._failures)
        return errors


async def _wait(jobs: list[SaveJob], deadline: float) -> None:
    # Polls instead of blocking on the jobs' events, so the UI keeps drawing meanwhile.
    while any(not job.done.is_set() for job in jobs) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
