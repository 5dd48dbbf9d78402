"""Model backends: turn chat messages into streamed text, with no knowledge of Django.

`get_backend()` picks the backend named by $INLAY_MODEL_BACKEND; docs/models.md describes each one,
its settings and where the local model's weights come from.
"""

from __future__ import annotations

from .base import GenerationOptions, Message, ModelBackend, NoModel, Usage
from .errors import (
    BackendConfigError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    BadResponseError,
    GenerationError,
    ModelFileError,
)
from .registry import get_backend
from .weights import data_dir, prepare_local_model

__all__ = [
    "NoModel",
    "BackendConfigError",
    "BackendError",
    "BackendTimeoutError",
    "BackendUnavailableError",
    "BadResponseError",
    "GenerationError",
    "GenerationOptions",
    "Message",
    "ModelBackend",
    "ModelFileError",
    "Usage",
    "data_dir",
    "get_backend",
    "prepare_local_model",
]
