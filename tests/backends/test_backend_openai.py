"""The openai backend against a real OpenAI-compatible server: llama-cpp-python's own."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from inlay.synthesis.backends import (
    BackendConfigError,
    BackendTimeoutError,
    BackendUnavailableError,
    BadResponseError,
    GenerationOptions,
    Message,
)
from inlay.synthesis.backends.openai_backend import OpenAIBackend
from tests.servers import free_port, llama_cpp_server

SHORT = GenerationOptions(max_tokens=128, timeout_seconds=60.0)
# The server demands this key, so the tests show the backend really sends the one configured.
API_KEY = "inlay-test-key"


@pytest.fixture(scope="module")
def server_url(model_path: Path) -> Iterator[str]:
    with llama_cpp_server(model_path, api_key=API_KEY) as url:
        yield url


@pytest.mark.model
def test_it_streams_a_completion(server_url: str, reverse_list_prompt: list[Message]) -> None:
    backend = OpenAIBackend(base_url=server_url, api_key=API_KEY)

    chunks = list(backend.stream_chat(reverse_list_prompt, SHORT))

    assert len(chunks) >= 5, chunks
    assert "def reverse_list(" in "".join(chunks)


@pytest.mark.model
def test_it_reads_its_settings_from_the_environment(
    server_url: str,
    reverse_list_prompt: list[Message],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(f"{API_KEY}\n")
    monkeypatch.setenv("OPENAI_BASE_URL", server_url)
    monkeypatch.setenv("OPENAI_API_KEY", "wrong: the file takes precedence")
    monkeypatch.setenv("OPENAI_API_KEY_FILE", str(key_file))
    monkeypatch.delenv("INLAY_OPENAI_MODEL", raising=False)

    backend = OpenAIBackend.from_environment()

    assert backend.base_url == server_url
    assert "".join(backend.stream_chat(reverse_list_prompt, SHORT))


@pytest.mark.model
def test_a_wrong_path_is_reported_with_its_http_status(
    server_url: str, reverse_list_prompt: list[Message]
) -> None:
    without_v1 = server_url.removesuffix("/v1")
    backend = OpenAIBackend(base_url=without_v1, api_key=API_KEY, model="any")

    with pytest.raises(BadResponseError, match=f"HTTP 404 from the model server at {without_v1}"):
        list(backend.stream_chat(reverse_list_prompt, SHORT))


@pytest.mark.model
def test_a_rejected_key_is_reported_with_a_hint(
    server_url: str, reverse_list_prompt: list[Message]
) -> None:
    backend = OpenAIBackend(base_url=server_url, api_key="wrong", model="any")

    with pytest.raises(BadResponseError, match="HTTP 401 from .*check OPENAI_API_KEY"):
        list(backend.stream_chat(reverse_list_prompt, SHORT))


@pytest.mark.model
def test_it_stops_at_the_timeout(server_url: str) -> None:
    backend = OpenAIBackend(base_url=server_url, api_key=API_KEY)
    counting = [Message("user", "Count from 1 to 300, one number per line.")]
    # 1,024 tokens take the 0.5B model tens of seconds here: raising at 2 s is the stop. On a
    # loaded machine the first token may itself come later than 2 s ("No answer from ...").
    options = GenerationOptions(max_tokens=1024, timeout_seconds=2.0)

    with pytest.raises(BackendTimeoutError, match=rf"{re.escape(server_url)}.* within 2 s"):
        list(backend.stream_chat(counting, options))


def test_an_unreachable_server_fails_with_a_clear_message(
    reverse_list_prompt: list[Message],
) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/v1"
    backend = OpenAIBackend(base_url=base_url, api_key=API_KEY, model="any")

    with pytest.raises(BackendUnavailableError) as raised:
        list(backend.stream_chat(reverse_list_prompt, SHORT))

    assert (
        str(raised.value) == f"Could not reach the model server at {base_url}: connection refused"
    )


def test_a_server_that_never_answers_times_out(reverse_list_prompt: list[Message]) -> None:
    # Accepts connections (the kernel completes the handshake) but never reads or replies.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        base_url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        backend = OpenAIBackend(base_url=base_url, api_key=API_KEY, model="any")
        options = GenerationOptions(timeout_seconds=0.5)

        with pytest.raises(BackendTimeoutError) as raised:
            list(backend.stream_chat(reverse_list_prompt, options))

    assert str(raised.value) == f"No answer from the model server at {base_url} within 0.5 s."


def test_an_unreadable_key_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY_FILE", str(tmp_path / "absent"))

    with pytest.raises(BackendConfigError) as raised:
        OpenAIBackend.from_environment()

    assert str(raised.value) == (
        f"Could not read the API key from OPENAI_API_KEY_FILE={tmp_path / 'absent'}: "
        "No such file or directory"
    )
