"""Any OpenAI-compatible chat server: vLLM, Ollama, llama.cpp's server, or a hosted API."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

import openai

from .base import GenerationOptions, Message, Usage, as_chat_messages
from .errors import (
    BackendConfigError,
    BackendError,
    BackendTimeoutError,
    BackendUnavailableError,
    BadResponseError,
)

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

# Self-hosted servers usually ignore the key, but the openai client refuses to start without one.
PLACEHOLDER_API_KEY = "no-key"


class OpenAIBackend:
    name = "openai"
    # Chat servers differ on continuing a final assistant message (most start a new one), so a
    # prefill is left out and the reply is read as a whole function.
    continues_replies = False

    def __init__(self, base_url: str | None, api_key: str, model: str | None = None) -> None:
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key,
            # No silent retries: they would multiply the wait past the caller's timeout, and a
            # failed fill is reported to the user, who can ask again.
            max_retries=0,
        )
        self.base_url = str(self._client.base_url).rstrip("/")
        self._model = model
        self._model_lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> OpenAIBackend:
        return cls(
            base_url=os.environ.get("OPENAI_BASE_URL") or None,
            api_key=_api_key_from_environment(),
            model=os.environ.get("INLAY_OPENAI_MODEL") or None,
        )

    def stream_chat(
        self, messages: Sequence[Message], options: GenerationOptions, usage: Usage | None = None
    ) -> Iterator[str]:
        deadline = time.monotonic() + options.timeout_seconds
        usage = usage if usage is not None else Usage()
        if messages and messages[-1].role == "assistant":
            messages = messages[:-1]
        try:
            model = self._model_name(options.timeout_seconds)
            stream = self._client.chat.completions.create(
                model=model,
                messages=cast("list[ChatCompletionMessageParam]", as_chat_messages(messages)),
                stream=True,
                temperature=options.temperature,
                max_tokens=options.max_tokens,
                stop=list(options.stop) or openai.omit,
                seed=options.seed if options.seed is not None else openai.omit,
                # This bounds each network wait; the deadline below bounds the whole stream.
                timeout=options.timeout_seconds,
            )
            try:
                for chunk in stream:
                    # Some servers end with a chunk that carries only usage figures.
                    if chunk.usage is not None:
                        usage.tokens_in = chunk.usage.prompt_tokens
                        usage.tokens_out = chunk.usage.completion_tokens
                    if chunk.choices and chunk.choices[0].delta.content:
                        # A server that sends no usage figures: one chunk is about one token.
                        usage.tokens_out += chunk.usage is None
                        yield chunk.choices[0].delta.content
                    if time.monotonic() > deadline:
                        raise BackendTimeoutError(
                            f"The model server at {self.base_url} did not finish within "
                            f"{options.timeout_seconds:g} s."
                        )
            finally:
                stream.close()
        except openai.OpenAIError as error:
            raise self._backend_error(error, options.timeout_seconds) from error

    def _model_name(self, timeout: float) -> str:
        # Without INLAY_OPENAI_MODEL, use the first model the server lists: right for servers
        # that serve one model (llama.cpp, vLLM), which is how Inlay is usually deployed.
        with self._model_lock:
            if self._model is None:
                listed = self._client.models.list(timeout=timeout).data
                if not listed:
                    raise BadResponseError(
                        f"The model server at {self.base_url} lists no models; "
                        f"set INLAY_OPENAI_MODEL to the model to use."
                    )
                self._model = listed[0].id
            return self._model

    def _backend_error(self, error: openai.OpenAIError, timeout: float) -> BackendError:
        server = f"the model server at {self.base_url}"
        # APITimeoutError is a kind of APIConnectionError, so it is tested first.
        if isinstance(error, openai.APITimeoutError):
            return BackendTimeoutError(f"No answer from {server} within {timeout:g} s.")
        if isinstance(error, openai.APIConnectionError):
            return BackendUnavailableError(f"Could not reach {server}: {_connection_reason(error)}")
        if isinstance(error, openai.APIStatusError):
            return BadResponseError(
                f"HTTP {error.status_code} from {server}: {error.message}"
                f"{_status_hint(error.status_code)}"
            )
        return BadResponseError(f"Unexpected answer from {server}: {error}")


def _api_key_from_environment() -> str:
    # As config.env.env_secret does for Inlay's other secrets: the file, when named, wins.
    key_file = os.environ.get("OPENAI_API_KEY_FILE")
    if not key_file:
        return os.environ.get("OPENAI_API_KEY") or PLACEHOLDER_API_KEY
    try:
        return Path(key_file).read_text().strip() or PLACEHOLDER_API_KEY
    except OSError as error:
        raise BackendConfigError(
            f"Could not read the API key from OPENAI_API_KEY_FILE={key_file}: {error.strerror}"
        ) from error


def _connection_reason(error: openai.APIConnectionError) -> str:
    # The useful words ("connection refused", "name or service not known") sit in the innermost
    # OS error that the HTTP library wrapped.
    cause: BaseException | None = error.__cause__
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        cause = cause.__cause__ or cause.__context__
    return str(error.__cause__ or error).lower()


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return " (check OPENAI_API_KEY or OPENAI_API_KEY_FILE)"
    if status == 404:
        return " (check INLAY_OPENAI_MODEL, and whether OPENAI_BASE_URL needs /v1 at its end)"
    return ""
