"""Hostile candidates: each ends as a specific error for its example, the harm it tried does not
happen, and the same executor then serves the next job as if nothing had happened.

The pool here has one executor, so that "the next job" runs where the hostile one ran. Where a
candidate goes around Python's checks, it uses `ctypes.pythonapi` (a handle on the C library that
ctypes loads with itself): then only the kernel's layers stand in its way.
"""

from __future__ import annotations

import os
import socket
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings

from inlay.sandbox import ExampleResult, Limits, SandboxPool
from inlay.sandbox.confine import python_dirs

QUICK = Limits(wall_seconds=2.0, cpu_seconds=2)
REPOSITORY = Path(__file__).resolve().parents[2]
# What of the repository the sandbox shows: the folder holding the virtualenv, when the repository
# holds it (read-only); nothing when the virtualenv is elsewhere (a git worktree sharing one).
SHOWN = sorted(
    {
        Path(path).relative_to(REPOSITORY).parts[0]
        for path in python_dirs()
        if Path(path).is_relative_to(REPOSITORY)
    }
)
NEXT = "def solve(x):\n    return x + 1\n"


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    pool = SandboxPool(size=1)
    yield pool
    pool.close()


def run_hostile(
    pool: SandboxPool, source: str, args: tuple[object, ...] = (), limits: Limits = QUICK
) -> ExampleResult:
    """Run one hostile example, then check that the pool serves the next job normally."""
    [result] = pool.run_examples(textwrap.dedent(source), "solve", [(args, None)], limits)
    [after] = pool.run_examples(NEXT, "solve", [((1,), 2)], QUICK)
    assert (after.status, after.output) == ("pass", 2)
    return result


def test_an_infinite_loop_times_out(pool: SandboxPool) -> None:
    source = "def solve():\n    while True:\n        pass\n"
    result = run_hostile(pool, source, limits=Limits(wall_seconds=1.0, cpu_seconds=5))

    assert (result.status, result.error) == ("timeout", "Timed out after 1.0 s")


def test_deep_recursion_is_a_recursion_error(pool: SandboxPool) -> None:
    result = run_hostile(pool, "def solve(n=0):\n    return solve(n + 1)\n")

    assert result.status == "error"
    assert result.error == "RecursionError: maximum recursion depth exceeded (line 2)"


def test_deep_recursion_past_a_raised_limit_is_a_crash(pool: SandboxPool) -> None:
    source = """\
        import sys
        sys.setrecursionlimit(10**9)
        def solve(n=0):
            return list(map(solve, [n + 1]))  # through C: each call takes C stack
        """
    result = run_hostile(pool, source)

    assert result.status == "crash"
    assert result.error == "The process was killed by SIGSEGV without returning a result"


def test_allocating_4_gb_is_a_memory_error(pool: SandboxPool) -> None:
    result = run_hostile(pool, "def solve():\n    return len(bytearray(4 * 2**30))\n")

    assert result.status == "memory"
    assert result.error == "Memory limit of 512 MiB exceeded (line 2)"


def test_a_fork_bomb_is_refused(pool: SandboxPool) -> None:
    source = """\
        import os
        def solve():
            while True:
                os.fork()
        """
    result = run_hostile(pool, source)

    assert result.status == "error"
    assert result.error == (
        "Starting or signalling processes is not allowed in the sandbox: os.fork (line 4)"
    )


def test_a_fork_bomb_past_python_gets_no_process_even_as_root(pool: SandboxPool) -> None:
    source = """\
        import ctypes, os
        def solve():
            return os.getuid(), [ctypes.pythonapi.fork() for _ in range(1000)]
        """
    result = run_hostile(pool, source)

    uid, forks = result.output  # type: ignore[misc]
    assert os.getuid() != 0 or uid == 65534  # as root, the sandbox runs as nobody
    assert set(forks) == {-1}


def test_writing_100_mb_to_a_file_stops_at_the_file_size_limit(pool: SandboxPool) -> None:
    source = """\
        def solve():
            with open("big", "wb") as f:
                for _ in range(100):
                    f.write(bytes(2**20))
        """
    result = run_hostile(pool, source)

    assert result.status == "error"
    assert result.error is not None
    assert result.error.startswith("File size limit of 16 MiB exceeded (line")


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/etc/inlay-sandbox-test", "OSError: [Errno 30] Read-only file system"),
        (
            str(REPOSITORY / "inlay-sandbox-test"),
            "OSError: [Errno 30] Read-only file system"
            if SHOWN
            else "FileNotFoundError: [Errno 2] No such file or directory",
        ),
        ("/tmp/inlay-sandbox-test", "OSError: [Errno 30] Read-only file system"),
    ],
    ids=["etc", "repository", "tmp"],
)
def test_writing_outside_the_private_folder_fails(pool: SandboxPool, path: str, error: str) -> None:
    result = run_hostile(pool, f"def solve():\n    open({path!r}, 'w').write('x')\n")

    assert result.status == "error"
    assert result.error is not None
    assert result.error.startswith(error)
    assert not os.path.exists(path)


