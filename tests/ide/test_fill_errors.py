from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Example, Sketch
from apps.synthesis.models import Run


def test_a_sketch_that_does_not_parse_gets_a_message_and_no_run(
    demo_sketch: Sketch, user: User, owner: Client
):
    broken = demo_sketch.head().text + "\nvalue = [1, 2\n"
    response = owner.post(f"/sketches/{demo_sketch.pk}/fill/", {"text": broken})
    page = response.content.decode()
    assert (
        "Cannot fill this sketch. Line 8, column 9: Syntax error: &#x27;[&#x27; was never closed"
        in page
    )
    assert not Run.objects.exists()
    assert demo_sketch.head().text == broken, "what the user typed is saved all the same"


def test_a_sketch_without_holes_gets_a_message(demo_sketch: Sketch, owner: Client):
    response = owner.post(
        f"/sketches/{demo_sketch.pk}/fill/", {"text": "def main(x):\n    return x\n"}
    )
    assert "The sketch has no holes to fill." in response.content.decode()
    assert not Run.objects.exists()


def test_an_invalid_stored_example_is_named(demo_sketch: Sketch, owner: Client):
    Example.objects.create(sketch=demo_sketch, args="[1,", output="1")
    response = owner.post(f"/sketches/{demo_sketch.pk}/fill/", {"text": demo_sketch.head().text})
    assert "An example is not valid" in response.content.decode()
    assert not Run.objects.exists()
