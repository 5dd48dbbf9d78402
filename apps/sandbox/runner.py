"""Run a candidate program against input/output examples: run_examples.

Each (program, example) pair runs in a fresh `python -I child.py` process, confined by
isolation.py, with a minimal environment of its own and a private working directory deleted
afterwards. The parent only ever sees the process's exit status, its captured output and its JSON
response, and compares the returned value with the expected one itself.

A later pool of warm, forked executors can replace `_run_one` without changing run_examples or
its results.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from apps.sandbox import codec
from apps.sandbox.equality import values_equal
from apps.sandbox.isolation import Limits, SandboxUnavailable, confinement, namespace_flags

Status = Literal["pass", "fail", "error", "timeout", "memory", "crash"]
"""How one example went:

pass     the call returned a value equal to the expected one (see equality.values_equal)
fail     the call returned a different value
error    the program raised, did not compile, has no such function, exited (sys.exit, os._exit),
         tried the network or another process, or returned a value that cannot be encoded
timeout  the wall-clock or the CPU time limit ran out
memory   the memory limit ran out
crash    the process died without an answer (killed by a signal, or it broke the protocol)
"""

DEFAULT_LIMITS = Limits()
_CHILD = Path(__file__).with_name("child.py")
_REQUEST = "request.json"
_MESSAGE_CHARS = 2000
_CHILD_STATUSES = ("error", "memory", "crash")  # what the child may report about itself


@dataclass(frozen=True)
class ExampleResult:
    status: Status
    output: object | None  # the decoded return value, when the call returned one
    expected: object
    error: str | None  # what went wrong, in words for the user; None for pass and fail
    duration: float  # wall-clock seconds of the whole sandboxed process, start-up included
    stdout: str  # what the program printed to stdout and stderr, cut at Limits.output_bytes


def run_examples(
    source: str,
    entry: str,
    examples: Sequence[tuple[Sequence[object], object]],
    limits: Limits = DEFAULT_LIMITS,
) -> list[ExampleResult]:
    """Run `entry(*args)` from the module `source` once per (args, expected) example.

    Never raises for anything the program does. Raises SandboxUnavailable when this machine cannot
    isolate it; TypeError or ValueError for bad arguments (EncodeError: args it cannot carry).
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, not {type(source).__name__}")
    if not isinstance(entry, str) or not entry.isidentifier():
        raise ValueError(f"entry must be a function name, not {entry!r}")
    requests = [(_request(source, entry, args, limits), expected) for args, expected in examples]
    flags = namespace_flags()
    return [_run_one(request, expected, limits, flags) for request, expected in requests]


def _request(source: str, entry: str, args: Sequence[object], limits: Limits) -> str:
    if not isinstance(args, list | tuple):
        raise TypeError(
            f"an example's arguments must be a list or tuple, not {type(args).__name__}"
        )
    sizes = {
        "memory_bytes": limits.memory_bytes,
        "output_bytes": limits.output_bytes,
        "file_bytes": limits.file_bytes,
    }
    request = {"source": source, "entry": entry, "args": codec.encode(list(args)), "limits": sizes}
    return json.dumps(request)


def _run_one(request: str, expected: object, limits: Limits, flags: int) -> ExampleResult:
    with (
        tempfile.TemporaryDirectory(prefix="inlay-sandbox-", ignore_cleanup_errors=True) as workdir,
        tempfile.TemporaryFile() as output,
        tempfile.TemporaryFile() as response,
    ):
        Path(workdir, _REQUEST).write_text(request, encoding="utf-8")
        started = time.monotonic()
        returncode, timed_out = _run_process(workdir, output, response, limits, flags)
        duration = time.monotonic() - started
        stdout = _read_output(output, limits.output_bytes)
        reply = _read(response, limits.output_bytes + 2**16)
    status, value, error = _outcome(timed_out, returncode, reply, expected, limits)
    return ExampleResult(status, value, expected, error, duration, stdout)


def _run_process(
    workdir: str, output: IO[bytes], response: IO[bytes], limits: Limits, flags: int
) -> tuple[int, bool]:
    """Run the child to its end or to the wall-clock limit: its exit status and whether it timed
    out."""
    try:
        process = subprocess.Popen(
            [sys.executable, "-I", str(_CHILD), _REQUEST, str(response.fileno())],
            cwd=workdir,
            env=_environment(workdir),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=(response.fileno(),),
            start_new_session=True,
            preexec_fn=confinement(limits, flags),
        )
    except subprocess.SubprocessError as exc:  # the preexec_fn failed
        raise SandboxUnavailable(f"Could not confine the sandboxed process: {exc}") from exc
    try:
        timed_out = not _wait_for_exit(process.pid, limits.wall_seconds)
    finally:
        # The whole group, so that no process the candidate started outlives the run.
        _kill_group(process.pid)
        returncode = process.wait()
    return returncode, timed_out


def _outcome(
    timed_out: bool, returncode: int, response: bytes, expected: object, limits: Limits
) -> tuple[Status, object | None, str | None]:
    """Status, output and error of a run, from how its process ended and what it answered."""
    if timed_out:
        return "timeout", None, f"Timed out after {limits.wall_seconds} s"
    if returncode == -signal.SIGXCPU:
        return "timeout", None, f"CPU time limit of {limits.cpu_seconds} s exceeded"
    if not response:
        if returncode < 0:
            how = f"was killed by {_signal_name(-returncode)}"
        else:
            how = f"exited with status {returncode}"
        return "crash", None, f"The process {how} without returning a result"
    try:
        reply = json.loads(response)
    except (ValueError, RecursionError):  # the candidate can write anything there
        reply = None
    if isinstance(reply, dict) and reply.keys() == {"value"}:
        try:
            value = codec.decode(reply["value"])
            matched = values_equal(expected, value)
        except (codec.DecodeError, RecursionError) as exc:
            return "error", None, f"Result could not be decoded: {exc}"[:_MESSAGE_CHARS]
        return ("pass" if matched else "fail"), value, None
    if (
        isinstance(reply, dict)
        and reply.keys() == {"status", "error"}
        and reply["status"] in _CHILD_STATUSES
        and isinstance(reply["error"], str)
    ):
        return reply["status"], None, reply["error"][:_MESSAGE_CHARS]
    return "crash", None, "The process returned a malformed response"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # real-time signals have no name
        return f"signal {number}"


def _environment(workdir: str) -> dict[str, str]:
    """The child's whole environment: nothing of the parent's, where secrets live."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        # One thread each: numerical libraries otherwise start one per core, each reserving memory
        # against RLIMIT_AS.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait until the process exits, up to timeout seconds; whether it did.

    The process is left unreaped: while it is a zombie its id cannot be reused, so the process
    group it leads can safely be killed afterwards.
    """
    deadline = time.monotonic() + timeout
    delay = 0.0005
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.005)
    return True


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _read(file: IO[bytes], limit: int) -> bytes:
    file.seek(0)  # the child wrote through the same open file, moving the shared offset
    return file.read(limit)


def _read_output(file: IO[bytes], limit: int) -> str:
    data = _read(file, limit + 1)
    text = data[:limit].decode("utf-8", "replace")
    return text + f"\n[output cut at {describe_size(limit)}]" if len(data) > limit else text


def describe_size(count: int) -> str:
    """A byte count for people: "512 MiB", "1.5 KiB", "12 bytes"."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"
