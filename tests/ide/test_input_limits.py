"""A sketch or a request too large for Inlay is refused with the reason, which the page shows,
and nothing is lost or half-saved (issue 14's finding 8); so is one example too many."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from apps.sketches.models import Example, HoleExample, Sketch
from apps.synthesis.models import Run
from inlay.sketch.limits import MAX_EXAMPLES, MAX_SKETCH_CHARS

pytestmark = pytest.mark.django_db

TOO_LONG = "x = 1\n" * (MAX_SKETCH_CHARS // 6 + 1)


@pytest.mark.parametrize("action", ["save", "fill", "outline", "hole-examples"])
def test_a_sketch_over_the_limit_is_refused_with_its_size_and_nothing_is_saved(
    demo_sketch: Sketch, owner: Client, action: str
):
    head = demo_sketch.head()

    response = owner.post(f"/sketches/{demo_sketch.pk}/{action}/", {"text": TOO_LONG})

    assert response.status_code == 413
    assert response.content.decode() == (
        f"The sketch is {len(TOO_LONG):,} characters long; Inlay takes sketches of at most "
        "250,000. Nothing was saved: the text is still in the editor."
    )
    assert demo_sketch.head() == head
    assert not Run.objects.exists()


def test_a_request_over_the_upload_limit_says_so_instead_of_a_bare_400(
    demo_sketch: Sketch, owner: Client
):
    huge = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    response = owner.post(f"/sketches/{demo_sketch.pk}/save/", {"text": huge})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith(
        "This request is larger than the 8 MB Inlay takes, so nothing was saved"
    )
    assert demo_sketch.revisions.count() == 1


def test_one_example_too_many_is_refused_with_the_limit(demo_sketch: Sketch, owner: Client):
    for number in range(MAX_EXAMPLES - Example.objects.filter(sketch=demo_sketch).count()):
        Example.objects.create(sketch=demo_sketch, args=f"[{number}]", output=f"[{number}]")

    page = owner.post(
        f"/sketches/{demo_sketch.pk}/examples/", {"args": "[1, 2]", "output": "[2, 1]"}
    ).content.decode()

    assert "The entry has 100 examples, the most Inlay takes: delete one to add another." in page
    assert Example.objects.filter(sketch=demo_sketch).count() == MAX_EXAMPLES


def test_one_example_too_many_for_a_hole_is_refused(sketch_with_inline_hole: Sketch, owner: Client):
    sketch = sketch_with_inline_hole
    for number in range(MAX_EXAMPLES):
        HoleExample.objects.create(
            sketch=sketch, description="reverse the list", args=f"[{number}]", output="[0]"
        )

    page = owner.post(
        f"/sketches/{sketch.pk}/hole-examples/",
        {"hole": "reverse_the_list", "args": "[1, 2]", "output": "[2, 1]"},
    ).content.decode()

    assert "`reverse_the_list` has 100 examples, the most Inlay takes" in page
    assert HoleExample.objects.filter(sketch=sketch).count() == MAX_EXAMPLES


@pytest.fixture
def sketch_with_inline_hole(user) -> Sketch:
    sketch = Sketch.objects.create(owner=user, name="Inline")
    sketch.commit(
        'def main(xs: list[int]) -> list[int]:\n    return "reverse the list"(xs)\n', "Created"
    )
    return sketch


def test_a_sketch_with_too_many_comment_lines_in_a_row_is_refused_with_where_they_are(
    demo_sketch: Sketch, owner: Client
):
    head = demo_sketch.head()
    # Blank lines do not break a run; a line of code does.
    commented = head.text + "# one\n\n" * 1_000 + "x = 1\n" + "#\n" * 2_001 + "y = 2\n"

    response = owner.post(f"/sketches/{demo_sketch.pk}/save/", {"text": commented})

    assert response.status_code == 400
    first = head.text.count("\n") + 2_000 + 2
    assert response.content.decode().startswith(
        f"Lines {first:,}-{first + 2_000:,} hold 2,001 comment lines with no code between them"
    )
    assert demo_sketch.head() == head
    fine = head.text + "#\n" * 2_000
    assert owner.post(f"/sketches/{demo_sketch.pk}/save/", {"text": fine}).status_code == 200
