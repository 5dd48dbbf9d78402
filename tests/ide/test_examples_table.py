from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Sketch


def test_adding_a_valid_example_saves_it(demo_sketch: Sketch, owner: Client):
    response = owner.post(
        f"/sketches/{demo_sketch.pk}/examples/", {"args": "[9, 8]", "output": "[8, 9]"}
    )
    assert response.status_code == 200
    assert demo_sketch.examples.last().args == "[9, 8]"  # type: ignore[union-attr]
    assert 'value="[9, 8]"' in response.content.decode()


def test_a_bad_value_gets_a_message_beside_the_row_and_nothing_is_saved(
    demo_sketch: Sketch, user: User, owner: Client
):
    response = owner.post(
        f"/sketches/{demo_sketch.pk}/examples/", {"args": "[1, 2", "output": "[2, 1]"}
    )
    page = response.content.decode()
    assert "never closed" in page
    assert 'value="[1, 2"' in page, "what the user typed is kept for correction"
    assert demo_sketch.examples.count() == 3


def test_changing_an_example_to_a_bad_value_keeps_the_stored_one(
    demo_sketch: Sketch, owner: Client
):
    example = demo_sketch.examples.first()
    assert example is not None
    response = owner.post(
        f"/examples/{example.pk}/", {"args": "[1, 2, 3]", "output": "reversed(x)"}
    )
    assert "Only literal values" in response.content.decode()
    example.refresh_from_db()
    assert example.output == "[3, 2, 1]"


def test_changing_and_deleting_examples(demo_sketch: Sketch, owner: Client):
    client = owner
    first, second = list(demo_sketch.examples.all())[:2]
    client.post(f"/examples/{first.pk}/", {"args": "(1, 2)", "output": "true"})
    first.refresh_from_db()
    assert (first.args, first.output) == ("(1, 2)", "true")
    client.post(f"/examples/{second.pk}/delete/")
    assert not demo_sketch.examples.filter(pk=second.pk).exists()
