"""The machine's cores shared between the runs that train at once: torch's intra-op threads are
split between them, so two runs on two cores each get one thread instead of both asking for two
and thrashing.

torch.set_num_threads is per thread here (ATen's OpenMP backend: measured with torch 2.13 on
Linux, where it sets the calling thread's OpenMP team size and MKL's thread-local count): a
thread that set its own count keeps it whatever another thread sets later. It also sets the
default that threads which have not run a parallel op yet start with, which only ever lowers
the threads a new reader (the prompt's thread) uses. So each run sets its own share on its own
thread, before its first batch and whenever its share changes (between batches).

A run whose config pins `threads` keeps that count: a run's numbers depend on its thread count
(the order of a matrix product's sums), and pinning it is how its numbers stay the same to the
last digit whatever trains beside it. Runs that leave it to the playground get their share,
which moves as runs start, pause and end.
"""

from __future__ import annotations

import torch

from engine.playground.registry import Registry
from engine.training.events import RunState
from engine.training.probes import Probe, TrainedBatch
from engine.training.trainer import Trainer


class CoreShare:
    def __init__(self, registry: Registry, budget: int) -> None:
        self._registry = registry
        self.budget = max(1, budget)  # intra-op threads for all the runs that train, together

    def threads_for(self, trainer: Trainer) -> int:
        """The intra-op threads a run training with `trainer` should use now."""
        if trainer.config.threads:
            return trainer.config.threads
        with self._registry.lock:
            running = sum(r.state == RunState.RUNNING for r in self._registry.runs.values())
        return max(1, self.budget // max(1, running))

    def follower(self, trainer: Trainer) -> ThreadsFollower:
        """Set the run's share on the calling thread (its trainer thread), and keep it there."""
        follower = next((p for p in trainer.probes if isinstance(p, ThreadsFollower)), None)
        if follower is None:
            follower = ThreadsFollower(self)
            trainer.probes.append(follower)
        follower.apply(trainer)
        return follower


class ThreadsFollower(Probe):
    """Between batches, on the trainer's thread: follow the run's share of the cores. It reads
    no tensor and draws no random number, so it changes none of the run's numbers."""

    def __init__(self, share: CoreShare) -> None:
        self._share = share
        self.threads = 0  # what this run's thread was last set to

    def apply(self, trainer: Trainer) -> None:
        wanted = self._share.threads_for(trainer)
        if wanted != self.threads or torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)
            self.threads = wanted

    def on_batch_end(self, trainer: Trainer, batch: TrainedBatch) -> None:
        if self._share.threads_for(trainer) != self.threads:
            self.apply(trainer)
