"""What the fill task records when a run cannot go on; the page shows the run's message.

The task body is called directly here: these tests are about the messages, and the production
tests run the same task on a real worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Sketch
from apps.synthesis.models import Run
from apps.synthesis.tasks import fill_run


def _run(sketch: Sketch, user: User, backend: str = "local") -> Run:
    return Run.objects.create(
        sketch=sketch, revision=sketch.head(), created_by=user, backend=backend
    )


@pytest.mark.model
def test_a_model_that_times_out_ends_the_run_with_the_reason_in_the_page(
    demo_sketch: Sketch, user: User, model_path: Path, settings
):
    settings.INLAY_MODEL_TIMEOUT_SECONDS = 0.05
    settings.INLAY_SAMPLES_PER_HOLE = 2
    run = _run(demo_sketch, user)
    fill_run(run.pk)
    run.refresh_from_db()
    # Each timed-out reply costs its own sample; the run goes on, and ends.
    assert run.status == Run.Status.FINISHED
    assert run.message == "The model gave no usable code in 2 tries."
    errors = list(run.candidates.values_list("error", flat=True))
    assert errors and all("did not finish within 0.05 s" in error for error in errors)

    client = Client()
    client.force_login(user)
    page = client.get(f"/sketches/{demo_sketch.pk}/").content.decode()
    assert "did not finish within 0.05 s" in page


def test_an_unreachable_model_server_fails_the_run_with_a_message(
    demo_sketch: Sketch, user: User, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("INLAY_OPENAI_MODEL", "any")
    run = _run(demo_sketch, user, backend="openai")
    fill_run(run.pk)
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "Could not reach the model server at http://127.0.0.1:9/v1" in run.message
    assert run.events.last().kind == "run.failed"  # type: ignore[union-attr]
