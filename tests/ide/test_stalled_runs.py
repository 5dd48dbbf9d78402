"""A run whose worker died (killed, out of memory, restarted) does not stay "running" forever,
a run whose task was lost is sent again, and a broker or channel layer that is down fails no
run it should not.

The worker's side of it (the heartbeat, the claim, the sweep of a restarted worker) runs on a
real worker in tests/production/test_faults.py."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from apps.sketches.models import Sketch
from apps.synthesis import events, runs
from apps.synthesis.events import RunRecorder
from apps.synthesis.models import Candidate, Event, Run
from apps.synthesis.runs import give_up_if_stalled, sweep
from apps.synthesis.tasks import fill_run, heartbeat
from inlay.synthesis.backends import registry

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


def test_a_run_whose_worker_stopped_beating_fails_though_its_last_event_is_recent(
    demo_sketch: Sketch, user: User, owner: Client
) -> None:
    run = running_run(demo_sketch, user, silent_for=timedelta(seconds=40))
    Run.objects.filter(pk=run.pk).update(heartbeat=timezone.now() - timedelta(seconds=31))

    owner.get(f"/sketches/{demo_sketch.pk}/")

    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert run.message.startswith("The worker running it stopped: no sign of it for 30 s")
    # Asked again (a second sweep, another page), nothing more is recorded.
    assert not give_up_if_stalled(run)
    assert run.events.filter(kind="run.failed").count() == 1


def test_a_run_whose_worker_beats_keeps_running_though_it_is_quiet(
    demo_sketch: Sketch, user: User
) -> None:
    run = running_run(demo_sketch, user, silent_for=timedelta(minutes=5))
    Run.objects.filter(pk=run.pk).update(heartbeat=timezone.now() - timedelta(seconds=3))

    assert not give_up_if_stalled(run)
    assert Run.objects.get(pk=run.pk).status == Run.Status.RUNNING


def queued_run(sketch: Sketch, user: User, sent_ago: timedelta | None) -> Run:
    run = Run.objects.create(sketch=sketch, revision=sketch.head(), created_by=user, backend="x")
    sent = timezone.now() - sent_ago if sent_ago is not None else None
    created = timezone.now() - (sent_ago or timedelta(minutes=5))
    Run.objects.filter(pk=run.pk).update(sent=sent, created=created)
    return run


def test_the_sweep_sends_again_a_queued_run_no_worker_took_but_only_when_none_runs(
    demo_sketch: Sketch, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []
    monkeypatch.setattr(fill_run, "delay", sent.append)
    lost = queued_run(demo_sketch, user, sent_ago=timedelta(minutes=2))
    never_sent = queued_run(demo_sketch, user, sent_ago=None)
    waiting = queued_run(demo_sketch, user, sent_ago=timedelta(seconds=10))
    busy = running_run(demo_sketch, user, silent_for=timedelta(seconds=1))

    sweep()
    assert sent == []  # a run is running: the queued ones wait their turn

    Run.objects.filter(pk=busy.pk).update(status=Run.Status.SUCCEEDED)
    sweep()
    assert sorted(sent) == sorted([lost.pk, never_sent.pk])
    assert Run.objects.get(pk=waiting.pk).sent is not None
    resent = Run.objects.get(pk=lost.pk).sent
    assert resent is not None and timezone.now() - resent < timedelta(seconds=30)


def test_a_task_sent_twice_runs_once(demo_sketch: Sketch, user: User) -> None:
    run = running_run(demo_sketch, user, silent_for=timedelta(seconds=1))
    seen = run.events.count()

    fill_run(run.pk)  # the run is taken already: the second delivery does nothing

    assert run.events.count() == seen
    assert Run.objects.get(pk=run.pk).status == Run.Status.RUNNING


def refused(*args: object, **kwargs: object) -> None:
    """A broker that is down."""
    raise ConnectionRefusedError(111, "Connection refused")


class RefusedLayer:
    """A channel layer that is down."""

    async def group_send(self, group: str, message: dict[str, object]) -> None:
        refused()


@pytest.mark.django_db(transaction=True)
def test_a_fill_that_cannot_be_queued_fails_at_once_with_the_reason_and_keeps_the_text(
    demo_sketch: Sketch, owner: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fill_run, "delay", refused)
    text = demo_sketch.head().text + "# typed before the fill\n"

    page = owner.post(f"/sketches/{demo_sketch.pk}/fill/", {"text": text}).content.decode()

    run = Run.objects.get()
    assert run.status == Run.Status.FAILED and run.sent is None
    assert run.message.startswith(
        "Inlay could not queue this fill: its task queue did not answer (ConnectionRefusedError)."
    )
    assert "Inlay could not queue this fill" in page and 'data-status="failed"' in page
    assert demo_sketch.head().text == text


def test_a_channel_layer_that_is_down_fails_no_run(
    demo_sketch: Sketch, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "get_channel_layer", RefusedLayer)
    monkeypatch.setattr(registry, "_instances", {})  # the backend made here is not kept
    run = Run.objects.create(
        sketch=demo_sketch,
        revision=demo_sketch.head(),
        created_by=user,
        backend="openai",  # never asked: the model-free filler fills it
        filler=Run.Filler.ENUMERATIVE,
    )

    fill_run(run.pk)

    run.refresh_from_db()
    # It ends as it would with the layer up: every event saved, none announced.
    assert run.status == Run.Status.FINISHED, run.message
    assert run.events.last().kind == "run.finished"  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_saved_from_its_own_thread_while_the_task_works(
    demo_sketch: Sketch, user: User, settings
) -> None:
    settings.INLAY_HEARTBEAT_SECONDS = 0.05
    run = running_run(demo_sketch, user, silent_for=timedelta(seconds=1))
    assert run.heartbeat is None

    with heartbeat(run.pk):
        time.sleep(0.5)  # the task's thread busy elsewhere
        beaten = Run.objects.get(pk=run.pk).heartbeat

    assert beaten is not None
    assert runs.give_up_if_stalled(run) is False
