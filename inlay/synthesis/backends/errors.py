"""Why a model could not answer. Every message is written to be shown to a user as it is."""

from __future__ import annotations


class BackendError(Exception):
    """A model backend failed; the message says what went wrong and, where possible, what to do."""


class BackendConfigError(BackendError):
    """The environment names an unknown backend or gives it unusable settings."""


class ModelFileError(BackendError):
    """The local model's weights are missing, incomplete or fail their checksum."""


class BackendUnavailableError(BackendError):
    """The model server could not be reached at all."""


class BackendTimeoutError(BackendError):
    """The model did not finish within the allotted time."""


class GenerationError(BackendError):
    """The model could not answer this one prompt (it did not fit its context, say): the reply
    fails, not the backend."""


class BadResponseError(BackendError):
    """The model server answered, but with an error status or something unreadable."""
