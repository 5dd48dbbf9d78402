"""The worker's side of the sandbox: a pool of warm executors, and run_examples.

    results = run_examples(source, "solve", [((grid,), expected_grid)], Limits(wall_seconds=2))

A SandboxPool starts `size` executor processes (executor.py; two per core by default) of each of
two kinds, each started as a fresh `python -I`, never forked from the worker, whose memory may
hold a model: "numpy" executors preload all the modules asked for, "plain" ones all but numpy,
random and statistics, and so fork and run a job faster. A job goes to a plain executor unless it
may use one of those three (see job_kind), to whichever of that kind is idle,
from a thread per executor, so the examples of one call run in parallel. An executor that dies
or stops answering is killed and replaced by a new one of its kind; the job it was running ends
as a "crash" result that says so. run_examples uses one default pool per process, started on
first use.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from inlay.sandbox.executor import PRELOAD
from inlay.sandbox.isolation import Limits, SandboxUnavailable, refuse_or_allow_unsafe
from inlay.sandbox.protocol import ProtocolError, encode_message, read_message, write_encoded
from inlay.sandbox.results import ExampleResult, crashed, interpret, make_job

DEFAULT_LIMITS = Limits()
_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding the `apps` package
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from inlay.sandbox.executor import main; main()"
)
_START_SECONDS = 60.0  # an executor's start-up: an interpreter and numpy, on a busy machine
_GRACE_SECONDS = 5.0  # past a job's wall-clock limit, before the executor itself is given up
_HELLO_LIMIT = 2**16
_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    # One thread each: numerical libraries otherwise start one per core, each reserving memory
    # against RLIMIT_AS.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class ExecutorDied(Exception):
    """An executor ended, broke the protocol or stopped answering; the message says which."""


class Executor:
    """One executor process and the pipes to it. Not thread-safe: the pool hands it to one
    thread at a time."""

    def __init__(self, isolate: bool, preload: Sequence[str]) -> None:
        config = json.dumps({"isolate": isolate, "preload": list(preload), "seccomp": _seccomp()})
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT, _ROOT, config],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_ENVIRONMENT,
            cwd="/",
            bufsize=0,
            start_new_session=True,  # a Ctrl-C at the terminal is for the worker, not for this
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in, self._out = self.process.stdin.fileno(), self.process.stdout.fileno()
        try:
            hello = self._receive(_START_SECONDS, _HELLO_LIMIT)
        except ExecutorDied as died:
            self.close()
            raise SandboxUnavailable(f"The sandbox's executor failed to start: {died}") from None
        self.unavailable: str | None = hello.get("unavailable")
        self.layers: list[str] = hello.get("ready", {}).get("layers", [])

    @property
    def pid(self) -> int:
        return self.process.pid

    def run(self, job: bytes, limits: Limits) -> dict[str, Any]:
        """Run one job (an encoded message); its reply. ExecutorDied if none came in time (the
        wall-clock limit and a grace period)."""
        try:
            write_encoded(self._in, job)
        except OSError as exc:  # BrokenPipeError: it had already ended
            raise ExecutorDied(self._ending(f"could not take the job: {exc}")) from None
        # The output and the response, base64-encoded, and some room for the rest.
        size = 4 * (2 * limits.output_bytes + 2**16) // 3 + 2**16
        return self._receive(limits.wall_seconds + _GRACE_SECONDS, size)

    def _receive(self, seconds: float, size: int) -> dict[str, Any]:
        ready, _, _ = select.select([self._out], [], [], seconds)
        if not ready:
            self._kill()
            raise ExecutorDied(f"it did not answer within {seconds:.1f} s and was stopped")
        try:
            return read_message(self._out, size)
        except (ProtocolError, OSError) as exc:
            raise ExecutorDied(self._ending(str(exc))) from None

    def _ending(self, what: str) -> str:
        """Why the executor is gone, after `what` showed it."""
        self._kill()
        code = self.process.wait()
        if code < 0:
            return f"it was killed by {signal.Signals(-code).name}"
        return f"it exited with status {code} ({what})"

    def _kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def close(self) -> None:
        """End the executor: closing its input ends its loop; a kill if it does not listen."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._kill()
            self.process.wait()
        self.process.stdout.close()


@functools.cache
def _seccomp() -> dict[str, Any]:
    """The seccomp filters for this machine's executors (seccomp.for_executor), compiled once per
    process, or why there are none."""
    try:
        from inlay.sandbox import seccomp
    except RuntimeError as exc:  # pyseccomp's, on import, where libseccomp.so.2 is missing
        return {"unavailable": f"the seccomp filters need libseccomp (Debian's libseccomp2): {exc}"}
    return seccomp.for_executor()


# What plain executors leave out of their preload: modules that cost every job's process more than
# the few jobs that use them would pay to import them. numpy's memory makes each fork dearer;
# random registers a handler that reseeds it in every forked process (some 45 pages copied per
# job), and statistics imports random.
LEFT_OUT_OF_PLAIN = ("numpy", "random", "statistics")
_LEFT_OUT_NAMES = tuple(name.encode() for name in LEFT_OUT_OF_PLAIN)


def job_kind(job: bytes) -> str:
    """The kind of executor for an encoded job: "numpy" if the job may use a module plain
    executors leave out (LEFT_OUT_OF_PLAIN: numpy, random, statistics), else "plain".

    A plain substring test, conservative: one of those names anywhere in the message (the source,
    the entry, the arguments: the codec tags numpy scalars "numpy" and arrays "ndarray") sends it
    to numpy executors. Only speed depends on it: both kinds isolate alike, and a job that
    reaches such a module unseen in a plain executor (`__import__("nu" + "mpy")`, a library that
    uses it) imports it itself.
    """
    if b'"ndarray"' in job or any(name in job for name in _LEFT_OUT_NAMES):
        return "numpy"
    return "plain"


