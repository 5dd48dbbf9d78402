"""Choosing a backend by name or environment, one instance per process."""

from __future__ import annotations

import pytest

from inlay.synthesis.backends import BackendConfigError, get_backend, registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # Backends made here must not leak, with this test's environment, into other tests.
    monkeypatch.setattr(registry, "_instances", {})


def test_it_defaults_to_the_local_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INLAY_MODEL_BACKEND", raising=False)

    assert get_backend().name == "local"


def test_it_keeps_one_instance_per_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INLAY_MODEL_BACKEND", raising=False)

    assert get_backend("local") is get_backend()


def test_the_environment_chooses_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INLAY_MODEL_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")

    backend = get_backend()

    assert backend.name == "openai"
    assert backend is get_backend("openai")


def test_an_unknown_backend_is_refused_with_the_choices() -> None:
    with pytest.raises(BackendConfigError) as raised:
        get_backend("gpt-9")

    assert str(raised.value) == "Unknown model backend 'gpt-9'; choose one of: local, openai."
