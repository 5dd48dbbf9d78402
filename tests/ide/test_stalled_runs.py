"""A run whose worker died (killed, out of memory, restarted) does not stay "running" forever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from apps.sketches.models import Sketch
from apps.synthesis.events import RunRecorder
from apps.synthesis.models import Candidate, Event, Run
from apps.synthesis.runs import give_up_if_stalled

pytestmark = pytest.mark.django_db


def running_run(sketch: Sketch, user: User, silent_for: timedelta) -> Run:
    """A run that started, made a candidate, then recorded nothing for `silent_for`."""
    run = Run.objects.create(sketch=sketch, revision=sketch.head(), created_by=user, backend="x")
    record = RunRecorder(run)
    record("run.started", {"holes": ["reverse_list"], "backend": "x"})
    record("candidate.started", {"candidate": 0})
    Event.objects.filter(run=run).update(created=timezone.now() - silent_for)
    return run


def test_a_run_silent_past_the_limit_fails_with_a_message_and_keeps_its_candidates(
    demo_sketch: Sketch, user: User, owner: Client
) -> None:
    run = running_run(demo_sketch, user, silent_for=timedelta(minutes=11))

    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()

    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "The worker stopped reporting: nothing for 600 s" in run.message
    assert "The worker stopped reporting" in page
    assert Candidate.objects.filter(run=run).count() == 1
    assert run.events.order_by("-seq").first().kind == "run.failed"  # type: ignore[union-attr]


def test_a_run_that_ended_is_never_given_up_whatever_copy_is_asked(
    demo_sketch: Sketch, user: User
) -> None:
    run = running_run(demo_sketch, user, silent_for=timedelta(minutes=11))
    stale_copy = Run.objects.get(pk=run.pk)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED)

    assert not give_up_if_stalled(stale_copy)
    assert Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED


def test_a_run_that_is_still_reporting_keeps_running(
    demo_sketch: Sketch, user: User, owner: Client
) -> None:
    run = running_run(demo_sketch, user, silent_for=timedelta(minutes=2))

    owner.get(f"/sketches/{demo_sketch.pk}/")

    run.refresh_from_db()
    assert run.status == Run.Status.RUNNING and not run.message