class SandboxPool:
    """Warm executors serving jobs from threads. Raises SandboxUnavailable on start-up if this
    machine cannot isolate candidates (see isolation.refuse_or_allow_unsafe)."""

    def __init__(self, size: int | None = None, preload: Sequence[str] = PRELOAD) -> None:
        # Twice the cores: while an executor waits for the worker's next job, another keeps the
        # core busy (measured in bench/sandbox_throughput.py).
        self.size = size or 2 * (os.cpu_count() or 1)
        self.pid = os.getpid()  # a forked copy of the pool must not share its pipes
        # Forking a process that holds numpy costs most of a trivial job (docs/sandbox.md).
        self._preloads = {"plain": tuple(preload)}
        if "numpy" in preload:
            self._preloads["plain"] = tuple(m for m in preload if m not in LEFT_OUT_OF_PLAIN)
            self._preloads["numpy"] = tuple(preload)
        self._isolate = True
        self.layers: list[str] = []  # the isolation in force, as the executors report it
        self._idle: dict[str, queue.SimpleQueue[Executor | None]] = {
            kind: queue.SimpleQueue() for kind in self._preloads
        }
        try:
            for kind, idle in self._idle.items():
                for _ in range(self.size):
                    idle.put(self._start(kind))
        except BaseException:
            self._close_executors()
            raise
        self._threads = ThreadPoolExecutor(
            self.size * len(self._idle), thread_name_prefix="sandbox"
        )

    def _start(self, kind: str) -> Executor:
        executor = Executor(self._isolate, self._preloads[kind])
        if executor.unavailable is not None:
            executor.close()
            refuse_or_allow_unsafe(executor.unavailable)
            self._isolate = False
            executor = Executor(False, self._preloads[kind])
        self.layers = executor.layers
        return executor

    def run_examples(
        self,
        source: str,
        entry: str,
        examples: Sequence[tuple[Sequence[object], object]],
        limits: Limits = DEFAULT_LIMITS,
    ) -> list[ExampleResult]:
        """Run `entry(*args)` from the module `source` once per (args, expected) example, in
        parallel across the executors; the results in the examples' order.

        Never raises for anything the program does. TypeError or ValueError for bad arguments
        (EncodeError: arguments the codec cannot carry).
        """
        if not isinstance(source, str):
            raise TypeError(f"source must be a str, not {type(source).__name__}")
        if not isinstance(entry, str) or not entry.isidentifier():
            raise ValueError(f"entry must be a function name, not {entry!r}")
        jobs = [
            (encode_message(make_job(source, entry, args, limits)), expected)
            for args, expected in examples
        ]
        futures = [self._threads.submit(self._run, job, expected, limits) for job, expected in jobs]
        return [future.result() for future in futures]

    def _run(self, job: bytes, expected: object, limits: Limits) -> ExampleResult:
        kind = job_kind(job) if "numpy" in self._idle else "plain"
        idle = self._idle[kind]
        executor = idle.get()
        try:
            if executor is None:  # its predecessor died and no replacement could start then
                executor = self._start(kind)
            reply = executor.run(job, limits)
        except ExecutorDied as died:
            executor = self._replace(executor, kind)
            error = f"The sandbox's executor stopped during the run: {died}. It was replaced."
            return crashed(expected, error)
        finally:
            idle.put(executor)
        return interpret(reply, expected, limits)

    def _replace(self, executor: Executor | None, kind: str) -> Executor | None:
        if executor is not None:
            executor.close()
        try:
            return self._start(kind)
        except SandboxUnavailable:
            return None  # the next job tries again, and reports the reason if it fails too

    def executor_pids(self, kind: str | None = None) -> list[int]:
        """The process ids of the idle executors of `kind` ("plain", "numpy"; None: both, plain
        first): for tests and diagnostics."""
        pids = []
        for each, idle in self._idle.items():
            executors = []
            while True:
                try:
                    executors.append(idle.get_nowait())
                except queue.Empty:
                    break
            for executor in executors:
                idle.put(executor)
            if kind in (None, each):
                pids += [executor.pid for executor in executors if executor is not None]
        return pids

    def close(self) -> None:
        self._threads.shutdown()
        self._close_executors()

    def _close_executors(self) -> None:
        for idle in self._idle.values():
            while True:
                try:
                    executor = idle.get_nowait()
                except queue.Empty:
                    break
                if executor is not None:
                    executor.close()


_default: SandboxPool | None = None
_default_lock = threading.Lock()


def default_pool() -> SandboxPool:
    """The process's pool, started on first use (again in a forked child: pipes are not shared)."""
    global _default
    with _default_lock:
        if _default is None or _default.pid != os.getpid():
            _default = SandboxPool()
            atexit.register(_default.close)
        return _default


def run_examples(
    source: str,
    entry: str,
    examples: Sequence[tuple[Sequence[object], object]],
    limits: Limits = DEFAULT_LIMITS,
) -> list[ExampleResult]:
    """Run `entry(*args)` from `source` on each example, in the default pool (see
    SandboxPool.run_examples). Raises SandboxUnavailable when this machine cannot isolate it."""
    return default_pool().run_examples(source, entry, examples, limits)
