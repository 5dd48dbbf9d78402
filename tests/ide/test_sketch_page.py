from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.demo import DEMO_SKETCH
from apps.sketches.models import Sketch
from tests.ide.test_fillers import ARC_SKETCH


def test_the_page_shows_the_sketch_its_holes_and_examples(demo_sketch: Sketch, owner: Client):
    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    assert 'id="editor"' in page and "def reverse_list(xs: list[int])" in page
    assert "reverse_list" in page and "function hole" in page
    assert ">[4, 0, 7, 7]</textarea>" in page


def test_another_users_sketch_is_not_found(demo_sketch: Sketch, stranger: Client):
    assert stranger.get(f"/sketches/{demo_sketch.pk}/").status_code == 404
    response = stranger.post(f"/sketches/{demo_sketch.pk}/save/", {"text": "x = 1"})
    assert response.status_code == 404
    assert demo_sketch.head().number == 1


def test_saving_a_changed_text_makes_a_revision_and_an_unchanged_one_does_not(
    demo_sketch: Sketch, owner: Client
):
    client = owner
    client.post(f"/sketches/{demo_sketch.pk}/save/", {"text": demo_sketch.head().text})
    assert demo_sketch.revisions.count() == 1
    response = client.post(
        f"/sketches/{demo_sketch.pk}/save/", {"text": "def main(x):\n    return x\n"}
    )
    assert demo_sketch.revisions.count() == 2
    assert "No holes" in response.content.decode()


def test_a_login_is_required(demo_sketch: Sketch):
    response = Client().get(f"/sketches/{demo_sketch.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_arc_style_sketch_shows_the_prelude_it_leans_on(user: User, owner: Client):
    sketch = Sketch.objects.create(owner=user, name="Flip")
    sketch.commit(ARC_SKETCH, "Created")
    page = owner.get(f"/sketches/{sketch.pk}/").content.decode()
    assert (
        '<p class="prelude small" id="prelude"><strong>Environment (ARC prelude):</strong>' in page
    )
    colours = "black, blue, red, green, yellow, grey, pink, orange, teal, maroon = range(10)"
    assert f"<code>import numpy as np</code> · <code>{colours}</code>." in page
    assert "from typing import *" not in page


def test_a_plain_sketch_shows_no_prelude(demo_sketch: Sketch, owner: Client):
    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    assert 'id="prelude"' not in page


def test_saving_and_filling_update_the_prelude_with_the_text(demo_sketch: Sketch, owner: Client):
    saved = owner.post(f"/sketches/{demo_sketch.pk}/save/", {"text": ARC_SKETCH})
    assert "Environment (ARC prelude)" in saved.content.decode()
    filled = owner.post(f"/sketches/{demo_sketch.pk}/fill/", {"text": DEMO_SKETCH})
    assert 'id="prelude"' not in filled.content.decode()


def test_the_login_and_sketch_list_pages_are_panels_like_the_ide(
    demo_sketch: Sketch, owner: Client
):
    login = Client().get("/accounts/login/").content.decode()
    assert '<main class="narrow">\n  <section class="panel">' in login
    assert "<h2>Log in to Inlay</h2>" in login
    listing = owner.get("/").content.decode()
    assert "<h2>Your sketches</h2>" in listing
    row = listing.split(f'href="/sketches/{demo_sketch.pk}/"')[1].split("</tr>")[0]
    assert "r1 · Created" in row
