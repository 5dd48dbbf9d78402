"""Choosing who writes the fills of a run, and the page saying who wrote each hole's fill."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Example, Sketch
from apps.synthesis.events import RunRecorder
from apps.synthesis.models import Candidate, Run
from apps.synthesis.tasks import fill_run
from inlay.synthesis.backends import registry
from inlay.synthesis.engine import FILLERS
from tests.servers import scripted_model
from tests.synthesis.test_enumerative import FLIP

pytestmark = pytest.mark.django_db

# An ARC-style sketch: it uses `np`, `red` and `blue` without defining them, and its hole has
# examples of its own (its doctest lines), which the model-free filler needs.
ARC_SKETCH = '''def flip(grid: np.ndarray) -> np.ndarray:
    """Turn the grid upside down.

    >>> flip([[1, 2], [3, 4]])
    [[3, 4], [1, 2]]
    >>> flip([[5], [6], [7]])
    [[7], [6], [5]]
    """


def main(grid: np.ndarray) -> np.ndarray:
    flipped = flip(grid)
    flipped[flipped == red] = blue
    return flipped
'''
ARC_EXAMPLE = ("[[2, 0], [1, 2]]", "[[1, 1], [1, 0]]")
PLAIN_SKETCH = FLIP  # the same flip, its grids as lists


@pytest.fixture
def arc_sketch(user: User) -> Sketch:
    sketch = Sketch.objects.create(owner=user, name="Flip")
    sketch.commit(ARC_SKETCH, "Created")
    Example.objects.create(sketch=sketch, args=ARC_EXAMPLE[0], output=ARC_EXAMPLE[1])
    return sketch


def test_the_fillers_offered_are_the_engines():
    assert Run.Filler.values == list(FILLERS)


def test_the_fill_form_offers_every_filler_the_first_being_both(demo_sketch: Sketch, owner: Client):
    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    assert 'hx-include="#sketch-text, #filler"' in page
    options = page.split('<select id="filler" name="filler">')[1].split("</select>")[0]
    assert options.index('value="auto"') < options.index('value="model"')
    assert "the model-free filler, then the model" in options
    assert "the model only" in options and "the model-free filler only" in options


def test_the_chosen_filler_is_recorded_on_the_run(demo_sketch: Sketch, owner: Client):
    text = demo_sketch.head().text
    owner.post(f"/sketches/{demo_sketch.pk}/fill/", {"text": text, "filler": "model"})
    # One run at a time: the first is cancelled before the second is posted.
    owner.post(f"/runs/{Run.objects.get().pk}/cancel/")
    owner.post(f"/sketches/{demo_sketch.pk}/fill/", {"text": text})
    assert list(Run.objects.order_by("pk").values_list("filler", flat=True)) == ["model", "auto"]


def test_an_unknown_filler_is_refused_and_nothing_is_saved_or_queued(
    demo_sketch: Sketch, owner: Client
):
    response = owner.post(
        f"/sketches/{demo_sketch.pk}/fill/", {"text": "def main(x): ...\n", "filler": "oracle"}
    )
    assert response.status_code == 400
    assert response.content.decode() == (
        "Unknown filler 'oracle': choose one of auto, model, enumerative."
    )
    assert not Run.objects.exists()
    assert demo_sketch.revisions.count() == 1


def test_the_model_free_filler_alone_fills_a_hole_from_its_own_examples_without_a_model(
    arc_sketch: Sketch, owner: Client, settings, monkeypatch: pytest.MonkeyPatch
):
    # A model server that would answer, so any call to it would show in its requests.
    settings.INLAY_MODEL_BACKEND = "openai"
    monkeypatch.setattr(registry, "_instances", {})
    with scripted_model([]) as model:
        monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
        monkeypatch.setenv("INLAY_OPENAI_MODEL", "scripted")
        text = arc_sketch.head().text
        owner.post(f"/sketches/{arc_sketch.pk}/fill/", {"text": text, "filler": "enumerative"})
        run = Run.objects.get()
        fill_run(run.pk)  # the task, as the worker runs it
        assert model.requests == []

    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.message
    assert (run.tokens_in, run.tokens_out) == (0, 0)
    candidate = run.candidates.get(status=Candidate.Status.PASSED)
    assert candidate.origins == {"flip": "enumerative"}
    assert "np.flipud(grid)" in candidate.fills["flip"]

    page = owner.get(f"/sketches/{arc_sketch.pk}/").content.decode()
    assert '<span class="run-filler">the model-free filler only</span>' in page
    assert '<li data-hole="flip"><code>flip</code> found by the model-free filler</li>' in page
    detail = owner.get(f"/candidates/{candidate.pk}/").content.decode()
    assert "found by the model-free filler" in detail


def test_the_model_only_filler_never_runs_the_model_free_one(
    user: User, owner: Client, settings, monkeypatch: pytest.MonkeyPatch
):
    # The same hole on lists, which the model-free filler would fill as well.
    sketch = Sketch.objects.create(owner=user, name="Flip lists")
    sketch.commit(PLAIN_SKETCH, "Created")
    Example.objects.create(sketch=sketch, args="[[1, 2], [3]]", output="[[3], [1, 2]]")
    settings.INLAY_MODEL_BACKEND = "openai"
    settings.INLAY_SAMPLES_PER_HOLE = 1
    monkeypatch.setattr(registry, "_instances", {})
    reply = "```python\ndef flip(grid):\n    return grid[::-1]\n```"
    with scripted_model([reply]) as model:
        monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
        monkeypatch.setenv("INLAY_OPENAI_MODEL", "scripted")
        owner.post(f"/sketches/{sketch.pk}/fill/", {"text": PLAIN_SKETCH, "filler": "model"})
        run = Run.objects.get()
        fill_run(run.pk)
        assert len(model.requests) == 1

    samples = run.events.filter(kind="hole.sample")
    assert [event.data["origin"] for event in samples] == ["greedy"]
    assert run.candidates.get().origins == {"flip": "greedy"}
    page = owner.get(f"/sketches/{sketch.pk}/").content.decode()
    assert "<code>flip</code> written by the model" in page
    assert '<span class="run-filler">model <code>openai</code></span>' in page


def test_a_candidates_origins_are_kept_from_its_generated_event(
    demo_sketch: Sketch, user: User, owner: Client
):
    run = Run.objects.create(
        sketch=demo_sketch, revision=demo_sketch.head(), created_by=user, backend="local"
    )
    record = RunRecorder(run)
    record("run.started", {"holes": ["reverse_list"], "backend": "local"})
    record("candidate.started", {"candidate": 0})
    fills = {"reverse_list": "def reverse_list(xs):\n    return xs[::-1]\n"}
    record(
        "candidate.generated",
        {"candidate": 0, "text": "", "fills": fills, "origins": {"reverse_list": "repair"}},
    )
    assert Candidate.objects.get(run=run).origins == {"reverse_list": "repair"}
    page = owner.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    assert "<code>reverse_list</code> repaired by the model" in page
    assert (
        '<span class="run-filler">the model-free filler, then model <code>local</code></span>'
        in page
    )
