"""Clarifying one hole in the IDE: its traced calls in the review, an example for it from a
traced call, and a refill of that hole alone with the candidate's other fills kept.

The first fill is written by a scripted model that gets one hole wrong (it returns the grid
unchanged where it should turn it upside down); the refill is the model-free filler's, from the
examples the user gave that hole. The Celery task runs in the test's process, as the worker
runs it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Example, HoleExample, Sketch
from apps.synthesis.facts import last_run_facts
from apps.synthesis.models import Candidate, Run
from apps.synthesis.tasks import fill_run
from inlay.context.facts import GivenExample, facts_markdown
from inlay.sketch import parse_sketch
from inlay.synthesis.backends import registry
from tests.clarify_scenario import EXAMPLES, REPLIES, SKETCH, SWAP, TURN
from tests.servers import ScriptedModelServer, scripted_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def sketch(user: User) -> Sketch:
    sketch = Sketch.objects.create(owner=user, name="Turn and swap")
    sketch.commit(SKETCH, "Created")
    for args, output in EXAMPLES:
        Example.objects.create(sketch=sketch, args=args, output=output)
    return sketch


@pytest.fixture
def model(settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[ScriptedModelServer]:
    settings.INLAY_MODEL_BACKEND = "openai"
    settings.INLAY_SAMPLES_PER_HOLE = 1
    monkeypatch.setattr(registry, "_instances", {})
    with scripted_model([], by_hole=REPLIES) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("INLAY_OPENAI_MODEL", "scripted")
        yield server


@pytest.fixture
def wrong(sketch: Sketch, owner: Client, model: ScriptedModelServer) -> Candidate:
    """The first fill's candidate: the swap is right, the turn is not."""
    owner.post(f"/sketches/{sketch.pk}/fill/", {"text": SKETCH, "filler": "model"})
    run = Run.objects.get()
    fill_run(run.pk)
    run.refresh_from_db()
    assert run.status == Run.Status.FINISHED, run.message
    return run.candidates.get(status=Candidate.Status.FAILED)


def test_the_review_shows_each_holes_traced_calls_with_grids(wrong: Candidate, owner: Client):
    page = owner.get(f"/candidates/{wrong.pk}/").content.decode()
    trace = page.split('<section class="trace" id="trace">')[1].split("</section>")[0]
    first = trace.split('data-example="0"')[1].split('data-example="1"')[0]
    assert 'data-status="fail"' in first
    turn = first.split(f'data-hole="{TURN}"')[1].split('class="trace-hole"')[0]
    # The grid [[1, 2], [0, 0]] went in and came out unchanged, drawn as coloured cells.
    cells = '<tr><td class="c1"></td><td class="c2"></td></tr><tr><td class="c0"></td>'
    assert turn.count(cells) == 2
    assert "This call should return…" in turn
    assert "[[1, 2], [0, 0]]</textarea>" in turn
    assert f"Refill <code>{TURN}</code>" in page and f"Refill <code>{SWAP}</code>" in page


def test_a_traced_call_becomes_an_example_of_its_inline_hole(
    wrong: Candidate, sketch: Sketch, owner: Client
):
    page = owner.post(
        f"/sketches/{sketch.pk}/hole-examples/",
        {"hole": TURN, "args": "[[1, 2], [0, 0]]", "output": "[[0, 0], [1, 2]]", "text": SKETCH},
    ).content.decode()
    stored = HoleExample.objects.get()
    assert (stored.description, stored.args, stored.output) == (
        "turn the grid upside down",
        "[[1, 2], [0, 0]]",
        "[[0, 0], [1, 2]]",
    )
    assert f"<code>{TURN}([[1, 2], [0, 0]])</code> → <code>[[0, 0], [1, 2]]</code>" in page
    # The sketch's text is untouched: an inline hole keeps its examples beside it.
    assert sketch.head().text == SKETCH
    assert sketch.examples_of_holes(parse_sketch(SKETCH).holes)[TURN][0].output == [[0, 0], [1, 2]]


