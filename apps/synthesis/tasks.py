"""Celery tasks: read ids, call the engine, record what happens."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone

from apps.synthesis.events import RunRecorder
from apps.synthesis.models import Candidate, Run
from inlay.sandbox import Limits, SandboxUnavailable
from inlay.sketch import parse_sketch
from inlay.sketch.examples import ExampleError
from inlay.synthesis.backends import BackendError, get_backend
from inlay.synthesis.engine import Filler, FillRequest, SketchProblem, fill
from inlay.synthesis.prompts import Rejection

log = logging.getLogger(__name__)


# Rejected candidates of a sketch's earlier runs looked at, newest first.
_REJECTIONS_READ = 10


def rejections(run: Run) -> list[Rejection]:
    """What the user rejected in the sketch's earlier runs, newest first, hole by hole: a
    rejected candidate's code for every hole it filled, with the user's reason, and the fills
    rejected one by one in a review hole by hole, with theirs."""
    reviewed = (
        Candidate.objects.filter(run__sketch_id=run.sketch_id, run_id__lt=run.pk)
        .filter(Q(decision=Candidate.Decision.REJECTED) | ~Q(hole_decisions={}))
        .order_by("-run_id", "-index")[:_REJECTIONS_READ]
    )
    found = []
    for candidate in reviewed:
        if candidate.hole_decisions:
            found += [
                Rejection(hole, taken["code"], taken["reason"])
                for hole, taken in candidate.hole_decisions.items()
                if taken["decision"] == "rejected"
            ]
        else:
            found += [
                Rejection(hole, code, candidate.reason) for hole, code in candidate.fills.items()
            ]
    return found


# How often a running fill looks whether its user cancelled it.
_CANCEL_POLL_SECONDS = 1.0


def cancel_check(run_id: int) -> Callable[[], bool]:
    """Whether the run's user asked it to stop, read from the database at most once a second
    (the engine asks between tokens)."""
    last, asked = 0.0, False

    def cancelled() -> bool:
        nonlocal last, asked
        now = time.monotonic()
        if not asked and now - last >= _CANCEL_POLL_SECONDS:
            last = now
            asked = Run.objects.filter(pk=run_id, cancel_requested=True).exists()
        return asked

    return cancelled


@contextmanager
def heartbeat(run_id: int) -> Iterator[None]:
    """Say every INLAY_HEARTBEAT_SECONDS that the run's worker is alive, from a thread of its
    own: the task's thread may be inside one model call or sandbox run for a long time."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.INLAY_HEARTBEAT_SECONDS):
                try:
                    running = Run.objects.filter(pk=run_id, status=Run.Status.RUNNING)
                    running.update(heartbeat=timezone.now())
                except DatabaseError as error:  # busy or restarting: the next beat may do
                    log.warning("heartbeat of run %s not saved: %r", run_id, error)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@shared_task(name="synthesis.fill_run")
def fill_run(run_id: int) -> None:
    # Claimed in one statement: a task sent twice (see runs.sweep) runs once, and a run
    # cancelled while queued not at all.
    queued = Run.objects.filter(pk=run_id, status=Run.Status.QUEUED)
    if not queued.update(status=Run.Status.RUNNING, heartbeat=timezone.now()):
        return
    run = Run.objects.select_related("revision", "sketch").get(pk=run_id)
    with heartbeat(run_id):
        _fill(run)


def _fill(run: Run) -> None:
    run_id = run.pk
    record = RunRecorder(run)
    try:
        holes = parse_sketch(run.revision.text).holes
        request = FillRequest(
            sketch=run.revision.text,
            examples=run.sketch.parsed_examples(),
            samples=settings.INLAY_SAMPLES_PER_HOLE,
            candidates=settings.INLAY_CANDIDATES_PER_RUN,
            budget_seconds=settings.INLAY_RUN_BUDGET_SECONDS,
            budget_tokens=settings.INLAY_RUN_BUDGET_TOKENS or None,
            max_tokens=settings.INLAY_MAX_TOKENS,
            model_timeout_seconds=settings.INLAY_MODEL_TIMEOUT_SECONDS,
            limits=Limits(
                wall_seconds=settings.INLAY_EXAMPLE_TIMEOUT_SECONDS,
                memory_bytes=settings.INLAY_EXAMPLE_MEMORY_MB * 2**20,
            ),
            rejected=rejections(run),
            # Run.Filler's values are the engine's fillers (a test holds them equal).
            filler=cast(Filler, run.filler),
            hole_examples=run.sketch.examples_of_holes(holes),
            holes=run.holes,
            fixed=run.fixed,
        )
        fill(request, get_backend(run.backend), record, cancel_check(run.pk))
    except (SketchProblem, ExampleError) as problem:
        record("run.failed", {"error": str(problem)})
    except BackendError as error:
        record("run.failed", {"error": f"The model failed: {error}"})
    except SandboxUnavailable as error:
        record("run.failed", {"error": f"Candidates cannot be run safely here: {error}"})
    except Exception:
        log.exception("run %s failed", run_id)
        record("run.failed", {"error": "Inlay hit an internal error; the worker's log has it."})
