from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate, Run

FILLED = '''def reverse_list(xs: list[int]) -> list[int]:
    """Return a new list with the items of xs in reverse order."""
    return xs[::-1]


def main(xs: list[int]) -> list[int]:
    return reverse_list(xs)
'''


@pytest.fixture
def candidate(demo_sketch: Sketch, user: User) -> Candidate:
    run = Run.objects.create(
        sketch=demo_sketch,
        revision=demo_sketch.head(),
        created_by=user,
        backend="local",
        status=Run.Status.SUCCEEDED,
    )
    return Candidate.objects.create(
        run=run,
        index=0,
        status=Candidate.Status.PASSED,
        text=FILLED,
        results=[
            {
                "example": 0,
                "status": "pass",
                "expected": "[3, 2, 1]",
                "actual": "[3, 2, 1]",
                "error": None,
                "duration": 0.01,
            }
        ],
    )


def test_a_candidate_shows_as_a_diff_against_its_revision(candidate: Candidate, owner: Client):
    page = owner.get(f"/candidates/{candidate.pk}/").content.decode()
    assert '<span class="diff-add">+    return xs[::-1]</span>' in page
    assert "Accept" in page


def test_accepting_makes_a_new_revision_and_tells_the_editor(
    candidate: Candidate, demo_sketch: Sketch, owner: Client
):
    response = owner.post(f"/candidates/{candidate.pk}/accept/")
    head = demo_sketch.head()
    assert (head.number, head.text) == (2, FILLED)
    assert head.message == f"Accepted candidate 1 of run {candidate.run_id}"
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["inlay:revision"]["url"] == f"/sketches/{demo_sketch.pk}/revisions/2.py"
    assert owner.get(trigger["inlay:revision"]["url"]).content.decode() == FILLED
    assert "Accepted as revision 2" in response.content.decode()


def test_rejecting_keeps_the_sketch_as_it_was(
    candidate: Candidate, demo_sketch: Sketch, owner: Client
):
    owner.post(f"/candidates/{candidate.pk}/reject/", {"reason": "too clever"})
    candidate.refresh_from_db()
    assert (candidate.decision, candidate.reason) == ("rejected", "too clever")
    assert demo_sketch.revisions.count() == 1


def test_a_candidate_for_an_old_revision_cannot_be_accepted(
    candidate: Candidate, demo_sketch: Sketch, owner: Client
):
    demo_sketch.commit(demo_sketch.head().text + "\n# edited\n", "Edited")
    response = owner.post(f"/candidates/{candidate.pk}/accept/")
    assert "has changed since this run started" in response.content.decode()
    assert demo_sketch.head().number == 2


def test_a_stranger_cannot_see_or_accept_a_candidate(candidate: Candidate, stranger: Client):
    assert stranger.get(f"/candidates/{candidate.pk}/").status_code == 404
    assert stranger.post(f"/candidates/{candidate.pk}/accept/").status_code == 404
