"""An executor: a process that the worker's pool (pool.py) starts once, that isolates itself, and
that then runs jobs, one at a time, each in a fresh process forked from it.

    python -I -c 'from inlay.sandbox.executor import main; main()' CONFIG_JSON

It preloads the modules the pool names (common ones, and numpy in the pool's numpy executors: see
pool.job_kind), enters its namespaces (confine.py), and forks the process that will be PID 1
there; that one builds the sandbox's root filesystem, becomes nobody, says {"ready": ...} on
stdout, and serves: read a job from stdin, fork, let the child run it (child.py) under the job's
rlimits and the seccomp filter, wait up to the wall-clock limit, kill everything else in the
namespace, empty the job folder, and reply with what happened. A fork is a copy: nothing a
candidate changes in its process (builtins, modules, globals) reaches the next.

Its configuration also carries what libseccomp made for this machine in the worker: the two
filters' programs and the number of pivot_root() (seccomp.for_executor); an executor does not load
libseccomp itself (seccomp.py says why).

Where isolation is impossible it says {"unavailable": reason} and ends, unless the configuration
says "isolate": false (INLAY_SANDBOX=unsafe): then it serves without namespaces, from a private
folder in the host's /tmp.
"""

from __future__ import annotations

import base64
import contextlib
import gc
import importlib
import json
import os
import resource
import select
import signal
import sys
import time
from typing import Any, NoReturn

from inlay.sandbox import child, confine, seccomp_install
from inlay.sandbox.protocol import ProtocolError, read_message, write_message

# What a sketch usually imports: loaded once here, shared by every forked job for free. The pool's
# plain executors get all but numpy (pool.job_kind).
PRELOAD = (
    "numpy",
    "bisect",
    "collections",
    "copy",
    "dataclasses",
    "fractions",
    "functools",
    "heapq",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "typing",
)
_JOB_LIMIT = 64 * 2**20  # a job's size: its source and encoded arguments
_OPEN_FILES = 64
_PROCESSES = 256  # per user, threads included: binds nobody (see confine.limit_processes)
_SETUP_FAILED = 70  # exit status of a job process whose setup failed, before any candidate code


def main() -> None:
    config = json.loads(sys.argv[1])
    seccomp: dict[str, Any] = config["seccomp"]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the pool ends executors, not the terminal
    for name in config.get("preload", PRELOAD):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    if not config["isolate"]:
        import tempfile  # here only: it imports random, whose fork handler each job would pay

        _serve(tempfile.mkdtemp(prefix="inlay-sandbox-"), [], seccomp)
        return
    problem: str | None = seccomp.get("unavailable")
    if problem is None:
        try:
            confine.enter_namespaces()
        except OSError as exc:
            problem = str(exc)
    if problem is not None:
        _refuse(problem)
    pid = os.fork()
    if pid != 0:  # outside the PID namespace: stay only to be the pool's handle on it
        os.close(0)
        os.close(1)  # so that the pool sees the end of the pipe as soon as PID 1 ends
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    _init(seccomp)


def _init(seccomp: dict[str, Any]) -> None:
    """PID 1 of the sandbox's PID namespace: when it ends, the kernel kills all the others."""
    try:
        confine.die_with_parent()
        confine.build_root(confine.python_dirs(), seccomp["pivot_root"])
        nobody = confine.drop_privileges()
        confine.die_with_parent()  # again: a change of uid clears it
        confine.limit_processes(_PROCESSES)
    except OSError as exc:
        _refuse(str(exc))
    layers = ["namespaces", "private root", "nobody" if nobody else "user namespace"]
    _serve(confine.JOB_DIR, layers, seccomp)


def _refuse(problem: str) -> NoReturn:
    write_message(1, {"unavailable": problem})
    os._exit(0)


