"""Cancelling a run from the page: a queued one at once, a running one through its worker."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Sketch
from apps.synthesis.events import RunRecorder
from apps.synthesis.models import Run
from apps.synthesis.tasks import cancel_check, fill_run

pytestmark = pytest.mark.django_db


def new_run(sketch: Sketch, user: User) -> Run:
    return Run.objects.create(sketch=sketch, revision=sketch.head(), created_by=user, backend="x")


def test_a_queued_run_is_cancelled_at_once_and_its_task_does_nothing(
    owner: Client, demo_sketch: Sketch, user: User
):
    run = new_run(demo_sketch, user)
    page = owner.post(f"/runs/{run.pk}/cancel/").content.decode()

    run.refresh_from_db()
    assert run.status == Run.Status.CANCELLED and run.done
    assert 'data-status="cancelled"' in page and "Cancelled after 0 candidates." in page
    fill_run(run.pk)  # the task, picked up later, finds it cancelled
    assert list(run.events.values_list("kind", flat=True)) == ["run.cancelled"]


def test_a_running_run_is_asked_to_stop_and_its_worker_sees_it(
    owner: Client, demo_sketch: Sketch, user: User
):
    run = new_run(demo_sketch, user)
    RunRecorder(run)("run.started", {"holes": ["reverse_list"], "backend": "x"})
    cancelled = cancel_check(run.pk)
    assert not cancelled()

    owner.post(f"/runs/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.cancel_requested and run.status == Run.Status.RUNNING
    assert cancel_check(run.pk)()


def test_an_ended_run_stays_as_it_ended(owner: Client, demo_sketch: Sketch, user: User):
    run = new_run(demo_sketch, user)
    RunRecorder(run)("run.failed", {"error": "gone"})
    owner.post(f"/runs/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED and not run.cancel_requested


def test_nobody_cancels_anothers_run(stranger: Client, demo_sketch: Sketch, user: User):
    run = new_run(demo_sketch, user)
    assert stranger.post(f"/runs/{run.pk}/cancel/").status_code == 404
    run.refresh_from_db()
    assert run.status == Run.Status.QUEUED
