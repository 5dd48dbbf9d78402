"""What confines a sandboxed process: its Limits, the network-namespace policy, and the function
that applies both inside the child between fork and exec.

Today the confinement is rlimits plus a private network namespace. The process still runs as the
parent's user and sees the parent's filesystem and processes; a dedicated uid, mount and pid
namespaces and a seccomp filter are the next steps, and belong here.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
_PR_SET_PDEATHSIG = 1
_SIGKILL = int(signal.SIGKILL)
_OPEN_FILES = 64  # the candidate needs a handful; numpy's import a few more

# Run in a throwaway interpreter: unshare() changes the process that calls it, so the parent
# must never call it itself.
_PROBE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(int(sys.argv[1])) != 0:
    code = ctypes.get_errno()
    sys.exit(f"[Errno {code}] {os.strerror(code)}")
"""


class SandboxUnavailable(RuntimeError):
    """This machine cannot isolate model-written code, so the sandbox refuses to run it."""


@dataclass(frozen=True)
class Limits:
    """Per-run limits: one example of one candidate, in one process."""

    wall_seconds: float = 5.0
    cpu_seconds: int = 5
    memory_bytes: int = 512 * 2**20  # address space (RLIMIT_AS)
    output_bytes: int = 1 * 2**20  # cap on captured stdout/stderr and on the encoded result
    file_bytes: int = 16 * 2**20  # largest file the process may write (RLIMIT_FSIZE)

    def __post_init__(self) -> None:
        if min(self.wall_seconds, self.cpu_seconds, self.memory_bytes, self.output_bytes) <= 0:
            raise ValueError(f"limits must be positive: {self}")
        # The captured output and the response are files the child writes: RLIMIT_FSIZE binds them.
        if self.file_bytes < self.output_bytes + 2**16:
            raise ValueError("file_bytes must exceed output_bytes by at least 64 KiB")


def namespace_flags() -> int:
    """The unshare() flags for every sandboxed process; 0 means running without a namespace.

    The one place that decides whether model-written code may run here: if this machine cannot give
    the process its own network namespace, refuse (SandboxUnavailable), unless INLAY_SANDBOX=unsafe
    says a developer accepts running it with full network access.
    """
    # As root, a network namespace needs no more; any other user must first own a user namespace.
    flags = CLONE_NEWNET if os.geteuid() == 0 else CLONE_NEWUSER | CLONE_NEWNET
    problem = _unshare_problem(flags)
    if problem is None:
        return flags
    if os.environ.get("INLAY_SANDBOX") == "unsafe":
        _warn_unsafe(problem)
        return 0
    raise SandboxUnavailable(
        f"Cannot give sandboxed code its own network namespace: unshare failed ({problem}). "
        "Run Inlay as root or enable unprivileged user namespaces "
        "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0). "
        "For development only, INLAY_SANDBOX=unsafe runs candidates without network isolation."
    )


@functools.cache
def _unshare_problem(flags: int) -> str | None:
    """Why unshare(flags) fails on this machine, or None if it works. Asked once per process."""
    probe = subprocess.run(
        [sys.executable, "-I", "-c", _PROBE, str(flags)],
        env={},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    if probe.returncode == 0:
        return None
    return probe.stderr.strip()[-500:] or f"exit status {probe.returncode}"


@functools.cache
def _warn_unsafe(problem: str) -> None:
    logger.warning(
        "INLAY_SANDBOX=unsafe: running model-written code WITHOUT network isolation "
        "(unshare failed: %s). Never do this on a machine that matters.",
        problem,
    )


def confinement(limits: Limits, flags: int) -> Callable[[], None]:
    """The preexec_fn that confines a child process: a namespace, then rlimits.

    It runs between fork and exec, where only the forking thread exists: it only makes system
    calls, resolved here in the parent beforehand.
    """
    unshare, prctl = _libc().unshare, _libc().prctl
    rlimits = [
        (resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes),
        # The soft limit sends SIGXCPU (reported as a timeout); the hard one kills a candidate
        # that catches it.
        (resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1),
        (resource.RLIMIT_FSIZE, limits.file_bytes, limits.file_bytes),
        (resource.RLIMIT_NOFILE, _OPEN_FILES, _OPEN_FILES),
        (resource.RLIMIT_CORE, 0, 0),
    ]

    def confine() -> None:
        if flags and unshare(flags) != 0:
            raise OSError(ctypes.get_errno(), "unshare failed")
        for which, soft, hard in rlimits:
            resource.setrlimit(which, (soft, hard))
        # If the parent dies, so does the child: a sleeping candidate uses no CPU time and
        # would otherwise live on.
        prctl(_PR_SET_PDEATHSIG, _SIGKILL)

    return confine


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)
