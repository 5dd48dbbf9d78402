"""Faults on the production path, made for real: a worker killed with SIGKILL in the middle of
a run, and a Redis (a private one, never the machine's) stopped in the middle of a run and
before a fill. The model is the scripted server, slowed down so that a run is still running
when the fault comes."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate, Run
from apps.synthesis.tasks import fill_run
from tests.servers import (
    ScriptedModelServer,
    WebSession,
    celery_worker,
    embedded_stack,
    free_port,
    private_redis,
    scripted_model,
)

pytestmark = [pytest.mark.production, pytest.mark.django_db(transaction=True)]

REPLY = "```python\ndef reverse_list(xs):\n    # the items, last first\n    return xs[::-1]\n```"


@pytest.fixture
def slow_model() -> Iterator[ScriptedModelServer]:
    """About 10 s a reply: 16 characters every 2 s."""
    with scripted_model([], by_hole={"reverse_list": REPLY}, chunk_seconds=2.0) as server:
        yield server


@pytest.fixture
def env(worker_env: dict[str, str], slow_model: ScriptedModelServer) -> dict[str, str]:
    """A worker on the test database and the scripted model, quick to notice a dead worker."""
    return worker_env | {
        "INLAY_MODEL_BACKEND": "openai",
        "OPENAI_BASE_URL": slow_model.base_url,
        "INLAY_OPENAI_MODEL": "scripted",
        "INLAY_SAMPLES_PER_HOLE": "1",
        "INLAY_HEARTBEAT_SECONDS": "1",
        "INLAY_WORKER_LOST_SECONDS": "5",
        "INLAY_SWEEP_SECONDS": "1",
    }


def wait_for(what: str, done: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.2)


def status(run: Run) -> str:
    run.refresh_from_db()
    return run.status


def test_a_worker_killed_mid_run_fails_the_run_soon_and_keeps_what_it_made(
    demo_sketch: Sketch, user: User, env: dict[str, str]
):
    run = Run.objects.create(
        sketch=demo_sketch,
        revision=demo_sketch.head(),
        created_by=user,
        backend="openai",
        filler=Run.Filler.MODEL,
    )
    with celery_worker(env) as worker:
        fill_run.delay(run.pk)
        wait_for("the model writing", lambda: Candidate.objects.filter(run=run).exists())
        claimed = run.heartbeat if status(run) == Run.Status.RUNNING else None
        assert claimed is not None
        # The heartbeat goes on while the task's thread waits on the model.
        wait_for("a heartbeat", lambda: status(run) == "running" and run.heartbeat != claimed)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
    assert status(run) == Run.Status.RUNNING  # nobody has noticed yet

    # A worker started again (or any page of the run, see tests/ide/test_stalled_runs.py)
    # sweeps it: the run fails with why, within seconds of its last heartbeat.
    with celery_worker(env):
        wait_for("the sweep", lambda: status(run) == Run.Status.FAILED, seconds=60)
    assert run.message.startswith("The worker running it stopped: no sign of it for 5 s")
    assert Candidate.objects.filter(run=run).count() == 1
    assert run.events.filter(kind="run.failed").count() == 1


def test_redis_stopped_mid_run_fails_nothing_and_a_fill_while_it_is_down_says_so(
    env: dict[str, str], tmp_path: Path
):
    with private_redis(tmp_path) as redis:
        stack = env | {"REDIS_URL": redis.url, "INLAY_DATA_DIR": str(tmp_path)}
        with embedded_stack(stack, free_port()) as url:
            visitor = WebSession(url)
            visitor.log_in()
            sketch = Sketch.objects.get(owner__username="demo")
            fill = {"text": sketch.head().text, "filler": "model"}

            visitor.post(f"/sketches/{sketch.pk}/fill/", fill)
            first = Run.objects.get()
            wait_for("the model writing", lambda: Candidate.objects.filter(run=first).exists())
            redis.stop()
            # Its events are saved as before; only their announcements are lost.
            wait_for("the run's end", lambda: status(first) in Run.ENDED)
            assert first.status == Run.Status.SUCCEEDED, first.message

            page = visitor.post(f"/sketches/{sketch.pk}/fill/", fill)
            second = Run.objects.exclude(pk=first.pk).get()
            assert second.status == Run.Status.FAILED
            assert second.message.startswith("Inlay could not queue this fill")
            assert "Inlay could not queue this fill" in page

            redis.start()  # back, empty: the worker reconnects and takes the next fill
            visitor.post(f"/sketches/{sketch.pk}/fill/", fill)
            third = Run.objects.exclude(pk__in=[first.pk, second.pk]).get()
            wait_for("the fill after Redis came back", lambda: status(third) in Run.ENDED)
            assert third.status == Run.Status.SUCCEEDED, third.message