def test_an_example_of_an_inline_hole_follows_its_description_through_edits(
    sketch: Sketch, owner: Client
):
    HoleExample.objects.create(
        sketch=sketch, description="turn the grid upside down", args="[[1]]", output="[[1]]"
    )
    moved = SKETCH.replace("turned = ", "flipped = ").replace("(turned)", "(flipped)")
    owner.post(f"/sketches/{sketch.pk}/save/", {"text": "# renamed\n" + moved})
    page = owner.get(f"/sketches/{sketch.pk}/").content.decode()
    assert f"<code>{TURN}([[1]])</code>" in page
    reworded = moved.replace("turn the grid upside down", "mirror the grid")
    owner.post(f"/sketches/{sketch.pk}/save/", {"text": reworded})
    holes = parse_sketch(reworded).holes
    assert sketch.examples_of_holes(holes) == {}


def test_an_example_the_hole_cannot_take_is_refused_with_the_reason(sketch: Sketch, owner: Client):
    page = owner.post(
        f"/sketches/{sketch.pk}/hole-examples/",
        {"hole": TURN, "args": "[[1]], [[2]]", "output": "[[1]]"},
    ).content.decode()
    assert f"`{TURN}` takes 1 argument; these are 2." in page
    malformed = owner.post(
        f"/sketches/{sketch.pk}/hole-examples/", {"hole": TURN, "args": "[[1]]", "output": "[[1"}
    ).content.decode()
    assert 'class="field-error"' in malformed
    assert not HoleExample.objects.exists()
    # What was typed stays in the form, open.
    assert '<details class="hole-example-form" open>' in malformed
    assert "[[1</textarea>" in malformed


def test_an_example_of_a_function_hole_is_a_doctest_line_in_a_new_revision(
    demo_sketch: Sketch, owner: Client
):
    text = demo_sketch.head().text
    response = owner.post(
        f"/sketches/{demo_sketch.pk}/hole-examples/",
        {"hole": "reverse_list", "args": "[4, 5]", "output": "[5, 4]", "text": text},
    )
    head = demo_sketch.head()
    assert head.message == "Example for `reverse_list`"
    assert ">>> reverse_list([4, 5])\n    [5, 4]\n" in head.text
    examples = parse_sketch(head.text).hole("reverse_list").examples
    assert [(e.args, e.output) for e in examples][-1] == (([4, 5],), [5, 4])
    assert not HoleExample.objects.exists()
    # The editor is told to load the new text.
    assert "inlay:revision" in response.headers["HX-Trigger"]


def test_a_stored_example_of_an_inline_hole_is_edited_checked_and_deleted(
    sketch: Sketch, owner: Client
):
    stored = HoleExample.objects.create(
        sketch=sketch, description="turn the grid upside down", args="[[1]]", output="[[1]]"
    )
    page = owner.get(f"/sketches/{sketch.pk}/").content.decode()
    assert f'hx-post="/hole-examples/{stored.pk}/"' in page

    owner.post(
        f"/hole-examples/{stored.pk}/", {"hole": TURN, "args": "[[1], [2]]", "output": "[[2], [1]]"}
    )
    stored.refresh_from_db()
    assert (stored.args, stored.output) == ("[[1], [2]]", "[[2], [1]]")
    refused = owner.post(
        f"/hole-examples/{stored.pk}/", {"hole": TURN, "args": "[[1]], [[2]]", "output": "[[1]]"}
    ).content.decode()
    assert f"`{TURN}` takes 1 argument; these are 2." in refused
    # The form that was wrong stays open with what was typed; the stored example is unchanged.
    assert f'<li data-form="stored-{stored.pk}">' in refused
    assert "[[1]], [[2]]</textarea>" in refused
    stored.refresh_from_db()
    assert stored.args == "[[1], [2]]"

    owner.post(f"/hole-examples/{stored.pk}/delete/", {"hole": TURN, "delete": "1"})
    assert not HoleExample.objects.exists()


