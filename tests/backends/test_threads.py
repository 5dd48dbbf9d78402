"""The local model's thread count: the cores other processes leave, seen before a generation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inlay.synthesis.backends.threads import (
    KEEP_SECONDS,
    CpuTimes,
    ThreadChooser,
    others_busy,
    read_times,
    threads_for,
)

STAT = """cpu  300 0 100 1000 0 0 0 0 0 0
cpu0 100 0 50 500 0 0 0 0 0 0
cpu1 200 0 50 500 10 0 0 0 0 0
intr 12345
"""


@pytest.mark.parametrize(
    ("cores", "busy", "threads"),
    [(2, 0.0, 2), (2, 0.2, 2), (2, 0.4, 1), (2, 1.0, 1), (2, 2.0, 1), (4, 1.0, 3), (1, 0.0, 1)],
)
def test_the_threads_are_the_cores_other_processes_leave(cores: int, busy: float, threads: int):
    assert threads_for(cores, busy) == threads


def test_the_times_are_read_for_the_cpus_this_process_may_use(tmp_path: Path):
    stat = tmp_path / "stat"
    stat.write_text(STAT)

    only_second = read_times({1}, str(stat))

    assert only_second is not None
    assert (only_second.busy, only_second.total) == (250, 760)  # idle and iowait are not busy
    both = read_times({0, 1}, str(stat))
    assert both is not None and (both.busy, both.total) == (400, 1410)
    assert read_times({0}, str(tmp_path / "missing")) is None


def test_this_processes_own_time_is_not_counted_as_others():
    tick = 1 / os.sysconf("SC_CLK_TCK")
    before = CpuTimes(busy=0, total=0, own_seconds=0.0)
    # Of 200 ticks on 2 cores, 100 busy, of which this process's own 100 ticks.
    after = CpuTimes(busy=100, total=200, own_seconds=100 * tick)
    assert others_busy(before, after, 2) == pytest.approx(0.0)
    after = CpuTimes(busy=100, total=200, own_seconds=0.0)
    assert others_busy(before, after, 2) == pytest.approx(1.0)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_choice_is_kept_for_a_moment_then_made_again():
    readings = iter(
        [
            CpuTimes(0, 0, 0.0),
            CpuTimes(0, 200, 0.0),  # quiet: both cores
            CpuTimes(0, 200, 0.0),
            CpuTimes(100, 400, 0.0),  # another process on one core
        ]
    )
    clock = _Clock()
    chooser = ThreadChooser(
        {0, 1}, read=lambda cpus: next(readings), sleep=lambda s: None, clock=clock
    )

    assert chooser.threads() == 2
    clock.now += KEEP_SECONDS / 2
    assert chooser.threads() == 2  # not looked at again
    clock.now += KEEP_SECONDS
    assert chooser.threads() == 1


def test_without_proc_stat_it_leaves_a_core_free():
    chooser = ThreadChooser({0, 1}, read=lambda cpus: None, sleep=lambda s: None)
    assert chooser.threads() == 1


def test_a_core_another_process_keeps_busy_is_left_to_it(a_busy_core: int):
    chooser = ThreadChooser()
    # The spinner may take a moment to start: look until it shows (each look is 0.1 s).
    for _ in range(20):
        chooser = ThreadChooser()
        if chooser.threads() < len(chooser.cpus):
            break
    assert chooser.threads() == len(chooser.cpus) - 1
