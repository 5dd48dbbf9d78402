"""Recording a run's events: persist first, then project onto the run and its candidates, then
announce. A browser that reconnects renders from the database, so it never misses a step."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from apps.synthesis.models import Candidate, Event, Run

log = logging.getLogger(__name__)


def run_group(run_id: int) -> str:
    return f"run-{run_id}"


class RunRecorder:
    def __init__(self, run: Run) -> None:
        self.run = run
        self.seq = run.events.count()

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        with transaction.atomic():
            self.seq += 1
            Event.objects.create(run=self.run, seq=self.seq, kind=kind, data=data)
            _project(self.run, kind, data)
        announce(self.run.pk, self.seq)


def announce(run_id: int, seq: int) -> None:
    """Tell the run's watchers that event `seq` is saved: best effort, since the event is in the
    database already and a watcher that missed the news renders from there when it reconnects
    (or polls). A channel layer that is down (Redis) never fails the run."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(run_group(run_id), {"type": "run.event", "seq": seq})
    except Exception as error:  # redis-py's ConnectionError, a timeout, a full channel
        log.warning("event %s of run %s saved but not announced: %r", seq, run_id, error)


def _project(run: Run, kind: str, data: dict[str, Any]) -> None:
    """Keep the run's and candidates' rows in step with the event, for queries and pages."""
    candidates = Candidate.objects.filter(run=run, index=data.get("candidate", -1))
    match kind:
        case "run.started":
            _set_run(run, Run.Status.RUNNING, "")
        case "candidate.started":
            Candidate.objects.create(run=run, index=data["candidate"])
        case "candidate.progress":
            candidates.update(draft=data["reply"])
        case "candidate.generated":
            candidates.update(
                status=Candidate.Status.TESTING,
                text=data["text"],
                fills=data["fills"],
                origins=data["origins"],
            )
        case "candidate.discarded":
            candidates.delete()
        case "candidate.invalid":
            candidates.update(status=Candidate.Status.INVALID, error=data["error"])
        case "example.result":
            candidate = candidates.get()
            candidate.results = [*candidate.results, _result(data)]
            candidate.save(update_fields=["results"])
        case "candidate.traced":
            candidates.update(trace={"holes": data["holes"], "failed_in": data["failed_in"]})
        case "candidate.tested":
            passed = data["passed"] == data["total"]
            candidates.update(
                status=Candidate.Status.PASSED if passed else Candidate.Status.FAILED,
                tokens_in=data.get("tokens_in", 0),
                tokens_out=data.get("tokens_out", 0),
                seconds=data.get("seconds"),
            )
        case "run.finished":
            succeeded = Candidate.objects.filter(run=run, status=Candidate.Status.PASSED).exists()
            status = Run.Status.SUCCEEDED if succeeded else Run.Status.FINISHED
            _set_cost(run, data)
            _set_run(run, status, _summary(run, succeeded, data.get("why")))
        case "run.cancelled":
            _set_cost(run, data)
            # Candidates cut short while the model wrote them stay, marked as such.
            Candidate.objects.filter(run=run, status=Candidate.Status.GENERATING).update(
                status=Candidate.Status.INVALID, error="Cancelled before the model finished."
            )
            count = data.get("candidates", 0)
            _set_run(run, Run.Status.CANCELLED, f"Cancelled after {count} candidates.")
        case "run.failed":
            _set_run(run, Run.Status.FAILED, data["error"])


def _result(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "candidate"}


def _set_run(run: Run, status: str, message: str) -> None:
    finished = timezone.now() if status != Run.Status.RUNNING else None
    Run.objects.filter(pk=run.pk).update(status=status, message=message, finished=finished)
    run.status, run.message, run.finished = status, message, finished


def _set_cost(run: Run, data: dict[str, Any]) -> None:
    cost = {
        "tokens_in": data.get("tokens_in", 0),
        "tokens_out": data.get("tokens_out", 0),
        "seconds": data.get("seconds"),
    }
    Run.objects.filter(pk=run.pk).update(**cost)
    run.tokens_in, run.tokens_out, run.seconds = (
        cost["tokens_in"],
        cost["tokens_out"],
        cost["seconds"],
    )


def _summary(run: Run, succeeded: bool, why: str | None = None) -> str:
    count = Candidate.objects.filter(run=run).count()
    if succeeded:
        chosen = f" The engine's choice: {why}." if why else ""
        return f"A candidate passes every example: review it and accept it.{chosen}"
    if not Candidate.objects.filter(run=run).exclude(status=Candidate.Status.INVALID).exists():
        return f"The model gave no usable code in {count} tries."
    return f"No candidate passes every example ({count} tried)."
