"""The production path: PostgreSQL, Redis as broker and channel layer, a real Celery worker.

`make test` runs these in a pytest process of their own, with DATABASE_URL and REDIS_URL set,
because Django reads its settings once per process."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from redis import Redis


@pytest.fixture(autouse=True, scope="session")
def _production_settings() -> None:
    assert not settings.EMBEDDED and settings.REDIS_URL, (
        "run these tests with DATABASE_URL and REDIS_URL set (see the Makefile's test target)"
    )
    # Test databases restart their ids at 1: a task left in the broker by an interrupted run
    # would fill the wrong run, so every session starts from an empty Redis database.
    Redis.from_url(settings.REDIS_URL).flushdb()


@pytest.fixture
def worker_env(model_path: Path) -> dict[str, str]:
    """What a worker needs to share this test's database (the test database) and Redis."""
    db = connection.settings_dict
    host = db["HOST"] or "127.0.0.1"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return {
        "DATABASE_URL": f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "INLAY_LOCAL_MODEL_PATH": str(model_path),
    }
