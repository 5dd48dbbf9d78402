"""A fill on the production path: the real task on a Celery worker process, through Redis, with
its events reaching a Channels websocket client."""

from __future__ import annotations

import asyncio
import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate, Event, Run
from apps.synthesis.tasks import fill_run
from config.asgi import application
from tests.servers import celery_worker

pytestmark = [
    pytest.mark.production,
    pytest.mark.model,
    pytest.mark.django_db(transaction=True),
]


RUN_OVER = re.compile(r'class="run" data-status="(succeeded|finished|failed)"')


async def watch_run(run: Run, cookie: str) -> list[str]:
    """Every run panel the server pushes over the websocket, from before the task is queued
    until the run is over."""
    communicator = WebsocketCommunicator(
        application,
        f"/ws/runs/{run.pk}/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    pushed = [await communicator.receive_from(timeout=10)]
    fill_run.delay(run.pk)
    while not RUN_OVER.search(pushed[-1]):
        pushed.append(await communicator.receive_from(timeout=240))
    await communicator.disconnect()
    # The consumer queried from asgiref's thread-sensitive executor; close that thread's
    # connection so the test database can be dropped.
    await sync_to_async(connections.close_all)()
    return pushed


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def queue_run(sketch: Sketch, user: User) -> Run:
    return Run.objects.create(
        sketch=sketch, revision=sketch.head(), created_by=user, backend="local"
    )


def test_the_local_model_fills_the_hole_on_a_worker_and_events_reach_the_socket(
    demo_sketch: Sketch, user: User, worker_env: dict[str, str]
):
    run = queue_run(demo_sketch, user)
    with celery_worker(worker_env):
        pushed = asyncio.run(watch_run(run, session_cookie(user)))

    assert 'data-status="queued"' in pushed[0]
    assert 'data-status="succeeded"' in pushed[-1], pushed[-1]
    assert len(pushed) >= 4, "the panel is pushed as the run goes, not only at its end"
    kinds = list(Event.objects.filter(run=run).values_list("kind", flat=True))
    assert kinds[0] == "run.started" and kinds[-1] == "run.finished"
    assert kinds.count("example.result") >= 3
    candidate = Candidate.objects.get(run=run, status=Candidate.Status.PASSED)
    assert [result["status"] for result in candidate.results] == ["pass"] * 3
    assert "def reverse_list(xs: list[int]) -> list[int]:" in candidate.text
