"""The answer to a fill shows the run that fill created, whatever runs the sketch has by the time
it is drawn (issue 14's finding 9: 30 fills at once were answered with 21 distinct runs, each
response showing the sketch's latest run)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.sketches.models import Sketch
from apps.synthesis import runs
from apps.synthesis.models import Run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_fill_is_answered_with_its_own_run_though_a_newer_one_exists(
    demo_sketch: Sketch, user: User, owner: Client, monkeypatch: pytest.MonkeyPatch
):
    def send_then_another_run_appears(run: Run) -> None:
        Run.objects.create(
            sketch=run.sketch,
            revision=run.revision,
            created_by=user,
            backend="x",
            status=Run.Status.FINISHED,
        )

    monkeypatch.setattr(runs, "send", send_then_another_run_appears)

    page = owner.post(
        f"/sketches/{demo_sketch.pk}/fill/", {"text": demo_sketch.head().text}
    ).content.decode()

    created, newer = Run.objects.order_by("pk")
    assert re.findall(r'<div id="run-(\d+)" class="run"', page) == [str(created.pk)]
    assert demo_sketch.runs.first() == newer  # the latest run is not the one shown
