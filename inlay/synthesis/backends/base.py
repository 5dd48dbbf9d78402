"""What every model backend accepts and produces: chat messages in, text chunks out.

A chat whose last message is the assistant's asks the model to *continue* that message (a
prefill): the engine starts the reply with the hole's signature and docstring, so the model spends
no tokens repeating them. A backend that cannot continue a message (`continues_replies` false)
answers the chat without it, and the engine reads its reply as a whole function instead.
"""

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
    # A GBNF grammar the reply's continuation must follow; backends without constrained
    # decoding ignore it (see docs/models.md).
    grammar: str | None = None


@dataclass
class Usage:
    """What one generation cost, filled in by the backend as it streams: prompt tokens, the part
    of them served from the model's cache of the previous prompt, and reply tokens."""

    tokens_in: int = 0
    tokens_cached: int = 0
    tokens_out: int = 0


class ModelBackend(Protocol):
    name: str
    # Whether a final assistant message is continued (see the module's docstring).
    continues_replies: bool

    def stream_chat(
        self, messages: Sequence[Message], options: GenerationOptions, usage: Usage | None = None
    ) -> Iterator[str]:
        """Yield the reply's text in chunks as the model generates it, counting into `usage`.

        Raises BackendError (or a subclass) when the model cannot answer.
        """
        ...


class NoModel:
    """The backend of a run that calls no model (`FillRequest(filler="enumerative")`): asking it
    is a bug, said as a BackendError."""

    name = "none"
    continues_replies = False

    def stream_chat(
        self, messages: Sequence[Message], options: GenerationOptions, usage: Usage | None = None
    ) -> Iterator[str]:
        from .errors import BackendError

        raise BackendError("This run uses the model-free filler only: no model is called.")


def as_chat_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    """The OpenAI chat format, which both llama-cpp-python and OpenAI-compatible servers take."""
    return [{"role": message.role, "content": message.content} for message in messages]