def test_a_function_holes_doctest_example_is_edited_and_removed_in_new_revisions(
    demo_sketch: Sketch, owner: Client
):
    text = demo_sketch.head().text
    owner.post(
        f"/sketches/{demo_sketch.pk}/hole-examples/",
        {"hole": "reverse_list", "args": "[4, 5]", "output": "[5, 4]", "text": text},
    )
    before = parse_sketch(demo_sketch.head().text).hole("reverse_list").examples
    number = len(before) - 1  # the doctest just added is the last
    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    assert f'hx-post="/sketches/{demo_sketch.pk}/doctests/{number}/"' in page

    response = owner.post(
        f"/sketches/{demo_sketch.pk}/doctests/{number}/",
        {"hole": "reverse_list", "args": "[4, 5, 6]", "output": "[6, 5, 4]"},
    )
    head = demo_sketch.head()
    assert head.message == "Example of `reverse_list` changed"
    assert ">>> reverse_list([4, 5, 6])\n    [6, 5, 4]\n" in head.text
    assert "[4, 5])" not in head.text
    assert "inlay:revision" in response.headers["HX-Trigger"]

    owner.post(
        f"/sketches/{demo_sketch.pk}/doctests/{number}/", {"hole": "reverse_list", "delete": "1"}
    )
    head = demo_sketch.head()
    assert head.message == "Example of `reverse_list` removed"
    assert parse_sketch(head.text).hole("reverse_list").examples == before[:-1]
    assert head.text == text  # the docstring is back as it was before the first example


def test_refilling_one_hole_keeps_the_others_fill_and_uses_the_holes_examples(
    wrong: Candidate, sketch: Sketch, owner: Client, model: ScriptedModelServer
):
    for args, output in [
        ("[[1, 2], [0, 0]]", "[[0, 0], [1, 2]]"),
        ("[[0], [2], [1]]", "[[1], [2], [0]]"),
    ]:
        owner.post(
            f"/sketches/{sketch.pk}/hole-examples/", {"hole": TURN, "args": args, "output": output}
        )
    asked = len(model.requests)
    page = owner.post(
        f"/candidates/{wrong.pk}/refill/", {"hole": TURN, "filler": "enumerative"}
    ).content.decode()
    refill = Run.objects.order_by("-pk").first()
    assert refill is not None and refill.pk != wrong.run_id
    # The page shows the run the refill created.
    assert f'id="run-{refill.pk}"' in page and f"refilling <code>{TURN}</code>" in page
    assert (refill.holes, refill.fixed) == ([TURN], {SWAP: wrong.fills[SWAP]})

    fill_run(refill.pk)
    refill.refresh_from_db()
    assert refill.status == Run.Status.SUCCEEDED, refill.message
    assert len(model.requests) == asked  # the model-free filler alone
    passing = refill.candidates.get(status=Candidate.Status.PASSED)
    assert passing.origins == {TURN: "enumerative", SWAP: "fixed"}
    assert passing.fills[SWAP] == wrong.fills[SWAP]
    assert "np.flipud(grid)" in passing.fills[TURN]


def test_a_refill_of_a_hole_the_candidate_did_not_fill_is_refused(wrong: Candidate, owner: Client):
    response = owner.post(f"/candidates/{wrong.pk}/refill/", {"hole": "main"})
    assert response.status_code == 400
    assert (
        response.content.decode() == f"Candidate {wrong.number} has no fill for `main` to replace."
    )


