"""Which backend serves this process, chosen by name or by $INLAY_MODEL_BACKEND."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from .base import ModelBackend
from .errors import BackendConfigError

DEFAULT_BACKEND = "local"

_instances: dict[str, ModelBackend] = {}
_instances_lock = threading.Lock()


def _local() -> ModelBackend:
    from .local import LocalBackend

    return LocalBackend()


def _openai() -> ModelBackend:
    # Imported on demand: the openai package takes about 0.4 s to import.
    from .openai_backend import OpenAIBackend

    return OpenAIBackend.from_environment()


_FACTORIES: dict[str, Callable[[], ModelBackend]] = {"local": _local, "openai": _openai}


def get_backend(name: str | None = None) -> ModelBackend:
    """The process's one instance of the named backend (default: $INLAY_MODEL_BACKEND, or local).

    One instance per process matters for the local backend, which loads the model into memory
    on its first generation; a Celery worker's child processes each get their own.
    """
    name = name or os.environ.get("INLAY_MODEL_BACKEND") or DEFAULT_BACKEND
    factory = _FACTORIES.get(name)
    if factory is None:
        known = ", ".join(sorted(_FACTORIES))
        raise BackendConfigError(f"Unknown model backend {name!r}; choose one of: {known}.")
    with _instances_lock:
        if name not in _instances:
            _instances[name] = factory()
        return _instances[name]
