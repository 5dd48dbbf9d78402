"""One language server per websocket connection, many in one event loop (as daphne runs them)."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from lsp.server import Host
from lsp.session import LspSession

TIMEOUT = 5

REVERSE = 'def main(xs: list[int]) -> list[int]:\n    return "reverse the list"(xs)\n'
SORT = 'def main(xs: list[int]) -> list[int]:\n    return "sort the list"(xs)\n'


class Tab:
    """A browser tab on the other end of one websocket: frames in, frames out."""

    def __init__(self, host: Host | None = None) -> None:
        self.session = LspSession(self._deliver, host)
        self.notifications: list[dict[str, Any]] = []
        self._responses: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)

    async def _deliver(self, text: str) -> None:
        message = json.loads(text)
        if "id" in message and message["id"] in self._responses:
            self._responses.pop(message["id"]).set_result(message)
        else:
            self.notifications.append(message)

    async def request(self, method: str, params: Any = None) -> dict[str, Any]:
        message_id = next(self._ids)
        response = self._responses[message_id] = asyncio.get_running_loop().create_future()
        await self.send({"jsonrpc": "2.0", "id": message_id, "method": method, "params": params})
        return await asyncio.wait_for(response, TIMEOUT)

    async def notify(self, method: str, params: Any = None) -> None:
        await self.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def send(self, message: dict[str, Any]) -> None:
        await self.session.receive(json.dumps(message))

    async def start(self, uri: str, text: str) -> dict[str, Any]:
        initialized = await self.request("initialize", {"capabilities": {}})
        await self.notify("initialized", {})
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        await self.notify("textDocument/didOpen", {"textDocument": item})
        result: dict[str, Any] = initialized["result"]
        return result

    async def hover(self, uri: str, line: int, character: int) -> dict[str, Any]:
        position = {"line": line, "character": character}
        return await self.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": position}
        )


@pytest.fixture
async def tabs() -> AsyncIterator[tuple[Tab, Tab]]:
    first, second = Tab(), Tab()
    yield first, second
    await first.session.close()
    await second.session.close()


async def test_each_session_serves_its_own_documents(tabs: tuple[Tab, Tab]) -> None:
    first, second = tabs
    info = await first.start("file:///a.py", REVERSE)
    await second.start("file:///a.py", SORT)

    assert info["serverInfo"]["name"] == "inlay"
    assert info["capabilities"]["hoverProvider"] is True
    first_hover = await first.hover("file:///a.py", 1, 15)
    second_hover = await second.hover("file:///a.py", 1, 15)
    assert "reverse the list" in first_hover["result"]["contents"]["value"]
    assert "sort the list" in second_hover["result"]["contents"]["value"]


async def test_diagnostics_reach_the_client_as_notifications(tabs: tuple[Tab, Tab]) -> None:
    first, _ = tabs
    await first.start("file:///a.py", REVERSE)
    await first.request("shutdown")  # a round trip: everything before it has been sent

    published = [n for n in first.notifications if n["method"] == "textDocument/publishDiagnostics"]
    assert [d["message"] for d in published[0]["params"]["diagnostics"]] == [
        "Hole `reverse_the_list`: reverse the list"
    ]


async def test_exit_closes_only_its_own_session(tabs: tuple[Tab, Tab]) -> None:
    first, second = tabs
    await first.start("file:///a.py", REVERSE)
    await second.start("file:///b.py", SORT)

    assert (await first.request("shutdown"))["result"] is None
    await first.notify("exit")  # pygls alone would call sys.exit() here

    assert first.session.closed
    assert not second.session.closed
    second_hover = await second.hover("file:///b.py", 1, 15)
    assert "sort the list" in second_hover["result"]["contents"]["value"]


async def test_a_closed_session_ignores_the_client(tabs: tuple[Tab, Tab]) -> None:
    first, second = tabs
    await first.start("file:///a.py", REVERSE)
    await second.start("file:///a.py", SORT)

    await first.session.close()
    heard = len(first.notifications)
    position = {"line": 1, "character": 15}
    params = {"textDocument": {"uri": "file:///a.py"}, "position": position}
    await first.send({"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": params})
    await asyncio.sleep(0.1)

    assert first.session.closed
    assert len(first.notifications) == heard  # an answer to id 99 would have landed here
    assert (await second.hover("file:///a.py", 1, 15))["result"] is not None


async def test_a_request_with_bad_params_gets_an_error_answer(tabs: tuple[Tab, Tab]) -> None:
    first, _ = tabs
    await first.start("file:///a.py", REVERSE)

    answer = await first.request("inlay/holeContext", {"hole": "reverse_the_list"})

    assert answer["error"]["code"] == -32602


async def test_a_plain_function_can_send() -> None:
    sent: list[str] = []
    session = LspSession(sent.append)

    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    await session.receive(json.dumps(init))
    await session.close()

    assert json.loads(sent[0])["result"]["serverInfo"]["name"] == "inlay"


async def test_a_frame_that_is_not_json_is_answered_with_a_parse_error() -> None:
    sent: list[str] = []
    session = LspSession(sent.append)

    await session.receive("Content-Length: 2\r\n\r\n{}")
    await session.close()

    error = {"code": -32700, "message": "Parse error: the message is not JSON."}
    assert [json.loads(text) for text in sent] == [{"jsonrpc": "2.0", "id": None, "error": error}]


async def test_closing_the_session_cancels_the_work_it_started_for_opened_documents() -> None:
    # Reported (finding 1): reading a document's facts went on after its connection had closed.
    reading: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def facts(uri: str) -> None:
        reading.set_result(None)
        await asyncio.Event().wait()  # a host that never answers

    tab = Tab(Host(facts=facts))
    await tab.start("file:///a.py", REVERSE)
    await asyncio.wait_for(reading, TIMEOUT)
    await tab.session.close()

    names = [getattr(task.get_coro(), "__qualname__", None) for task in asyncio.all_tasks()]
    assert "_after_open" not in names


async def test_a_failing_send_closes_the_session() -> None:
    def gone(text: str) -> None:
        raise ConnectionError("the websocket went away")

    session = LspSession(gone)
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    await session.receive(json.dumps(init))
    for _ in range(100):
        if session.closed:
            break
        await asyncio.sleep(0.01)

    assert session.closed
    await session.close()


async def test_a_failing_command_answers_with_its_message_and_no_server_internals() -> None:
    # Issue 14, finding 7: pygls put the Python traceback, with the server's file paths, into a
    # failed request's `error.data`.
    async def fill_hole(uri: str, hole: str, text: str) -> dict[str, Any]:
        raise AssertionError("not reached: the hole does not exist")

    tab = Tab(Host(fill_hole=fill_hole))
    await tab.start("file:///a.py", REVERSE)

    answer = await tab.request(
        "workspace/executeCommand",
        {"command": "inlay.fillHole", "arguments": ["file:///a.py", "x"]},
    )

    assert answer["error"]["message"] == "ValueError: No hole `x` in an open document file:///a.py."
    assert answer["error"].get("data") is None
    assert "Traceback" not in json.dumps(answer)
