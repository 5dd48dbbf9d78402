"""The pool: executors that die are replaced, and no job is silently dropped."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from inlay.sandbox import ExampleResult, Limits, SandboxPool
from inlay.sandbox.pool import job_kind
from inlay.sandbox.protocol import encode_message
from inlay.sandbox.results import make_job

SLEEP = "import time\ndef solve():\n    time.sleep(30)\n"
NEXT = "def solve(x):\n    return x + 1\n"


@pytest.fixture
def pool() -> Iterator[SandboxPool]:
    pool = SandboxPool(size=1)
    yield pool
    pool.close()


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def wait_for_job_process(executor: int) -> None:
    """Until the executor's PID 1 has forked a process for the job (executor > PID 1 > job)."""
    while True:
        for init in children(executor):
            if children(init):
                return
        time.sleep(0.01)


def test_an_executor_killed_during_a_job_fails_that_job_and_is_replaced(
    pool: SandboxPool,
) -> None:
    [executor] = pool.executor_pids("plain")
    results: list[ExampleResult] = []
    job = threading.Thread(
        target=lambda: results.extend(
            pool.run_examples(SLEEP, "solve", [((), None)], Limits(wall_seconds=20))
        )
    )
    job.start()
    wait_for_job_process(executor)
    os.kill(executor, signal.SIGKILL)
    job.join()

    [result] = results
    assert result.status == "crash"
    assert result.error == (
        "The sandbox's executor stopped during the run: it was killed by SIGKILL. It was replaced."
    )
    [replacement] = pool.executor_pids("plain")
    assert replacement != executor
    [after] = pool.run_examples(NEXT, "solve", [((1,), 2)])
    assert after.status == "pass"


def test_every_example_gets_a_result_in_order_when_an_executor_dies(pool: SandboxPool) -> None:
    source = """\
import os, time
def solve(x):
    if x == 1:
        time.sleep(30)
    return x
"""
    [executor] = pool.executor_pids("plain")
    results: list[ExampleResult] = []
    examples = [((x,), x) for x in range(4)]
    job = threading.Thread(
        target=lambda: results.extend(
            pool.run_examples(source, "solve", examples, Limits(wall_seconds=20))
        )
    )
    job.start()
    while not (Path(f"/proc/{executor}").exists() and _sleeping_job(executor)):
        time.sleep(0.01)
    os.kill(executor, signal.SIGKILL)
    job.join()

    assert [r.status for r in results] == ["pass", "crash", "pass", "pass"]
    assert [r.output for r in results] == [0, None, 2, 3]


def _sleeping_job(executor: int) -> bool:
    """Whether the executor is running a job that has slept for a while (the one for x == 1)."""
    for init in children(executor):
        for job in children(init):
            stat = Path(f"/proc/{job}/stat").read_text().rsplit(")", 1)[1].split()
            if stat[0] == "S":
                return True
    return False


def test_a_pool_runs_examples_across_its_executors() -> None:
    pool = SandboxPool(size=2)
    try:
        source = "import os\ndef solve(x):\n    return x * 2\n"
        results = pool.run_examples(source, "solve", [((x,), 2 * x) for x in range(20)])
        assert [r.status for r in results] == ["pass"] * 20
        assert len(pool.executor_pids("plain")) == 2
    finally:
        pool.close()


def kind(source: str, *args: object) -> str:
    return job_kind(encode_message(make_job(source, "solve", args, Limits())))


def test_jobs_that_may_use_numpy_random_or_statistics_go_to_numpy_executors() -> None:
    assert kind(NEXT, 1) == "plain"
    assert kind("import random\ndef solve(x):\n    return random.choice(x)\n", [1]) == "numpy"
    assert kind("from statistics import mode\ndef solve(x):\n    return mode(x)\n", [1]) == "numpy"
    assert kind("def solve(x):\n    return sorted(x)\n", [3, 1, "numpy?"]) == "numpy"
    assert kind("import numpy as np\ndef solve(x):\n    return np.sum(x)\n", [1]) == "numpy"
    assert kind("from numpy import sum\ndef solve(x):\n    return sum(x)\n", [1]) == "numpy"
    assert kind(NEXT, np.arange(3)) == "numpy"
    assert kind(NEXT, [(1, np.int64(2))]) == "numpy"


def test_plain_executors_hold_no_numpy_and_a_job_can_still_import_it(pool: SandboxPool) -> None:
    source = """\
import sys
def solve():
    preloaded = [name in sys.modules for name in ("nu" + "mpy", "ran" + "dom", "stat" + "istics")]
    return preloaded, int(__import__("nu" + "mpy").arange(4).sum())
"""
    [plain] = pool.run_examples(source, "solve", [((), ([False, False, False], 6))])
    numpy = """\
import numpy, sys
def solve():
    return [name in sys.modules for name in ("numpy", "random", "statistics")]
"""
    [preloaded] = pool.run_examples(numpy, "solve", [((), [True, True, True])])

    assert (plain.status, preloaded.status) == ("pass", "pass")
    assert len(pool.executor_pids("plain")) == len(pool.executor_pids("numpy")) == 1