def test_writing_to_a_test_folder_under_tmp_fails(pool: SandboxPool, tmp_path: Path) -> None:
    target = tmp_path / "written"
    result = run_hostile(pool, f"def solve():\n    open({str(target)!r}, 'w').write('x')\n")

    assert result.status == "error"
    assert not target.exists()


def test_reading_etc_shadow_is_refused(pool: SandboxPool) -> None:
    result = run_hostile(pool, "def solve():\n    return open('/etc/shadow').read()\n")

    assert result.status == "error"
    assert result.error == "PermissionError: [Errno 13] Permission denied: '/etc/shadow' (line 2)"


def test_the_repository_settings_and_database_do_not_exist_inside() -> None:
    planted = Path(settings.DATA_DIR) / "inlay-sandbox-test.sqlite3"
    planted.write_text("secret rows")
    paths = [str(planted), str(REPOSITORY / "config" / "settings.py"), str(REPOSITORY)]
    source = """\
        import os
        def solve(paths):
            repository = os.listdir(paths[2]) if os.path.exists(paths[2]) else None
            return [os.path.exists(path) for path in paths[:2]], repository
        """
    pool = SandboxPool(size=1)
    try:
        [result] = pool.run_examples(textwrap.dedent(source), "solve", [((paths,), None)])
    finally:
        pool.close()
        planted.unlink()

    # The virtualenv is the only part of the repository there, read-only (it holds numpy), or
    # the repository is not there at all.
    assert result.output == ([False, False], SHOWN or None)


