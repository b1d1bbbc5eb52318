"""Controlling a training loop from other threads: pause, resume, stop, and commands run between
batches.

Any thread may call these; the loop's thread carries them out at its next batch boundary
(`between_batches`), so a UI never touches the model mid-step. Changes of the learning rate or
the epoch target travel as commands too, which is why a changed lr is used from the next batch
on and never for half of one.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
from collections.abc import Callable, Iterator

import torch


class Controls:
    def __init__(self) -> None:
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._resume = threading.Event()
        self._resume.set()
        self._stop = threading.Event()
        self._running = threading.Lock()  # held by the loop's thread while it trains
        # Called by the loop's thread before each batch: work a person waits for on another
        # thread (a keystroke's completions, engine.playground wires it) has the CPU first.
        self.give_way: Callable[[], None] | None = None

    # -- any thread ---------------------------------------------------------------------------
    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def stop(self) -> None:
        self._stop.set()
        self._resume.set()  # a paused loop wakes up to see the stop

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def call_soon(self, command: Callable[[], None]) -> None:
        """Run command on the loop's thread between batches, or here and now if no loop runs."""
        self._commands.put(command)
        self._drain_unless_running()

    def _drain_unless_running(self) -> None:
        # Whoever holds the lock drains the queue; whoever releases it looks once more. A
        # command put while the loop was between its last drain and its release is then run by
        # the loop itself (it finds the queue non-empty after releasing) or by the caller (who
        # finds the lock free), never left in the queue.
        while not self._commands.empty() and self._running.acquire(blocking=False):
            try:
                self.drain()
            finally:
                self._running.release()

    # -- the loop's thread --------------------------------------------------------------------
    @contextlib.contextmanager
    def running(self, *, fresh: bool = False) -> Iterator[None]:
        """Hold the loop's place while training; fresh: a new run, so an old stop is forgotten."""
        with self._running:
            if fresh:
                self._stop.clear()
            yield
        self._drain_unless_running()

    def drain(self) -> None:
        """Run the queued commands (only while holding `running`)."""
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            command()

    def between_batches(self, paused: Callable[[], None], resumed: Callable[[], None]) -> bool:
        """Run queued commands; when paused, call paused(), wait (still running the commands
        that arrive) and call resumed() unless stopped. True: train the next batch."""
        if self.give_way is not None:
            self.give_way()
        self.drain()
        if not self._resume.is_set():
            paused()
            while not self._resume.wait(0.05):
                self.drain()
            self.drain()
            if not self.stopped:
                resumed()
        return not self.stopped


def check_lr(lr: float) -> float:
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"learning rate must be a positive number, not {lr}")
    return lr


def write_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """The one place a changed learning rate reaches the optimizer (a queued command, a restore)."""
    for group in optimizer.param_groups:
        group["lr"] = lr