def _serve(job_dir: str, layers: list[str], seccomp: dict[str, Any]) -> None:
    """Serve jobs until the pool closes the pipe. `layers` names the isolation in place; an empty
    list means none (INLAY_SANDBOX=unsafe). `seccomp` holds the filters' programs, unless it says
    why there are none."""
    isolated = bool(layers)
    resource.setrlimit(resource.RLIMIT_NOFILE, (_OPEN_FILES, _OPEN_FILES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # What every job's process needs that is the same for all: set here once, a fork keeps it. A
    # job's process pays for each page of this process's memory that it writes (copy-on-write),
    # and os.environ or signal.signal() would write dozens. SIGINT is left to its default for the
    # candidate; this process is out of the terminal's reach (its own session), and as PID 1 of a
    # PID namespace it ignores signals it has no handler for.
    os.chdir(job_dir)
    os.environ["HOME"] = os.environ["TMPDIR"] = job_dir
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    filtered = "unavailable" not in seccomp
    job_filter = None
    if filtered:
        job_program = base64.b64decode(seccomp["job_filter"])
        job_filter = seccomp_install.JobFilter(job_program, seccomp["job_pid_offsets"])
        seccomp_install.install(base64.b64decode(seccomp["executor_filter"]))
    # Objects that exist now are never collected: the collector in a job's process then does not
    # walk (and so copy, page by page) the memory it shares with this one.
    gc.freeze()
    layers = [*layers, *["seccomp"] * filtered, "rlimits", "fork per job"]
    write_message(1, {"ready": {"layers": layers, "pid": os.getpid()}})
    while True:
        try:
            job = read_message(0, _JOB_LIMIT)
        except ProtocolError:  # the pool closed the pipe: nothing more to do
            return
        write_message(1, _run(job, job_dir, isolated, job_filter))


def _run(
    job: dict[str, Any], job_dir: str, isolated: bool, job_filter: seccomp_install.JobFilter | None
) -> dict[str, Any]:
    limits = job["limits"]
    output = os.memfd_create("output", 0)
    response = os.memfd_create("response", 0)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _enter_job(job, output, response, job_filter)
    timed_out, status = _wait(pid, limits["wall_seconds"])
    duration = time.monotonic() - started
    if isolated:
        _kill_all_others()
    stdout = os.pread(output, limits["output_bytes"] + 1, 0)
    reply = os.pread(response, limits["output_bytes"] + 2**16, 0)
    os.close(output)
    os.close(response)
    _empty(job_dir)
    return {
        "timed_out": timed_out,
        "returncode": os.waitstatus_to_exitcode(status),
        "duration": duration,
        "stdout": base64.b64encode(stdout).decode("ascii"),
        "response": base64.b64encode(reply).decode("ascii"),
    }


def _enter_job(
    job: dict[str, Any], output: int, response: int, job_filter: seccomp_install.JobFilter | None
) -> NoReturn:
    """In the job's process: confine it, then run the candidate. Never returns. Its working
    folder, environment and signals are the executor's (see _serve)."""
    try:
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)  # the pool's pipes are gone from here on
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(response, child.RESPONSE_FD)
        os.closerange(child.RESPONSE_FD + 1, _OPEN_FILES)
        limits = job["limits"]
        memory, cpu, size = limits["memory_bytes"], limits["cpu_seconds"], limits["file_bytes"]
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # The soft limit sends SIGXCPU (reported as a timeout); the hard one kills a candidate
        # that catches it.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        if job_filter is not None:
            job_filter.install(os.getpid())
    except BaseException:
        os._exit(_SETUP_FAILED)
    child.run_job(job)


def _wait(pid: int, seconds: float) -> tuple[bool, int]:
    """Wait for the job's process up to `seconds`, killing it then: (timed out, wait status)."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], seconds)
    finally:
        os.close(pidfd)
    if not ready:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return not ready, status


def _kill_all_others() -> None:
    """As PID 1 of the namespace, end every other process in it and reap them all, so that
    nothing a job started survives it (the seccomp filter already refuses new processes)."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:  # the usual case: no other process in the namespace, not even
        return  # a zombie (kill() counts those), so none to reap either
    with contextlib.suppress(ChildProcessError):
        while True:
            os.waitpid(-1, 0)


def _empty(job_dir: str) -> None:
    """Delete everything in the job folder, even what the candidate made unreadable. Nothing
    runs there any more (see _kill_all_others); links are deleted, never followed.

    Not shutil.rmtree: shutil imports zlib, bz2 and lzma, whose libraries would add 30 memory
    mappings to this process for every fork to copy (5% of a trivial job's time).
    """
    os.chmod(job_dir, 0o700)
    if not os.listdir(job_dir):  # most jobs write nothing
        return
    for parent, dirs, _ in os.walk(job_dir):  # top-down: each folder opened before it is read
        for name in dirs:
            path = os.path.join(parent, name)
            if not os.path.islink(path):
                with contextlib.suppress(OSError):
                    os.chmod(path, 0o700)
    for parent, dirs, files in os.walk(job_dir, topdown=False):
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(parent, name))
        for name in dirs:  # links to folders are listed here too
            path = os.path.join(parent, name)
            with contextlib.suppress(OSError):
                if os.path.islink(path):
                    os.unlink(path)
                else:
                    os.rmdir(path)
