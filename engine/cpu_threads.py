"""Which CPU threads run which part of a training step.

A recurrence is a chain of small products, (B, H) @ (H, G*H) per step, each waiting for the one
before. Split across threads, every step pays a fork/join and moves the half of H_t that the
other core wrote into this core's cache, which costs more than the halved arithmetic saves:
on a 2-core machine the book's 35-step chain ran 2.6 ms on one thread and 3.4-7.3 ms on two.
So the chains run on one thread, and the core that frees up can take an independent product
(`Sidekick`), while the big (N, H) @ (H, V) products keep every thread.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import torch

T = TypeVar("T")


@contextlib.contextmanager
def one_thread(device: torch.device) -> Iterator[bool]:
    """Run torch's CPU ops on one intra-op thread inside the block (nothing changes on CUDA).

    Yields whether that freed a thread, which a `Sidekick` may then use.
    """
    threads = torch.get_num_threads()
    if device.type != "cpu" or threads == 1:
        yield False
        return
    torch.set_num_threads(1)
    try:
        yield True
    finally:
        torch.set_num_threads(threads)


class Sidekick:
    """One worker thread with one intra-op thread, for a product that can run beside a chain.

    `start(fn, beside)` runs fn there when `beside` (what `one_thread` yielded: a thread is
    free), else at once on the caller's thread. Either way fn runs on one intra-op thread, so
    the result has the same bits wherever it ran.
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self, fn: Callable[[], T], beside: bool) -> Future[T]:
        if not beside:
            done: Future[T] = Future()
            done.set_result(fn())
            return done
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, "rnnplay-sidekick", _one_intra_op_thread)
        return self._pool.submit(_no_grad, fn)


def _one_intra_op_thread() -> None:
    torch.set_num_threads(1)


def _no_grad(fn: Callable[[], T]) -> T:
    with torch.no_grad():
        return fn()


SIDEKICK = Sidekick()
