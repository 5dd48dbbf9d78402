"""What every model backend accepts and produces: chat messages in, text chunks out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class GenerationOptions:
    max_tokens: int = 512
    # 0.0 means greedy decoding: the same prompt gives the same fill, which keeps runs reproducible.
    temperature: float = 0.0
    seed: int | None = None
    stop: tuple[str, ...] = ()
    # A wall-clock budget for the whole call, from the first request to the last chunk.
    timeout_seconds: float = 120.0


class ModelBackend(Protocol):
    name: str

    def stream_chat(self, messages: Sequence[Message], options: GenerationOptions) -> Iterator[str]:
        """Yield the reply's text in chunks as the model generates it.

        Raises BackendError (or a subclass) when the model cannot answer.
        """
        ...


def as_chat_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """The OpenAI chat format, which both llama-cpp-python and OpenAI-compatible servers take."""
    return [{"role": message.role, "content": message.content} for message in messages]
