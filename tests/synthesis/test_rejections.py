"""A rejected fill steers the next run: the user's reason and the rejected code reach the prompt.

The task body runs in process against a scripted OpenAI-compatible server, so the test can read
the prompts it was sent (tests/backends pins the real protocol against llama.cpp's server)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from apps.sketches.demo import DEMO_SKETCH
from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate, Run
from apps.synthesis.tasks import fill_run, rejections
from inlay.sketch import parse_sketch
from inlay.synthesis.backends import registry
from inlay.synthesis.prompts import Rejection, hole_messages
from tests.servers import scripted_model

MUTATING = "def reverse_list(xs):\n    xs.reverse()\n    return xs\n"
GOOD = "```python\ndef reverse_list(xs):\n    return xs[::-1]\n```"


def test_the_prompt_shows_the_latest_rejections_of_that_hole_only() -> None:
    sketch = parse_sketch(DEMO_SKETCH)
    rejected = [
        Rejection("reverse_list", MUTATING, "it must not change its argument"),
        Rejection("reverse_list", "def reverse_list(xs):\n    return list(reversed(xs))\n", ""),
        Rejection("reverse_list", "def reverse_list(xs):\n    return 0\n", "oldest"),
        Rejection("another_hole", "def another_hole():\n    pass\n", "not this hole"),
    ]

    prompt = hole_messages(sketch, sketch.holes[0], [], rejected)[1].content

    assert (
        "The user rejected this version of `reverse_list` (it must not change its argument); "
        f"write a different one:\n```python\n{MUTATING.strip()}\n```" in prompt
    )
    assert "(no reason given)" in prompt  # the second, rejected without a reason
    assert "oldest" not in prompt and "not this hole" not in prompt


@pytest.mark.django_db
def test_a_run_after_a_rejection_asks_the_model_with_its_reason(
    demo_sketch: Sketch, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    earlier = Run.objects.create(
        sketch=demo_sketch, revision=demo_sketch.head(), created_by=user, backend="openai"
    )
    Candidate.objects.create(
        run=earlier,
        index=0,
        status=Candidate.Status.PASSED,
        fills={"reverse_list": MUTATING},
        decision=Candidate.Decision.REJECTED,
        reason="it must not change its argument",
    )
    run = Run.objects.create(
        sketch=demo_sketch, revision=demo_sketch.head(), created_by=user, backend="openai"
    )

    # A backend instance of its own, pointed at the scripted server, gone with the test.
    monkeypatch.setattr(registry, "_instances", {})
    with scripted_model([GOOD]) as model:
        monkeypatch.setenv("OPENAI_BASE_URL", model.base_url)
        monkeypatch.setenv("INLAY_OPENAI_MODEL", "scripted")
        fill_run(run.pk)
        messages = model.requests[0]["messages"]

    assert rejections(earlier) == []  # nothing was rejected before the first run
    assert isinstance(messages, list)
    assert "(it must not change its argument)" in messages[-1]["content"]
    assert "    xs.reverse()" in messages[-1]["content"]
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED
