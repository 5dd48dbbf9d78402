"""A job for an executor, and the ExampleResult made from its reply.

The reply comes from the sandbox: how the job's process ended, what it printed and what it wrote
as its response. None of it is trusted: the response is parsed with limits, decoded by the codec
(never unpickled), and compared with the expected value here, in the worker.
"""

from __future__ import annotations

import base64
import binascii
import json
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from inlay.sandbox import codec
from inlay.sandbox.equality import values_equal
from inlay.sandbox.isolation import Limits

Status = Literal["pass", "fail", "error", "timeout", "memory", "crash"]
"""How one example went:

pass     the call returned a value equal to the expected one (see equality.values_equal)
fail     the call returned a different value
error    the program raised, did not compile, has no such function, exited (sys.exit, os._exit),
         tried the network or another process, or returned a value that cannot be encoded
timeout  the wall-clock or the CPU time limit ran out
memory   the memory limit ran out
crash    the process died without an answer (killed by a signal, or it broke the protocol), or
         the executor running it died
"""

_MESSAGE_CHARS = 2000
_CHILD_STATUSES = ("error", "memory", "crash")  # what the child may report about itself


@dataclass(frozen=True)
class ExampleResult:
    status: Status
    output: object | None  # the decoded return value, when the call returned one
    expected: object
    error: str | None  # what went wrong, in words for the user; None for pass and fail
    duration: float  # wall-clock seconds of the job's process, from its fork to its end
    stdout: str  # what the program printed to stdout and stderr, cut at Limits.output_bytes


def make_job(source: str, entry: str, args: Sequence[object], limits: Limits) -> dict[str, Any]:
    """The message an executor runs; EncodeError if the arguments cannot be carried."""
    if not isinstance(args, list | tuple):
        raise TypeError(
            f"an example's arguments must be a list or tuple, not {type(args).__name__}"
        )
    sizes = {
        "wall_seconds": limits.wall_seconds,
        "cpu_seconds": limits.cpu_seconds,
        "memory_bytes": limits.memory_bytes,
        "output_bytes": limits.output_bytes,
        "file_bytes": limits.file_bytes,
    }
    return {"source": source, "entry": entry, "args": codec.encode(list(args)), "limits": sizes}


def crashed(expected: object, error: str) -> ExampleResult:
    return ExampleResult("crash", None, expected, error, 0.0, "")


def interpret(reply: dict[str, Any], expected: object, limits: Limits) -> ExampleResult:
    """The result of one job from the executor's reply (which the candidate may have shaped)."""
    try:
        timed_out, returncode = bool(reply["timed_out"]), int(reply["returncode"])
        duration = float(reply["duration"])
        stdout = base64.b64decode(reply["stdout"], validate=True)
        response = base64.b64decode(reply["response"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        return crashed(expected, "The sandbox's executor sent a malformed reply")
    status, value, error = _outcome(timed_out, returncode, response, expected, limits)
    return ExampleResult(status, value, expected, error, duration, _shown(stdout, limits))


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


def _shown(data: bytes, limits: Limits) -> str:
    limit = limits.output_bytes
    text = data[:limit].decode("utf-8", "replace")
    return text + f"\n[output cut at {describe_size(limit)}]" if len(data) > limit else text


def describe_size(count: int) -> str:
    """A byte count for people: "512 MiB", "1.5 KiB", "12 bytes"."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"
