"""Weights published by the trainer for readers on other threads (the prompt, a save).

A reader never sees the live model: between batches the trainer puts a CPU copy here under a
lock, so a reader can never observe a half-applied optimizer step. Published dicts are never
mutated afterwards, so a reader may keep one without copying it. The trainer forces a copy at
each epoch's end; the throttled ones between batches are skipped until someone has read.
"""

from __future__ import annotations

import threading
import time

import torch
from torch import nn


class SnapshotBox:
    def __init__(self, min_interval: float = 0.5) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._state: dict[str, torch.Tensor] = {}
        self._last = 0.0
        self.min_interval = min_interval  # seconds between throttled publications
        self._read = False  # set by the first latest(): mid-epoch copies are for readers only

    def publish(self, model: nn.Module, force: bool = False) -> None:
        now = time.monotonic()
        if not force and (not self._read or now - self._last < self.min_interval):
            return
        state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        with self._lock:
            self._version += 1
            self._state = state
            self._last = now

    def latest(self) -> tuple[int, dict[str, torch.Tensor]]:
        with self._lock:
            self._read = True
            return self._version, self._state
