"""The sandbox's policy: per-run Limits, and what happens when this machine cannot isolate.

How an executor isolates itself is in confine.py and seccomp.py; whether it managed to, it says
when it starts (executor.py). If it could not, the pool refuses to run candidates
(SandboxUnavailable), unless INLAY_SANDBOX=unsafe says a developer accepts running them with only
rlimits and a fork per job: logged loudly, once per process.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass

logger = logging.getLogger(__name__)


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


def refuse_or_allow_unsafe(problem: str) -> None:
    """An executor could not isolate itself: raise, or warn under INLAY_SANDBOX=unsafe."""
    if os.environ.get("INLAY_SANDBOX") == "unsafe":
        _warn_unsafe(problem)
        return
    raise SandboxUnavailable(
        f"Cannot isolate model-written code on this machine: {problem}. "
        "Run Inlay as root or enable unprivileged user namespaces "
        "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0). "
        "For development only, INLAY_SANDBOX=unsafe runs candidates with only rlimits."
    )


@functools.cache
def _warn_unsafe(problem: str) -> None:
    logger.warning(
        "INLAY_SANDBOX=unsafe: running model-written code WITHOUT isolation: no namespaces, "
        "the host's files, network and processes in reach (%s). "
        "Never do this on a machine that matters.",
        problem,
    )
