"""Generated code that loops, eats memory or opens a socket ends as a clear error for each
example, and the worker goes on to the next candidate. A model that writes such code on demand
cannot run here, so a scripted OpenAI-compatible server plays it (tests/servers.py)."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
from django.contrib.auth.models import User

from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate, Run
from tests.production.test_fill_on_worker import session_cookie, watch_run
from tests.servers import celery_worker, scripted_model

pytestmark = [pytest.mark.production, pytest.mark.django_db(transaction=True)]


def fenced(code: str) -> str:
    return f"Here it is:\n```python\n{code}\n```\n"


@pytest.fixture
def listener():
    """A TCP server on loopback that records every connection made to it."""
    server = socket.create_server(("127.0.0.1", 0))
    connections: list[object] = []

    def accept() -> None:
        while True:
            try:
                connections.append(server.accept())
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], connections
    server.close()


def test_hostile_and_garbled_candidates_end_as_errors_and_the_next_one_is_served(
    demo_sketch: Sketch, user: User, worker_env: dict[str, str], listener
):
    port, connections = listener
    replies = [
        fenced("def reverse_list(xs):\n    while True:\n        pass"),
        fenced(
            "def reverse_list(xs):\n    hoard = []\n    while True:\n"
            "        hoard.append(bytearray(10**7))"
        ),
        fenced(
            f"import socket\n\ndef reverse_list(xs):\n"
            f"    socket.create_connection(('127.0.0.1', {port})).sendall(b'leak')\n"
            "    return xs[::-1]"
        ),
        "I am sorry, but I cannot write that function.",
        fenced("def reverse_list(xs):\n    return list(reversed(xs))"),
    ]
    with scripted_model(replies) as model:
        env = worker_env | {
            "INLAY_MODEL_BACKEND": "openai",
            "OPENAI_BASE_URL": model.base_url,
            "INLAY_SAMPLES_PER_HOLE": "5",
            "INLAY_EXAMPLE_TIMEOUT_SECONDS": "5",
        }
        run = Run.objects.create(
            sketch=demo_sketch, revision=demo_sketch.head(), created_by=user, backend="openai"
        )
        with celery_worker(env):
            pushed = asyncio.run(watch_run(run, session_cookie(user)))

    candidates = list(Candidate.objects.filter(run=run).order_by("index"))
    assert [c.status for c in candidates] == ["failed", "failed", "failed", "invalid", "passed"]
    loop, hoard, network, garbled, good = candidates
    assert {r["status"] for r in loop.results} == {"timeout"}
    assert all(r["error"] == "Timed out after 5.0 s" for r in loop.results)
    assert {r["status"] for r in hoard.results} == {"memory"}
    assert all("Memory limit of 512 MiB exceeded" in r["error"] for r in hoard.results)
    assert all("Network access is not allowed" in r["error"] for r in network.results)
    assert connections == [], "no candidate reached the loopback server"
    assert garbled.error == "The model's reply contained no Python function."
    assert [r["status"] for r in good.results] == ["pass"] * 3

    page = pushed[-1]
    assert 'data-status="succeeded"' in page
    assert "Timed out after 5.0 s" in page and "contained no Python function" in page
