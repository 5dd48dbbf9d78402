"""How many threads the local model decodes with: as many as the cores other processes leave.

llama.cpp's decoding is fastest with every core on a quiet machine and slowest with every core
on a busy one: its threads wait for each other at every step, so one thread held back by another
process holds all of them back. Measured on 2 cores (bench/local_threads.py, 2026-12-03): 14.3
tokens/s with one thread and 24.3 with two on a quiet machine; with another process spinning on
one core, 13.2 with one thread and 8.4 (down to 1.6 in a second run) with two. No fixed count is
right for both, so before each generation the backend looks at how busy the other processes kept
the cores it may use over a short moment, and takes the cores they leave.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

# How long the cores are watched before a generation: /proc/stat counts in 1/100 s, so this is
# ten ticks a core, enough to tell a busy core from an idle one. It costs that much a sample.
PROBE_SECONDS = 0.1
# A decision is kept this long, so that the samples of one hole in a row do not each pay for it.
KEEP_SECONDS = 5.0
# Other processes taking this much of a core (or more) count as holding it.
HELD = 0.3


@dataclass(frozen=True)
class CpuTimes:
    """Busy and total time of some CPUs, in ticks, and this process's own CPU time in seconds."""

    busy: int
    total: int
    own_seconds: float


def read_times(cpus: set[int], stat: str = "/proc/stat") -> CpuTimes | None:
    """The CPUs' times from /proc/stat; None where it cannot be read (not Linux)."""
    busy = total = 0
    try:
        with open(stat, encoding="ascii") as lines:
            for line in lines:
                name, *fields = line.split()
                if not name.startswith("cpu") or name == "cpu":
                    continue
                if not name[3:].isdigit() or int(name[3:]) not in cpus:
                    continue
                ticks = [int(field) for field in fields[:8]]
                idle = ticks[3] + ticks[4]  # idle and iowait
                busy += sum(ticks) - idle
                total += sum(ticks)
    except (OSError, ValueError, IndexError):
        return None
    times = os.times()
    return CpuTimes(busy, total, times.user + times.system)


def others_busy(before: CpuTimes, after: CpuTimes, cores: int) -> float:
    """How many of the cores other processes kept busy between two readings (0 to `cores`)."""
    total = after.total - before.total
    if total <= 0:
        return 0.0
    tick = (after.own_seconds - before.own_seconds) * os.sysconf("SC_CLK_TCK")
    share = max(0.0, (after.busy - before.busy - tick) / total)
    return min(float(cores), share * cores)


def threads_for(cores: int, busy: float) -> int:
    """The threads to decode with on `cores` cores of which others keep `busy` busy."""
    held = math.floor(busy + (1 - HELD))  # a core counts as held from HELD of it
    return max(1, cores - held)


class ThreadChooser:
    """Chooses the thread count for each generation (see the module's docstring)."""

    def __init__(
        self,
        cpus: set[int] | None = None,
        read: Callable[[set[int]], CpuTimes | None] = read_times,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cpus = cpus if cpus is not None else set(os.sched_getaffinity(0))
        self._read, self._sleep, self._clock = read, sleep, clock
        self._chosen: tuple[float, int] | None = None

    def threads(self) -> int:
        cores = len(self.cpus)
        if cores == 1:
            return 1
        now = self._clock()
        if self._chosen is not None and now - self._chosen[0] < KEEP_SECONDS:
            return self._chosen[1]
        before = self._read(self.cpus)
        self._sleep(PROBE_SECONDS)
        after = self._read(self.cpus)
        if before is None or after is None:
            chosen = max(1, cores - 1)  # nothing to go by: what holds up on a busy machine
        else:
            chosen = threads_for(cores, others_busy(before, after, cores))
        self._chosen = (self._clock(), chosen)
        return chosen
