"""Starting runs and deciding on their candidates: the operations the pages call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.sketches.models import Revision, Sketch
from apps.synthesis.events import RunRecorder
from apps.synthesis.models import Candidate, Run
from apps.synthesis.tasks import fill_run
from inlay.sketch import parse_sketch
from inlay.sketch.arrays import as_expected
from inlay.sketch.fill import FillError, apply_nested_fills
from inlay.synthesis.checks import check_examples, check_fill, check_hole_examples
from inlay.synthesis.engine import SketchProblem, check_sketch

log = logging.getLogger(__name__)


class ReviewError(ValueError):
    """A decision that cannot be taken; the message says why."""


class RunInProgress(ValueError):
    """The sketch already has a queued or running run; the message says which."""


def active_run(sketch: Sketch) -> Run | None:
    return sketch.runs.exclude(status__in=Run.ENDED).first()


def start_run(
    sketch: Sketch,
    user: User,
    text: str,
    filler: str = Run.Filler.AUTO,
    holes: Sequence[str] = (),
    fixed: Mapping[str, str] | None = None,
) -> Run:
    """Save the text as the sketch's head and queue a fill of it by `filler` (a Run.Filler):
    of every hole, or, for a refill, of `holes` only with the others held at `fixed`.

    The text is saved even when it cannot be filled, so nothing the user typed is lost; then
    RunInProgress (one run at a time per sketch), SketchProblem (a sketch that cannot be filled)
    or ExampleError (a bad example, such as a ragged grid where the entry takes an array) is
    raised before anything is queued."""
    revision = sketch.commit(text, "Edited")
    _refuse_a_second_run(sketch)
    parsed = check_sketch(text)
    # Examples the entry cannot be called with are the user's to fix: no model time is spent.
    examples = sketch.parsed_examples()
    check_examples(parsed, examples)
    as_expected(parsed, examples)
    check_hole_examples(parsed.holes, sketch.examples_of_holes(parsed.holes))
    fixed = dict(fixed or {})
    names = {hole.name for hole in parsed.holes}
    # The held fills may include fills of holes that other fills bring (decomposition): the
    # engine checks those; a hole to refill must be one of the sketch's own.
    if gone := [name for name in holes if name not in names]:
        raise SketchProblem(
            f"The sketch has no hole `{gone[0]}` any more: fill every hole again instead."
        )
    with transaction.atomic():
        # Locked, so that of two fills posted at once only one finds the sketch free.
        Sketch.objects.select_for_update().get(pk=sketch.pk)
        _refuse_a_second_run(sketch)
        run = Run.objects.create(
            sketch=sketch,
            revision=revision,
            created_by=user,
            backend=settings.INLAY_MODEL_BACKEND,
            filler=filler,
            holes=list(holes),
            fixed=fixed,
        )
        # The worker must find the run committed when it picks the task up.
        transaction.on_commit(lambda: send(run))
    run.refresh_from_db()  # sent, or failed because it could not be
    return run


def send(run: Run) -> None:
    """Hand the run's task to the broker. A run whose task cannot be sent (the broker is down)
    fails at once with the reason, rather than waiting as "queued" for a task nobody has."""
    try:
        fill_run.delay(run.pk)
    except Exception as error:  # kombu's OperationalError, a refused connection, a timeout
        log.warning("run %s could not be queued: %r", run.pk, error)
        why = (
            "Inlay could not queue this fill: its task queue did not answer "
            f"({type(error).__name__}). The sketch and its examples are saved; fill again "
            "once the queue is back."
        )
        if Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED).update(status=Run.Status.FAILED):
            RunRecorder(run)("run.failed", {"error": why})
        return
    Run.objects.filter(pk=run.pk).update(sent=timezone.now())


def run_as_is(candidate: Candidate, user: User) -> Run:
    """Queue a run of the candidate's fills as they are on the sketch's head and its current
    examples, traced, with no model: its one candidate shows what the fills do now."""
    sketch = candidate.run.sketch
    text = sketch.head().text
    return start_run(sketch, user, text, Run.Filler.ENUMERATIVE, (), candidate.fills)


def _refuse_a_second_run(sketch: Sketch) -> None:
    running = active_run(sketch)
    if running is not None and not give_up_if_stalled(running):
        raise RunInProgress(
            f"Run {running.pk} of this sketch is still {running.status}: wait for it to end or "
            "cancel it."
        )


def refill(candidate: Candidate, hole: str, user: User, filler: str = Run.Filler.AUTO) -> Run:
    """Queue a resynthesis of `hole` alone on the sketch's head, the candidate's other fills
    held as they are, against the hole's own examples and then the sketch's (the engine's
    `FillRequest.holes`/`fixed`)."""
    if hole not in candidate.fills:
        raise ReviewError(f"Candidate {candidate.number} has no fill for `{hole}` to replace.")
    sketch = candidate.run.sketch
    fixed = {name: code for name, code in candidate.fills.items() if name != hole}
    return start_run(sketch, user, sketch.head().text, filler, [hole], fixed)


def accept(candidate: Candidate) -> Revision:
    """Every fill of the candidate into the sketch, as one new revision."""
    _check_reviewable(candidate)
    sketch = candidate.run.sketch
    with transaction.atomic():
        revision = sketch.commit(
            _with_fills(candidate, candidate.fills),
            f"Accepted candidate {candidate.number} of run {candidate.run_id}",
        )
        candidate.decision = Candidate.Decision.ACCEPTED
        candidate.save(update_fields=["decision"])
    return revision


@dataclass(frozen=True)
class HoleDecision:
    decision: str  # "accepted", "rejected" or "left" (the hole stays a hole)
    code: str = ""  # the fill to accept, as the user may have edited it
    reason: str = ""  # why it was rejected


def review(candidate: Candidate, decisions: Mapping[str, HoleDecision]) -> Revision | None:
    """Decide hole by hole: the accepted fills (edited or not) go into the sketch as one new
    revision; a rejected fill is never offered again for its hole, and its reason goes to the
    prompts; a hole left stays a hole. None when nothing was accepted."""
    _check_reviewable(candidate)
    if unknown := sorted(set(decisions) - set(candidate.fills)):
        raise ReviewError(f"Candidate {candidate.number} has no fill for `{unknown[0]}`.")
    revision_text = candidate.run.revision.text
    holes = {hole.name: hole for hole in parse_sketch(revision_text).holes}
    accepted = {h: d.code for h, d in decisions.items() if d.decision == "accepted"}
    for hole, code in accepted.items():
        if problem := check_fill(holes[hole], code):
            raise ReviewError(f"The fill of `{hole}` cannot be accepted: {problem}")
    with transaction.atomic():
        revision = None
        if accepted:
            names = ", ".join(f"`{hole}`" for hole in accepted)
            revision = candidate.run.sketch.commit(
                _with_fills(candidate, accepted),
                f"Accepted {names} from candidate {candidate.number} of run {candidate.run_id}",
            )
        candidate.hole_decisions = {
            hole: {
                "decision": decision.decision,
                "reason": decision.reason.strip(),
                "code": decision.code if decision.decision == "accepted" else candidate.fills[hole],
            }
            for hole, decision in decisions.items()
        }
        every = {decision.decision for decision in decisions.values()}
        if accepted:
            candidate.decision = Candidate.Decision.ACCEPTED
        elif every == {"rejected"}:
            candidate.decision = Candidate.Decision.REJECTED
        candidate.save(update_fields=["hole_decisions", "decision"])
    return revision


def _check_reviewable(candidate: Candidate) -> None:
    if candidate.status != Candidate.Status.PASSED and candidate.status != Candidate.Status.FAILED:
        raise ReviewError("Only a tested candidate can be accepted.")
    if candidate.run.sketch.head().pk != candidate.run.revision_id:
        raise ReviewError(
            "The sketch has changed since this run started, so its diff no longer applies. "
            "Fill again to get candidates for the current text."
        )


def _with_fills(candidate: Candidate, fills: Mapping[str, str]) -> str:
    """The run's revision with `fills` in, as the user wrote it: the environment's prelude that
    the program runs with is not written into the sketch."""
    if not fills:
        return candidate.text
    try:
        return apply_nested_fills(parse_sketch(candidate.run.revision.text), fills)
    except FillError as error:
        raise ReviewError(f"The fills cannot go into the sketch: {error}") from None


def reject(candidate: Candidate, reason: str) -> None:
    candidate.decision = Candidate.Decision.REJECTED
    candidate.reason = reason.strip()
    candidate.save(update_fields=["decision", "reason"])


def cancel(run: Run) -> None:
    """Stop the run: a queued one at once, a running one through its worker, which looks within
    about a second and records `run.cancelled`. An ended run stays as it is."""
    Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(cancel_requested=True)
    # A queued run's task has not started: it finds the run cancelled and does nothing. Only
    # the one request that changes the status records the event.
    queued = Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED)
    if queued.update(status=Run.Status.CANCELLED, cancel_requested=True):
        RunRecorder(run)("run.cancelled", {"candidates": 0})


def give_up_if_stalled(run: Run) -> bool:
    """End a running run whose worker has gone: no heartbeat for INLAY_WORKER_LOST_SECONDS
    (killed, out of memory, restarted), or no event for INLAY_RUN_STALL_SECONDS (stuck). It
    fails with a message saying so, instead of running forever; its candidates so far stay.
    True if it was given up (by this call: of two sweeps at once, one records the failure)."""
    # As stored now: `run` may be a copy read before the run ended.
    row = Run.objects.filter(pk=run.pk).values("status", "heartbeat").first()
    if row is None or row["status"] != Run.Status.RUNNING:
        return False
    now = timezone.now()
    lost = settings.INLAY_WORKER_LOST_SECONDS
    if row["heartbeat"] is not None and now - row["heartbeat"] > timedelta(seconds=lost):
        why = (
            f"The worker running it stopped: no sign of it for {lost:g} s (it may have been "
            "killed, run out of memory or been restarted)."
        )
    else:
        latest = run.events.order_by("-seq").values_list("created", flat=True).first()
        quiet = settings.INLAY_RUN_STALL_SECONDS
        if latest is None or now - latest < timedelta(seconds=quiet):
            return False
        why = f"The worker stopped reporting: nothing for {quiet:g} s (it may be stuck)."
    if not Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
        status=Run.Status.FAILED
    ):
        return False
    why += " The candidates so far are kept; fill again to start a new run."
    RunRecorder(run)("run.failed", {"error": why})
    return True


def sweep() -> None:
    """Runs whose worker is gone fail; a queued run that no worker has taken within
    INLAY_REQUEUE_SECONDS of being sent, while no run is running, has lost its task (a broker
    restarted empty, a worker killed as it took it) and is sent again. A task sent twice is
    harmless: the first worker to start it claims the run, the other finds it taken."""
    for run in Run.objects.filter(status=Run.Status.RUNNING):
        give_up_if_stalled(run)
    if Run.objects.filter(status=Run.Status.RUNNING).exists():
        return  # the workers are busy: queued runs are waiting their turn
    waited = timezone.now() - timedelta(seconds=settings.INLAY_REQUEUE_SECONDS)
    lost = Q(sent__lt=waited) | Q(sent=None, created__lt=waited)
    for run in Run.objects.filter(lost, status=Run.Status.QUEUED):
        log.warning("run %s was queued but never taken: sending it again", run.pk)
        send(run)


def keep_sweeping(stop: threading.Event) -> None:
    """The worker's housekeeping thread: `sweep` every INLAY_SWEEP_SECONDS until `stop`."""
    try:
        while not stop.wait(settings.INLAY_SWEEP_SECONDS):
            try:
                sweep()
            except DatabaseError as error:  # the database restarting: try again next time
                log.warning("sweep failed: %r", error)
    finally:
        connection.close()
