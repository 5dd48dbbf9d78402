"""What runs inside the process forked for one job: one candidate, one example, one response.

The executor (executor.py) forks this process, sets its limits, working folder and seccomp filter,
and calls `run_job`. By then fd 1 and fd 2 are the output file and RESPONSE_FD the response file.
It runs the candidate's module and the call, and writes one JSON response to RESPONSE_FD:
{"value": <encoded return value>} or {"status": "error" | "memory" | "crash", "error": <message>},
then ends the process. The candidate can tamper with all of this, so the worker trusts none of it:
it compares the value with the expected one itself, and treats a malformed response as a crash.
"""

from __future__ import annotations

import errno
import io
import mmap
import os
import sys
import types
from _json import encode_basestring_ascii, make_encoder
from typing import Any, NoReturn

from inlay.sandbox import codec

RESPONSE_FD = 3
CANDIDATE = "<candidate>"  # the candidate's filename in code objects and tracebacks
_MESSAGE_CHARS = 1000
_DEFAULT_RECURSION_LIMIT = 1000
_real_exit = os._exit  # the candidate gets a wrapper that reports the call (see _exit_reporting)
# Freed as soon as the candidate fails: if it ran out of memory, reporting that needs some. What
# runs out is address space (RLIMIT_AS), so the reserve is a mapping never touched: it costs no
# memory, and no page table entries for every fork of the executor to copy (a bytearray's would).
_reserve = [mmap.mmap(-1, 2**20, flags=mmap.MAP_PRIVATE)]

_NO_NETWORK = "Network access is not allowed in the sandbox"
_NETWORK_EVENTS = {"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"}
_NAME_EVENTS = {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"}
_PROCESS_EVENTS = {"os.system", "os.fork", "os.forkpty", "os.exec", "os.posix_spawn", "os.spawn"}
_PROCESS_EVENTS |= {"subprocess.Popen", "os.kill", "os.killpg", "signal.pthread_kill"}


class SandboxViolation(PermissionError):
    """The candidate tried something the sandbox forbids (reported without its type name)."""


class CappedOutput(io.TextIOBase):
    """The candidate's sys.stdout and sys.stderr: text to fd 1 up to a byte limit, then nothing.

    Printing without end then costs time, not disk or memory. One byte past the limit is kept so
    that the parent can tell the output was cut.
    """

    encoding = "utf-8"

    def __init__(self, fd: int, limit: int) -> None:
        super().__init__()
        self._fd = fd
        self._room = limit + 1

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, text: str) -> int:
        if self._room > 0:
            # Cut before encoding (a character is at least one byte): printing 1 GB costs no 1 GB.
            data = text[: self._room].encode("utf-8", "backslashreplace")[: self._room]
            self._room -= len(data)
            while data:
                data = data[os.write(self._fd, data) :]
        return len(text)


def run_job(request: dict[str, Any]) -> NoReturn:
    """Run the job's candidate on its example and end the process with the response written."""
    try:
        limits: dict[str, int] = request["limits"]
        sys.stdout = sys.stderr = CappedOutput(1, limits["output_bytes"])
        sys.addaudithook(_refuse_escapes)
        os._exit = _exit_reporting
        response = _run(request["source"], request["entry"], request["args"], limits)
    except BaseException as exc:  # a failure of this harness, not of the candidate
        response = _failure("crash", f"The sandbox failed: {_exception_text(exc)}")
    _respond(response)


def _run(source: str, entry: str, args: Any, limits: dict[str, int]) -> str:
    """Run the candidate's module, then entry(*args); the response saying what happened."""
    module = types.ModuleType("candidate")
    sys.modules["candidate"] = module  # dataclasses look their class's module up there
    try:
        exec(compile(source, CANDIDATE, "exec"), module.__dict__)
        function = module.__dict__.get(entry)
        if function is None:
            return _failure("error", f"The program defines no function named {entry!r}")
        if not callable(function):
            return _failure("error", f"{entry!r} is not a function")
        arguments = codec.decode(args)
        assert isinstance(arguments, list)  # the worker encoded a list (results.make_job)
        value = function(*arguments)
    except BaseException as exc:
        _reserve.clear()
        return _failure(*_describe(exc, limits))
    return _encode_value(value, limits)


