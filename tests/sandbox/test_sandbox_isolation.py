"""The isolation policy: where namespaces cannot be made, refuse, unless told to run unsafe.

A machine without namespaces is made for real: a worker process whose own seccomp filter makes
unshare() fail, as a container without user namespaces would. One without libseccomp is a worker
in which ctypes does not find the library.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from inlay.sandbox import Limits, SandboxPool

REPOSITORY = Path(__file__).resolve().parents[2]

WORKER = """\
import ctypes.util, errno, logging, sys
sys.path.insert(0, sys.argv[1])
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
if sys.argv[2] == "namespaces":
    import pyseccomp
    # A filter that answers EPERM to unshare() and allows everything else.
    no_namespaces = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    no_namespaces.add_rule(pyseccomp.ERRNO(errno.EPERM), "unshare")
    no_namespaces.load()
else:
    find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None if name == "seccomp" else find_library(name)

from inlay.sandbox import SandboxUnavailable, run_examples
try:
    [result] = run_examples("def solve():\\n    return 1\\n", "solve", [((), 1)])
except SandboxUnavailable as error:
    print("refused:", error)
else:
    print("ran:", result.status)
"""


def run_worker(missing: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run one candidate in a worker without `missing` ("namespaces" or "libseccomp")."""
    return subprocess.run(
        [sys.executable, "-c", WORKER, str(REPOSITORY), missing],
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_this_machine_isolates_candidates_with_every_layer() -> None:
    pool = SandboxPool(size=1)
    try:
        assert pool.layers == [
            "namespaces",
            "private root",
            "nobody",
            "seccomp",
            "rlimits",
            "fork per job",
        ]
    finally:
        pool.close()


def test_without_namespaces_the_sandbox_refuses_to_run() -> None:
    worker = run_worker("namespaces")

    assert worker.stdout.startswith(
        "refused: Cannot isolate model-written code on this machine: unshare() of mount, "
        "network, PID, IPC and UTS namespaces failed: Operation not permitted."
    )
    assert "INLAY_SANDBOX=unsafe" in worker.stdout


def test_without_libseccomp_the_sandbox_refuses_to_run() -> None:
    worker = run_worker("libseccomp")

    assert worker.stdout.startswith(
        "refused: Cannot isolate model-written code on this machine: the seccomp filters need "
        "libseccomp (Debian's libseccomp2): Unable to find libseccomp."
    )


def test_unsafe_mode_warns_loudly_and_runs() -> None:
    worker = run_worker("namespaces", INLAY_SANDBOX="unsafe")

    assert worker.stdout == "ran: pass\n"
    assert "WARNING INLAY_SANDBOX=unsafe: running model-written code WITHOUT isolation" in (
        worker.stderr
    )


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="positive"):
        Limits(wall_seconds=0)
    with pytest.raises(ValueError, match="file_bytes"):
        Limits(output_bytes=2**20, file_bytes=2**20)


def test_a_worker_in_a_folder_the_sandbox_hides_still_runs_candidates(tmp_path: Path) -> None:
    script = """\
        from inlay.sandbox import run_examples
        [result] = run_examples("def f():\\n    return 1\\n", "f", [((), 1)])
        print(result.status)
        """
    worker = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.stdout == "pass\n"
