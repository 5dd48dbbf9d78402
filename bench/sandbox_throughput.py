"""Isolated evaluations per second: the sandbox's pool against a fresh interpreter per job.

    .venv/bin/python bench/sandbox_throughput.py [--reps 5] [--jobs 600] [--fresh-jobs 60]

For a trivial and a numpy-heavy candidate, each repetition measures, one after the other in the
same run: the pool (SandboxPool, default size, every layer of isolation; the trivial candidate
runs in its plain executors, the numpy one in its numpy executors) running `--jobs`
(candidate, example) pairs, in calls of 20 examples as a fill would; then `python -I -c` started
once per job, with no isolation at all, `--fresh-jobs` jobs with as many in parallel as there are
cores; and, where bubblewrap is installed, the same inside `bwrap` (namespaces, nobody, a
read-only minimal root: the isolation a fresh-interpreter design would need). It prints the median
rate of each and the ratios: this machine is shared and noisy, so only figures from the same run
are compared.

It also prints the CPU time each way costs per job, all processes included (the pool: this
process, the executors, their PID 1s and every job's process; a fresh interpreter: this process
and the interpreters it starts), and their ratio. Rates move with the load of other work on the
machine, and not alike: the scheduler shares the cores between runnable processes, and the pool
runs more of them (4 executors per core's worth) than the two fresh interpreters at a time; CPU
time per job depends much less on it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox_alternatives import bubblewrap  # noqa: E402  (this folder is on sys.path)

from inlay.sandbox import Limits, SandboxPool  # noqa: E402

TRIVIAL = "def solve(a, b):\n    return a + b\n"
NUMPY_HEAVY = """\
import numpy as np

def solve(grid):
    a = np.array(grid)
    turned = [np.rot90(a, k) for k in range(4)]
    best = max(turned, key=lambda t: int((t * np.arange(t.shape[1])).sum()))
    values, counts = np.unique(best, return_counts=True)
    mask = best == values[np.argmax(counts)]
    return np.where(mask, 0, best) @ np.eye(best.shape[1], dtype=best.dtype)
"""
GRID = [[(3 * row + 5 * col) % 10 for col in range(30)] for row in range(30)]
CASES = {"trivial": (TRIVIAL, (2, 3)), "numpy-heavy": (NUMPY_HEAVY, (GRID,))}
BATCH = 20
LIMITS = Limits(wall_seconds=10, cpu_seconds=10)

# The fresh-interpreter baseline: read the job from stdin, run it, print the result as JSON.
FRESH = """\
import json, sys
job = json.load(sys.stdin)
module = {}
exec(compile(job["source"], "<candidate>", "exec"), module)
value = module["solve"](*job["args"])
print(json.dumps(value.tolist() if hasattr(value, "tolist") else value))
"""


def pool_rate(
    pool: SandboxPool, source: str, args: tuple[object, ...], jobs: int
) -> tuple[float, float]:
    """Jobs per second, and CPU seconds per job."""
    jobs = jobs // BATCH * BATCH
    cpu = _cpu_seconds(lambda: _executors_cpu_seconds(pool))
    started = time.perf_counter()
    for _ in range(jobs // BATCH):
        results = pool.run_examples(source, "solve", [(args, None)] * BATCH, LIMITS)
        assert all(r.status == "fail" for r in results), results[0]  # it returned a value
    return jobs / (time.perf_counter() - started), cpu() / jobs


def _executors_cpu_seconds(pool: SandboxPool) -> float:
    """CPU seconds of the pool's executors, their PID 1s and the jobs those have reaped."""
    ticks = 0
    for pid in pool.executor_pids():
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for each in [pid, *map(int, children)]:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _cpu_seconds(others: Callable[[], float]) -> Callable[[], float]:
    """A function returning the CPU seconds used since this call by this process and `others`."""

    def used() -> float:
        times = os.times()
        return times.user + times.system + times.children_user + times.children_system + others()

    before = used()
    return lambda: used() - before


def fresh_rate(
    source: str, args: tuple[object, ...], jobs: int, isolated: bool = False
) -> tuple[float, float]:
    """Jobs per second, and CPU seconds per job."""
    job = json.dumps({"source": source, "args": list(args)})
    command = [sys.executable, "-I", "-c", FRESH]
    if isolated:
        command = bubblewrap(command)

    def run_one(_: int) -> None:
        subprocess.run(
            command,
            input=job,
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OPENBLAS_NUM_THREADS": "1"},
        )

    cpu = _cpu_seconds(lambda: 0.0)
    started = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as threads:
        list(threads.map(run_one, range(jobs)))
    return jobs / (time.perf_counter() - started), cpu() / jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=600, help="jobs per repetition, pool")
    parser.add_argument("--fresh-jobs", type=int, default=60, help="jobs per repetition, fresh")
    parser.add_argument(
        "--executors", type=int, default=None, help="executors of each kind (default: 2/core)"
    )
    options = parser.parse_args()

    started = time.perf_counter()
    pool = SandboxPool(options.executors)
    print(
        f"pool: {pool.size} executors of each kind (plain, numpy), "
        f"started in {time.perf_counter() - started:.2f} s"
    )
    print(f"layers: {', '.join(pool.layers)}; {os.cpu_count()} cores")
    try:
        for name, (source, args) in CASES.items():
            pool_rate(pool, source, args, BATCH * 2)  # warm up
            pooled, fresh, boxed = [], [], []
            pooled_cpu, fresh_cpu = [], []
            for _ in range(options.reps):
                rate, cpu = pool_rate(pool, source, args, options.jobs)
                pooled.append(rate)
                pooled_cpu.append(cpu)
                rate, cpu = fresh_rate(source, args, options.fresh_jobs)
                fresh.append(rate)
                fresh_cpu.append(cpu)
                if shutil.which("bwrap"):
                    boxed.append(fresh_rate(source, args, options.fresh_jobs, isolated=True)[0])
            ratios = [p / f for p, f in zip(pooled, fresh, strict=True)]
            cpu_ratios = [f / p for p, f in zip(pooled_cpu, fresh_cpu, strict=True)]
            print(
                f"{name:12} pool {statistics.median(pooled):6.1f}/s "
                f"({min(pooled):.0f}-{max(pooled):.0f}); "
                f"fresh python -c {statistics.median(fresh):5.1f}/s, "
                f"ratio {statistics.median(ratios):4.1f}x "
                f"({min(ratios):.1f}-{max(ratios):.1f}x)"
            )
            print(
                f"{'':12} CPU per job: pool {1e3 * statistics.median(pooled_cpu):5.2f} ms, "
                f"fresh python -c {1e3 * statistics.median(fresh_cpu):5.1f} ms, "
                f"ratio {statistics.median(cpu_ratios):4.1f}x "
                f"({min(cpu_ratios):.1f}-{max(cpu_ratios):.1f}x)"
            )
            if boxed:
                boxed_ratios = [p / b for p, b in zip(pooled, boxed, strict=True)]
                print(
                    f"{'':12} fresh python -c in bwrap {statistics.median(boxed):5.1f}/s, "
                    f"ratio {statistics.median(boxed_ratios):4.1f}x "
                    f"({min(boxed_ratios):.1f}-{max(boxed_ratios):.1f}x)"
                )
        print(f"medians of {options.reps} repetitions; ranges in parentheses")
    finally:
        pool.close()


if __name__ == "__main__":
    main()