def test_a_second_fill_waits_for_the_first_and_the_page_says_which_run_runs(
    sketch: Sketch, owner: Client
):
    first = owner.post(f"/sketches/{sketch.pk}/fill/", {"text": SKETCH}).content.decode()
    run = Run.objects.get()
    assert f'id="run-{run.pk}"' in first
    second = owner.post(f"/sketches/{sketch.pk}/fill/", {"text": SKETCH + "\n"}).content.decode()
    assert Run.objects.count() == 1
    assert (
        f"Run {run.pk} of this sketch is still queued: wait for it to end or cancel it." in second
    )
    # What was typed is saved all the same.
    assert sketch.head().text == SKETCH + "\n"
    owner.post(f"/runs/{run.pk}/cancel/")
    owner.post(f"/sketches/{sketch.pk}/fill/", {"text": SKETCH})
    assert Run.objects.count() == 2


def test_a_revision_shows_its_changes_and_a_restore_is_a_new_revision(
    demo_sketch: Sketch, owner: Client
):
    first = demo_sketch.head().text
    owner.post(f"/sketches/{demo_sketch.pk}/save/", {"text": first + "# more\n"})
    diff = owner.get(f"/sketches/{demo_sketch.pk}/revisions/2/diff/").content.decode()
    assert '<span class="diff-add">+# more</span>' in diff
    assert "Restore r2" in diff

    response = owner.post(f"/sketches/{demo_sketch.pk}/revisions/1/restore/")
    head = demo_sketch.head()
    assert (head.number, head.text, head.message) == (3, first, "Restored r1")
    assert "inlay:revision" in response.headers["HX-Trigger"]
    # The restore is undone by restoring the revision before it.
    owner.post(f"/sketches/{demo_sketch.pk}/revisions/2/restore/")
    assert demo_sketch.head().text == first + "# more\n"


def test_nobody_else_adds_examples_refills_or_restores(
    wrong: Candidate, sketch: Sketch, stranger: Client
):
    stored = HoleExample.objects.create(sketch=sketch, description="x", args="1", output="1")
    assert stranger.post(f"/sketches/{sketch.pk}/hole-examples/", {"hole": TURN}).status_code == 404
    assert stranger.post(f"/hole-examples/{stored.pk}/delete/").status_code == 404
    assert stranger.post(f"/candidates/{wrong.pk}/refill/", {"hole": TURN}).status_code == 404
    assert stranger.post(f"/sketches/{sketch.pk}/revisions/1/restore/").status_code == 404
    assert stranger.get(f"/sketches/{sketch.pk}/revisions/1/diff/").status_code == 404
    assert HoleExample.objects.count() == 1 and sketch.revisions.count() == 1


def test_a_review_hole_by_hole_accepts_one_fill_and_rejects_the_other_for_good(
    wrong: Candidate, sketch: Sketch, owner: Client, model: ScriptedModelServer
):
    response = owner.post(
        f"/candidates/{wrong.pk}/review/",
        {
            f"decision-{SWAP}": "accepted",
            f"code-{SWAP}": wrong.fills[SWAP].replace("out = turned.copy()", "out = turned + 0"),
            f"decision-{TURN}": "rejected",
            f"reason-{TURN}": "it leaves the grid as it is",
        },
    )
    head = sketch.head()
    assert head.message == f"Accepted `{SWAP}` from candidate 1 of run {wrong.run_id}"
    assert "out = turned + 0" in head.text  # as the user edited it
    assert '"turn the grid upside down"(grid)' in head.text  # still a hole
    assert "import numpy" not in head.text  # the prelude is the environment's, not the sketch's
    assert "inlay:revision" in response.headers["HX-Trigger"]
    wrong.refresh_from_db()
    assert wrong.decision == Candidate.Decision.ACCEPTED
    assert wrong.hole_decisions[TURN] == {
        "decision": "rejected",
        "reason": "it leaves the grid as it is",
        "code": wrong.fills[TURN],
    }

    # The next fill is told why, and the model's same fill is never offered again.
    asked = len(model.requests)
    owner.post(f"/sketches/{sketch.pk}/fill/", {"text": head.text, "filler": "model"})
    again = Run.objects.order_by("-pk").first()
    assert again is not None
    fill_run(again.pk)
    prompts = json.dumps(model.requests[asked:])
    assert "it leaves the grid as it is" in prompts
    offered = [c.fills.get(TURN) for c in again.candidates.all()]
    assert wrong.fills[TURN] not in offered


