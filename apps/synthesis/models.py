from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from apps.sketches.models import Revision, Sketch


class Run(models.Model):
    """One request to fill a revision's holes; its history is its events."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"  # some candidate passes every example
        FINISHED = "finished"  # candidates were made, none passes every example
        FAILED = "failed"  # the run could not go on (bad sketch, model unreachable, ...)
        CANCELLED = "cancelled"  # its user stopped it

    ENDED = frozenset({Status.SUCCEEDED, Status.FINISHED, Status.FAILED, Status.CANCELLED})

    class Filler(models.TextChoices):
        """Who writes the fills: the engine's `FillRequest.filler`, as the fill form offers it."""

        AUTO = "auto", "the model-free filler, then the model"
        MODEL = "model", "the model only"
        ENUMERATIVE = "enumerative", "the model-free filler only"

    sketch = models.ForeignKey(Sketch, on_delete=models.CASCADE, related_name="runs")
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="runs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    backend = models.CharField(max_length=40)
    filler = models.CharField(max_length=20, choices=Filler.choices, default=Filler.AUTO)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    message = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Set by the user; the worker looks at it between tokens and stops within about a second.
    cancel_requested = models.BooleanField(default=False)
    # When the run's task was handed to the broker (None: not yet, or it could not be), and
    # when the worker running it last said it is alive (every INLAY_HEARTBEAT_SECONDS).
    sent = models.DateTimeField(null=True, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    # What the run spent, from its events: model tokens in and out, and seconds.
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    # A refill: only these holes are filled, the others held at `fixed` (fills by hole name,
    # from the candidate the user refilled from). Empty for a fill of every hole.
    holes: models.JSONField[list[str]] = models.JSONField(default=list)
    fixed: models.JSONField[dict[str, str]] = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.sketch}"

    @property
    def done(self) -> bool:
        return self.status in self.ENDED

    @property
    def as_is(self) -> bool:
        """A run of fills as they are (every hole held), which writes no fill."""
        return bool(self.fixed) and not self.holes


class Candidate(models.Model):
    """One proposed fill of every hole, as a patched sketch, with its results on the examples."""

    class Status(models.TextChoices):
        GENERATING = "generating"
        TESTING = "testing"
        PASSED = "passed"
        FAILED = "failed"
        INVALID = "invalid"  # the model's reply held no usable code

    class Decision(models.TextChoices):
        PENDING = "pending"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="candidates")
    index = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.GENERATING)
    draft = models.TextField(blank=True, help_text="The model's reply so far, while generating.")
    text = models.TextField(blank=True, help_text="The sketch with this candidate's fills.")
    fills = models.JSONField(default=dict)
    # Who wrote each hole's fill, by hole name: the engine's origin of its sample (greedy,
    # sample, repair, enumerative or fixed).
    origins: models.JSONField[dict[str, str]] = models.JSONField(default=dict)
    results = models.JSONField(default=list)
    trace: models.JSONField[dict[str, Any]] = models.JSONField(
        default=dict,
        help_text=(
            "What tracing its holes on the examples showed (inlay.context.facts.trace_facts)."
        ),
    )
    error = models.TextField(blank=True)
    # What its new samples cost the model: tokens in and out, and seconds until it was tested.
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    reason = models.TextField(blank=True)
    # Decisions taken hole by hole, by hole name: {"decision": "accepted" | "rejected" | "left",
    # "reason": str, "code": the fill as accepted (edited or not) or as rejected}.
    hole_decisions: models.JSONField[dict[str, dict[str, str]]] = models.JSONField(default=dict)

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="unique_candidate_index")
        ]

    def __str__(self) -> str:
        return f"candidate {self.index} of run {self.run_id}"

    @property
    def passed(self) -> int:
        return sum(1 for result in self.results if result["status"] == "pass")

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def authors(self) -> list[tuple[str, str]]:
        """Each hole with who wrote its fill, in the page's words."""
        return [(hole, _WRITTEN_BY.get(origin, origin)) for hole, origin in self.origins.items()]


# The engine's origins of a sample (inlay.synthesis.engine), as the page says them.
_WRITTEN_BY = {
    "greedy": "written by the model",
    "sample": "written by the model",
    "repair": "repaired by the model",
    "enumerative": "found by the model-free filler",
    "fixed": "kept from an earlier fill",
}


class Event(models.Model):
    """One step of a run, persisted before it is announced, so nothing is lost on reconnect."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    data: models.JSONField[dict[str, Any]] = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="unique_event_seq")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.seq} of run {self.run_id}"
