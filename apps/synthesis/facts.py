"""What the language server is told of a sketch's last run: each hole's status, the examples the
best candidate failed (on the hole whose raising ended them, else on the entry), and what tracing
that candidate showed of each hole (the values it received, their observed types)."""

from __future__ import annotations

from typing import Any

from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate
from inlay.context.facts import (
    FailedExample,
    GivenExample,
    HoleFacts,
    HoleStatus,
    SketchFacts,
    hole_facts_from_json,
)
from inlay.sketch import parse_sketch

_STATUS: dict[str, HoleStatus] = {
    Candidate.Status.PASSED: "verified",
    Candidate.Status.FAILED: "failing",
}


def last_run_facts(sketch: Sketch) -> SketchFacts | None:
    """The facts of the sketch's latest run, with the examples the user gave its inline holes
    (which show in hover); None when there is neither."""
    given = _given(sketch)
    run = sketch.runs.first()
    if run is None:
        holes = {name: HoleFacts(given=lines) for name, lines in given.items()}
        return SketchFacts(holes=holes) if holes else None
    candidates = list(run.candidates.all())
    statuses: dict[str, HoleStatus] = {}
    for candidate in candidates:
        for name in candidate.fills:
            # A hole some candidate verified stays verified, whatever the others did.
            if statuses.get(name) != "verified":
                statuses[name] = _STATUS.get(candidate.status, "filled")
    tested = [c for c in candidates if c.status in _STATUS]
    # The candidate that passed, else the one that passed most: its failures and its trace.
    best = max(tested, key=lambda c: (c.passed, c.status == Candidate.Status.PASSED), default=None)
    traced: dict[str, Any] = best.trace.get("holes", {}) if best is not None else {}
    failed_in: dict[str, str] = best.trace.get("failed_in", {}) if best is not None else {}
    failures = _failed(best) if best is not None else []
    holes = {}
    for name, status in statuses.items():
        on_hole = tuple(failed for example, failed in failures if failed_in.get(example) == name)
        facts = hole_facts_from_json(traced.get(name, {}))
        holes[name] = HoleFacts(
            status, on_hole, facts.traced, observed=facts.observed, given=given.get(name, ())
        )
    for name, lines in given.items():
        holes.setdefault(name, HoleFacts(given=lines))
    at_entry = tuple(failed for example, failed in failures if failed_in.get(example) not in holes)
    return SketchFacts(holes=holes, failed=at_entry, run=run.pk)


def _given(sketch: Sketch) -> dict[str, tuple[GivenExample, ...]]:
    """The inline holes' stored examples, by the hole's name in the sketch's head."""
    if not sketch.hole_examples.exists():
        return {}  # no parse of the head for the common case
    stored = sketch.stored_hole_examples(parse_sketch(sketch.head().text).holes)
    return {
        name: tuple(GivenExample(example.args, example.output) for example in rows)
        for name, rows in stored.items()
    }


def _failed(candidate: Candidate) -> list[tuple[str, FailedExample]]:
    """The candidate's failed examples, each with its example number (as `failed_in` keys it)."""
    return [
        (
            str(result.get("example", number)),
            FailedExample(
                call=result.get("call", "?"),
                message=result.get("error")
                or f"expected {result.get('expected')}, got {result.get('actual')}",
            ),
        )
        for number, result in enumerate(candidate.results)
        if result.get("status") != "pass"
    ]
