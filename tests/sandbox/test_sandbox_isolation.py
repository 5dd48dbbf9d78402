"""The isolation policy: without a network namespace, refuse, unless told to run unsafe."""

from __future__ import annotations

import logging
import socket
import textwrap

import pytest

from apps.sandbox import Limits, SandboxUnavailable, isolation, run_examples

CONNECT = """\
    import ctypes, socket, struct
    def solve(port):
        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.socket(socket.AF_INET, socket.SOCK_STREAM, 0)
        address = struct.pack("=HH4s8x", socket.AF_INET, socket.htons(port),
                              socket.inet_aton("127.0.0.1"))
        return libc.connect(fd, address, len(address)) == 0
    """


@pytest.fixture
def no_namespaces(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine where unshare() fails, as in a container without user namespaces."""
    monkeypatch.setattr(isolation, "_unshare_problem", lambda flags: "[Errno 1] Not permitted")
    monkeypatch.delenv("INLAY_SANDBOX", raising=False)


def test_this_machine_can_give_a_process_its_own_network_namespace() -> None:
    assert isolation.namespace_flags() & isolation.CLONE_NEWNET


@pytest.mark.usefixtures("no_namespaces")
def test_without_namespaces_the_sandbox_refuses_to_run() -> None:
    with pytest.raises(
        SandboxUnavailable, match=r"network namespace.*Not permitted.*INLAY_SANDBOX"
    ):
        run_examples("def solve():\n    return 1\n", "solve", [((), 1)])


@pytest.mark.usefixtures("no_namespaces")
def test_unsafe_mode_warns_once_and_runs_with_the_network_reachable(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("INLAY_SANDBOX", "unsafe")
    isolation._warn_unsafe.cache_clear()
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    source = textwrap.dedent(CONNECT)

    with caplog.at_level(logging.WARNING, logger="apps.sandbox.isolation"):
        results = run_examples(source, "solve", [((port,), True)] * 2, Limits(wall_seconds=2))
    server.close()

    # Shows what the namespace is for: the same code cannot connect in the other tests.
    assert [r.status for r in results] == ["pass", "pass"]
    warnings = [r for r in caplog.records if "WITHOUT network isolation" in r.getMessage()]
    assert len(warnings) == 1


def test_limits_are_checked() -> None:
    with pytest.raises(ValueError, match="positive"):
        Limits(wall_seconds=0)
    with pytest.raises(ValueError, match="file_bytes"):
        Limits(output_bytes=2**20, file_bytes=2**20)
