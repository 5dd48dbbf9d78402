"""What the language server is told of a sketch's last run: each hole's status, and the
examples the best candidate failed."""

from __future__ import annotations

from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate
from lsp.facts import FailedExample, HoleFacts, HoleStatus, SketchFacts

_STATUS: dict[str, HoleStatus] = {
    Candidate.Status.PASSED: "verified",
    Candidate.Status.FAILED: "failing",
}


def last_run_facts(sketch: Sketch) -> SketchFacts | None:
    run = sketch.runs.first()
    if run is None:
        return None
    candidates = list(run.candidates.all())
    statuses: dict[str, HoleStatus] = {}
    for candidate in candidates:
        for name in candidate.fills:
            # A hole some candidate verified stays verified, whatever the others did.
            if statuses.get(name) != "verified":
                statuses[name] = _STATUS.get(candidate.status, "filled")
    tested = [c for c in candidates if c.status in _STATUS]
    best = max(tested, key=lambda c: c.passed, default=None)
    failed = () if best is None or best.status == Candidate.Status.PASSED else _failed(best)
    holes = {name: HoleFacts(status=status) for name, status in statuses.items()}
    return SketchFacts(holes=holes, failed=failed, run=run.pk)


def _failed(candidate: Candidate) -> tuple[FailedExample, ...]:
    return tuple(
        FailedExample(
            call=result.get("call", "?"),
            message=result.get("error")
            or f"expected {result.get('expected')}, got {result.get('actual')}",
        )
        for result in candidate.results
        if result.get("status") != "pass"
    )