def test_an_edited_fill_that_cannot_fill_its_hole_is_refused_and_nothing_changes(
    wrong: Candidate, sketch: Sketch, owner: Client
):
    page = owner.post(
        f"/candidates/{wrong.pk}/review/",
        {f"decision-{SWAP}": "accepted", f"code-{SWAP}": "def other(x):\n    return x\n"},
    ).content.decode()
    assert (
        f"The fill of `{SWAP}` cannot be accepted: The code defines no function `{SWAP}`." in page
    )
    assert "def other(x):" in page  # what the user typed is still there to mend
    assert sketch.head().text == SKETCH
    wrong.refresh_from_db()
    assert wrong.hole_decisions == {} and wrong.decision == Candidate.Decision.PENDING


def test_the_holes_panel_is_drawn_for_unsaved_text_and_saves_nothing(sketch: Sketch, owner: Client):
    typed = SKETCH.replace("return ", 'extra = "count the colours"(turned)\n    return ')
    page = owner.post(
        f"/sketches/{sketch.pk}/outline/", {"text": typed + "def broken(:\n"}
    ).content.decode()
    assert page.count('<li class="hole"') == 3
    assert 'data-hole="count_the_colours"' in page
    assert "No holes" not in page
    assert sketch.revisions.count() == 1


def test_run_traces_a_candidates_fills_as_they_are_on_the_current_examples_without_the_model(
    wrong: Candidate, sketch: Sketch, owner: Client, model: ScriptedModelServer
):
    Example.objects.create(sketch=sketch, args="[[1]]", output="[[2]]")  # added since the run
    asked = len(model.requests)
    page = owner.post(f"/candidates/{wrong.pk}/run/").content.decode()
    again = Run.objects.order_by("-pk").first()
    assert again is not None and again.as_is
    assert "the fills as they are, no model" in page
    fill_run(again.pk)
    assert len(model.requests) == asked
    candidate = again.candidates.get()
    assert candidate.fills == wrong.fills
    assert candidate.origins == {TURN: "fixed", SWAP: "fixed"}
    assert [result["status"] for result in candidate.results] == ["fail", "fail", "pass"]
    calls = candidate.trace["holes"][TURN]["traced"]
    assert [call["literals"] for call in calls if call["example"] == 2] == [["[[1]]"]]


def test_the_examples_given_to_an_inline_hole_are_in_its_facts_for_hover(
    sketch: Sketch, owner: Client
):
    owner.post(
        f"/sketches/{sketch.pk}/hole-examples/",
        {"hole": TURN, "args": "[[1, 2]]", "output": "[[1, 2]]"},
    )
    facts = last_run_facts(sketch)
    assert facts is not None
    assert facts.of(TURN).given == (GivenExample("[[1, 2]]", "[[1, 2]]"),)
    assert f"Examples you gave it:\n\n- `{TURN}([[1, 2]]) → [[1, 2]]`" in facts_markdown(
        TURN, facts.of(TURN)
    )
    assert facts.of(SWAP).given == ()


def test_a_refill_of_a_hole_the_sketch_no_longer_has_says_so(
    wrong: Candidate, sketch: Sketch, owner: Client
):
    edited = SKETCH.replace("turn the grid upside down", "mirror the grid")
    owner.post(f"/sketches/{sketch.pk}/save/", {"text": edited})
    page = owner.post(f"/candidates/{wrong.pk}/refill/", {"hole": TURN}).content.decode()
    assert f"The sketch has no hole `{TURN}` any more: fill every hole again instead." in page
    assert Run.objects.count() == 1