def _encode_value(value: object, limits: dict[str, int]) -> str:
    # The candidate may have raised the recursion limit; a deep value would then overflow the C
    # stack in the JSON encoder instead of raising RecursionError.
    sys.setrecursionlimit(_DEFAULT_RECURSION_LIMIT)
    try:
        response = _dumps({"value": codec.encode(value)})
    except codec.EncodeError as exc:
        return _failure("error", f"Result could not be encoded: {exc.what}")
    except BaseException as exc:  # out of memory, or the candidate's code (a property, __iter__)
        _reserve.clear()
        return _failure(*_describe(exc, limits))
    if len(response) > limits["output_bytes"]:  # the encoder writes ASCII: characters are bytes
        sizes = f"{_size(len(response))} encoded, the limit is {_size(limits['output_bytes'])}"
        return _failure("error", f"Result too large: {sizes}")
    return response


def _describe(exc: BaseException, limits: dict[str, int]) -> tuple[str, str]:
    """A status and a message for how the candidate failed, naming its line when one is known."""
    line = exc.lineno if isinstance(exc, SyntaxError) and exc.filename == CANDIDATE else None
    line = line or _candidate_line(exc.__traceback__)
    at = f" (line {line})" if line else ""
    if isinstance(exc, MemoryError):
        return "memory", f"Memory limit of {_size(limits['memory_bytes'])} exceeded{at}"
    if isinstance(exc, SystemExit):
        code = "" if exc.code is None else repr(exc.code)[:_MESSAGE_CHARS]
        return "error", f"The program called sys.exit({code}){at}"
    if isinstance(exc, SandboxViolation):
        return "error", f"{exc}{at}"
    if isinstance(exc, OSError) and exc.errno == errno.ENETUNREACH:  # how the namespace answers
        return "error", f"{_NO_NETWORK}: {exc}{at}"
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        return "error", f"File size limit of {_size(limits['file_bytes'])} exceeded{at}"
    if isinstance(exc, SyntaxError) and exc.filename == CANDIDATE:
        return "error", f"{type(exc).__name__}: {exc.msg}{at}"
    return "error", f"{_exception_text(exc)}{at}"


def _candidate_line(tb: types.TracebackType | None) -> int | None:
    """The line of the innermost traceback frame in the candidate's code."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == CANDIDATE:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _exception_text(exc: BaseException) -> str:
    try:
        text = str(exc)[:_MESSAGE_CHARS]
    except BaseException:  # the candidate's own exception class may fail even at this
        text = "(the message could not be read)"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _refuse_escapes(event: str, args: tuple[Any, ...]) -> None:
    """An audit hook that names what the candidate tried, for a clear message.

    It is not the boundary (ctypes.pythonapi, already loaded, gets around it): the namespaces, the
    seccomp filter, the unprivileged uid and the rlimits are. It only turns the common attempts
    into errors that say what happened.
    """
    if event == "socket.__new__":
        raise SandboxViolation(f"{_NO_NETWORK}: socket()")
    if event in _NETWORK_EVENTS:
        raise SandboxViolation(f"{_NO_NETWORK}: {event[7:]} to {args[1]!r}")
    if event in _NAME_EVENTS:
        raise SandboxViolation(f"{_NO_NETWORK}: {event[7:]}({args[0]!r})")
    if event in _PROCESS_EVENTS:
        raise SandboxViolation(
            f"Starting or signalling processes is not allowed in the sandbox: {event}"
        )
    if event == "ctypes.dlopen":
        raise SandboxViolation(f"Loading C libraries is not allowed in the sandbox: {args[0]!r}")


def _exit_reporting(status: int) -> NoReturn:
    """The candidate's os._exit(): it reports the call, so that the parent can name it rather
    than guess."""
    frame: types.FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename != CANDIDATE:
        frame = frame.f_back
    at = f" (line {frame.f_lineno})" if frame is not None else ""
    _respond(_failure("error", f"The program called os._exit({status!r}){at}"))


def _failure(status: str, message: str) -> str:
    return _dumps({"status": status, "error": message})


def _unencodable(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# json.dumps's own C encoder, made once in the executor (compact, ASCII). Through json.dumps, the
# first call in a job's process ran its Python layers, whose objects it then copied from the
# executor's memory page by page (copy-on-write): some 40 pages, a sixth of a millisecond. Made
# here, the candidate cannot replace it either (as it can json.dumps). No cycle check: what it
# encodes is a failure or what codec.encode just built, a fresh tree.
_encoder = make_encoder(
    None, _unencodable, encode_basestring_ascii, None, ":", ",", False, False, True
)


def _dumps(data: object) -> str:
    return "".join(_encoder(data, 0))


def _respond(response: str) -> NoReturn:
    """Write the response and end the process at once, so that no atexit handler or lingering
    thread of the candidate runs after it."""
    data = response.encode("ascii")
    while data:
        data = data[os.write(RESPONSE_FD, data) :]
    _real_exit(0)


def _size(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"