def test_the_workers_environment_is_out_of_reach(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INLAY_TEST_SECRET", "hunter2")
    source = """\
        import os
        def solve(worker):
            seen = [repr(dict(os.environ))]
            for pid in ["self", "1", str(worker)]:
                try:
                    seen.append(open(f"/proc/{pid}/environ", "rb").read().decode())
                except OSError as error:
                    seen.append(repr(error))
            return seen
        """
    pool = SandboxPool(size=1)  # started by a worker that holds the secret
    try:
        [result] = pool.run_examples(textwrap.dedent(source), "solve", [((os.getpid(),), None)])
    finally:
        pool.close()

    assert result.status == "fail"
    assert "hunter2" not in str(result.output)
    assert "INLAY_TEST_SECRET" not in str(result.output)


class Listener:
    """A TCP server on 127.0.0.1 in a thread of the test process, counting connections."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.05)
        self.port: int = self.server.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    listener = Listener()
    with socket.create_connection(("127.0.0.1", listener.port)):
        pass  # the server works: this process can reach it
    while listener.connections < 1:
        threading.Event().wait(0.01)
    yield listener
    listener.close()


def test_a_tcp_connection_to_the_host_is_refused(pool: SandboxPool, listener: Listener) -> None:
    source = f"""\
        import socket
        def solve():
            socket.create_connection(("127.0.0.1", {listener.port}), timeout=1)
        """
    result = run_hostile(pool, source)

    assert result.status == "error"
    assert result.error == (
        "Network access is not allowed in the sandbox: getaddrinfo('127.0.0.1') (line 3)"
    )
    assert listener.connections == 1  # only the fixture's own


def test_a_socket_made_past_python_is_refused_by_the_kernel(
    pool: SandboxPool, listener: Listener
) -> None:
    source = """\
        import ctypes, socket
        def solve():
            return ctypes.pythonapi.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
        """
    result = run_hostile(pool, source)

    assert (result.status, result.output) == ("fail", -1)
    assert listener.connections == 1


@pytest.mark.parametrize(
    ("call", "event"),
    [
        ("import os\ndef solve():\n    os.system('touch /tmp/job/x')\n", "os.system"),
        ("import subprocess\ndef solve():\n    subprocess.run(['true'])\n", "subprocess.Popen"),
        ("import os\ndef solve():\n    os.kill(os.getppid(), 9)\n", "os.kill"),
    ],
    ids=["os.system", "subprocess", "os.kill"],
)
def test_starting_or_signalling_processes_is_refused(
    pool: SandboxPool, call: str, event: str
) -> None:
    executors = pool.executor_pids()
    result = run_hostile(pool, call)

    assert result.status == "error"
    assert result.error == (
        f"Starting or signalling processes is not allowed in the sandbox: {event} (line 3)"
    )
    assert pool.executor_pids() == executors


def test_loading_a_c_library_is_refused(pool: SandboxPool) -> None:
    source = "import ctypes\ndef solve():\n    ctypes.CDLL('libc.so.6').system(b'true')\n"
    result = run_hostile(pool, source)

    assert result.status == "error"
    assert result.error == (
        "Loading C libraries is not allowed in the sandbox: 'libc.so.6' (line 3)"
    )


def test_c_calls_past_python_cannot_start_or_kill_processes(pool: SandboxPool) -> None:
    executors = pool.executor_pids()
    source = """\
        import ctypes, os
        def solve():
            libc = ctypes.pythonapi
            return [libc.system(b"touch /tmp/job/x"), libc.kill(os.getppid(), 9),
                    libc.kill(1, 9), libc.kill(-1, 9), os.listdir(".")]
        """
    result = run_hostile(pool, source)

    # system() says 127 << 8 when it cannot start the shell.
    assert result.output == [127 << 8, -1, -1, -1, []]
    assert pool.executor_pids() == executors


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("import sys\ndef solve():\n    sys.exit(3)\n", "The program called sys.exit(3) (line 3)"),
        ("import os\ndef solve():\n    os._exit(0)\n", "The program called os._exit(0) (line 3)"),
    ],
)
def test_exiting_is_named(pool: SandboxPool, source: str, error: str) -> None:
    result = run_hostile(pool, source)

    assert (result.status, result.error) == ("error", error)


def test_printing_100_mb_keeps_only_the_output_limit(pool: SandboxPool) -> None:
    source = """\
        def solve():
            for _ in range(100):
                print("x" * 2**20)
            return "done"
        """
    result = run_hostile(pool, source, limits=replace(QUICK, output_bytes=2**16))

    assert result.status == "fail"  # it returned "done", not the expected None
    assert result.stdout.endswith("\n[output cut at 64 KiB]")


def test_a_result_that_cannot_be_encoded_is_an_error(pool: SandboxPool) -> None:
    result = run_hostile(pool, "def solve():\n    return open('/dev/null')\n")

    assert (result.status, result.error) == ("error", "Result could not be encoded: TextIOWrapper")


def test_monkey_patching_is_not_seen_by_the_next_job(pool: SandboxPool) -> None:
    patch = """\
        import builtins, json, numpy
        def solve():
            builtins.len = lambda value: 42
            json.dumps = lambda value: "patched"
            numpy.sum = None
            global STATE
            STATE = "left behind"
            return len([]), json.dumps(1)
        """
    check = """\
        import json, numpy
        def solve():
            return len([1, 2]), json.dumps(1), callable(numpy.sum), "STATE" in globals()
        """
    [patched] = pool.run_examples(textwrap.dedent(patch), "solve", [((), None)])
    [checked] = pool.run_examples(textwrap.dedent(check), "solve", [((), None)])

    assert patched.output == (42, "patched")
    assert checked.output == (2, "1", True, False)


def test_a_job_leaves_no_files_folder_or_process_state_to_the_next(pool: SandboxPool) -> None:
    # The executor sets the job's working folder, environment and SIGINT once for all its jobs
    # (executor._serve); each job changes them only in its own process.
    mess = """\
        import os, signal
        def solve():
            os.environ["HOME"] = os.environ["TMPDIR"] = "/"
            os.makedirs("a/b/c")
            open("a/b/c/file", "w").write("x")
            os.symlink("/etc", "etc")
            os.symlink("a", "inside")
            os.mkfifo("fifo")
            os.chmod("a/b", 0)
            os.chmod("a", 0o500)
            os.chdir("a")
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            return sorted(os.listdir("/tmp/job"))
        """
    look = """\
        import os, signal
        def solve():
            environment = os.environ["HOME"], os.environ["TMPDIR"]
            default = signal.getsignal(signal.SIGINT) == signal.SIG_DFL
            return os.getcwd(), environment, os.listdir("."), default
        """
    [messed] = pool.run_examples(textwrap.dedent(mess), "solve", [((), None)], QUICK)
    [looked] = pool.run_examples(textwrap.dedent(look), "solve", [((), None)], QUICK)

    assert messed.output == ["a", "etc", "fifo", "inside"]
    assert looked.output == ("/tmp/job", ("/tmp/job", "/tmp/job"), [], True)
    assert os.path.isdir("/etc")


def test_every_job_may_signal_itself_and_no_other_process(pool: SandboxPool) -> None:
    # Each job's process writes its own pid into the filter the executor prepared once
    # (seccomp_install.JobFilter); signal 0 only asks whether a signal would be allowed.
    source = """\
        import ctypes, os
        def solve():
            kill = ctypes.pythonapi.kill
            return [kill(pid, 0) for pid in (os.getpid(), 1, os.getppid(), 0, -1)]
        """
    results = [
        pool.run_examples(textwrap.dedent(source), "solve", [((), None)], QUICK)[0]
        for _ in range(3)
    ]

    assert [result.output for result in results] == [[0, -1, -1, -1, -1]] * 3


def test_a_thread_left_running_dies_with_its_job_and_leaves_no_file(pool: SandboxPool) -> None:
    leave = """\
        import threading, time
        def later():
            time.sleep(0.3)
            open("/tmp/job/late", "w").write("x")
        def solve():
            threading.Thread(target=later).start()
            open("early", "w").write("x")
            return threading.active_count()
        """
    look = """\
        import os, threading, time
        def solve():
            time.sleep(0.6)
            return sorted(os.listdir("/tmp/job")), threading.active_count()
        """
    [left] = pool.run_examples(textwrap.dedent(leave), "solve", [((), None)])
    [looked] = pool.run_examples(textwrap.dedent(look), "solve", [((), None)])

    assert left.output == 2
    assert looked.output == ([], 1)
