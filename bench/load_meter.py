"""How busy the shared machine is: other processes' CPU use per round, and the load average."""

from __future__ import annotations

import os
import time
from pathlib import Path


class LoadMeter:
    """CPU time used by other processes (and the hypervisor's steal) over an interval, in CPUs.

    /proc/stat counts busy time of the whole machine; subtracting this process's own CPU time
    leaves everyone else's. With 2 cores, a neighbour using one core halves what 2 threads get
    and makes every small multi-threaded op wait at its barrier, so such rounds are flagged.
    Resolution is one clock tick (10 ms) per CPU; NaN where /proc/stat is not available.
    """

    def __init__(self) -> None:
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.start()

    def _busy(self) -> float:
        try:
            with open("/proc/stat", encoding="ascii") as f:
                fields = [int(x) for x in f.readline().split()[1:9]]
        except (OSError, ValueError):
            return float("nan")
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields
        return (user + nice + system + irq + softirq + steal) / self._tick

    @staticmethod
    def _own() -> float:
        t = os.times()
        return t.user + t.system

    def start(self) -> None:
        self._t0, self._busy0, self._own0 = time.perf_counter(), self._busy(), self._own()

    def other_cpus(self) -> float:
        wall = time.perf_counter() - self._t0
        other = (self._busy() - self._busy0) - (self._own() - self._own0)
        return max(other, 0.0) / max(wall, 1e-9)


def wait_for_quiet(max_load: float, timeout: float) -> float:
    """Wait (up to timeout seconds) for a 1-second window with other load <= max_load."""
    meter = LoadMeter()
    deadline = time.monotonic() + timeout
    while True:
        meter.start()
        time.sleep(1.0)
        load = meter.other_cpus()
        if not load > max_load or time.monotonic() >= deadline:
            return load


def loadavg() -> str:
    """The 1-minute load average as text ('?' where /proc/loadavg is not available)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"
