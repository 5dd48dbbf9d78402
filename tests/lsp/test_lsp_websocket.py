"""The language server behind the web app's websocket route, `/ws/lsp/`, driven as the browser
drives it: one JSON-RPC message per frame, a logged-in session, the page's origin."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate, Run
from config.asgi import application
from inlay.context.facts import trace_facts
from inlay.run.trace import run_program
from inlay.sketch.tasks import TaskExample

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10
REVERSE = 'def main(xs: list[int]) -> list[int]:\n    return "reverse the list"(xs)\n'
SORT = 'def main(xs: list[int]) -> list[int]:\n    return "sort the list"(xs)\n'


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


class Editor:
    """One browser editor on the other end of `/ws/lsp/`."""

    def __init__(self, cookie: str | None) -> None:
        headers = [(b"origin", b"http://localhost")]
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        self.socket = WebsocketCommunicator(application, "/ws/lsp/", headers=headers)
        self.notifications: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    async def connect(self) -> tuple[bool, int | str | None]:
        connected, code = await self.socket.connect()
        return connected, code

    async def request(self, method: str, params: Any = None) -> dict[str, Any]:
        message_id = next(self._ids)
        await self.notify(method, params, message_id)
        while True:
            message: dict[str, Any] = json.loads(await self.socket.receive_from(timeout=TIMEOUT))
            if message.get("id") == message_id and "method" not in message:
                return message
            self.notifications.append(message)

    async def notify(self, method: str, params: Any = None, message_id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if message_id is not None:
            message["id"] = message_id
        await self.socket.send_to(text_data=json.dumps(message))

    async def open(self, uri: str, text: str) -> None:
        await self.request("initialize", {"capabilities": {}})
        await self.notify("initialized", {})
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        await self.notify("textDocument/didOpen", {"textDocument": item})

    async def hover(self, uri: str, line: int, character: int) -> str:
        position = {"line": line, "character": character}
        answer = await self.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": position}
        )
        value: str = answer["result"]["contents"]["value"]
        return value

    async def diagnostics(self, uri: str, wanted: int) -> list[dict[str, Any]]:
        """The diagnostics of the `wanted`-th publication for `uri` (1 is the first)."""
        while True:
            published: list[list[dict[str, Any]]] = [
                n["params"]["diagnostics"]
                for n in self.notifications
                if n.get("method") == "textDocument/publishDiagnostics"
                and n["params"]["uri"] == uri
            ]
            if len(published) >= wanted:
                return published[wanted - 1]
            self.notifications.append(json.loads(await self.socket.receive_from(timeout=TIMEOUT)))


async def finish(*editors: Editor) -> None:
    for editor in editors:
        await editor.socket.disconnect()
    # The consumers queried from asgiref's thread-sensitive executor; close that thread's
    # connection so the test database can be dropped.
    await sync_to_async(connections.close_all)()


def test_initialize_open_and_hover_over_the_websocket(user: User) -> None:
    cookie = session_cookie(user)

    async def scenario() -> str:
        editor = Editor(cookie)
        assert (await editor.connect())[0]
        await editor.open("file:///sketches/1/sketch.py", REVERSE)
        shown = await editor.hover("file:///sketches/1/sketch.py", 1, 15)
        await finish(editor)
        return shown

    shown = asyncio.run(scenario())

    assert "**Hole** `reverse_the_list`" in shown
    assert "Expected type: `list[int]`" in shown


def test_two_connections_at_once_and_closing_one_leaves_the_other(user: User) -> None:
    cookie = session_cookie(user)

    async def scenario() -> tuple[str, str, str]:
        first, second = Editor(cookie), Editor(cookie)
        assert (await first.connect())[0] and (await second.connect())[0]
        await first.open("file:///a.py", REVERSE)
        await second.open("file:///a.py", SORT)
        both = await first.hover("file:///a.py", 1, 15), await second.hover("file:///a.py", 1, 15)

        assert (await first.request("shutdown"))["result"] is None
        await first.notify("exit")  # pygls alone would end the whole process here
        await first.socket.disconnect()
        after = await second.hover("file:///a.py", 1, 15)
        await finish(second)
        return *both, after

    first, second, after = asyncio.run(scenario())

    assert "reverse the list" in first
    assert "sort the list" in second
    assert "sort the list" in after


def test_an_anonymous_connection_is_refused(db: None) -> None:
    async def scenario() -> tuple[bool, int | str | None]:
        editor = Editor(cookie=None)
        answer = await editor.connect()
        await sync_to_async(connections.close_all)()
        return answer

    assert asyncio.run(scenario()) == (False, 4401)


def test_failed_examples_of_the_last_run_show_as_warnings(demo_sketch: Sketch, user: User):
    run = Run.objects.create(
        sketch=demo_sketch, revision=demo_sketch.head(), created_by=user, backend="local"
    )
    failing = {"status": "fail", "call": "main([1, 2])", "expected": "[2, 1]", "actual": "[1, 2]"}
    Candidate.objects.create(
        run=run,
        index=0,
        status=Candidate.Status.FAILED,
        fills={"reverse_list": "def reverse_list(xs):\n    return xs\n"},
        results=[{"status": "pass", "call": "main([5])"}, failing],
    )
    uri = f"file:///sketches/{demo_sketch.pk}/sketch.py"
    cookie, text = session_cookie(user), demo_sketch.head().text

    async def scenario() -> tuple[list[dict[str, Any]], str]:
        editor = Editor(cookie)
        await editor.connect()
        await editor.open(uri, text)
        diagnostics = await editor.diagnostics(uri, wanted=2)  # the second has the run's facts
        shown = await editor.hover(uri, *hole_position(text))
        await finish(editor)
        return diagnostics, shown

    diagnostics, shown = asyncio.run(scenario())

    warnings = [d["message"] for d in diagnostics if d["severity"] == 2]
    assert warnings == ["Example `main([1, 2])` failed: expected [2, 1], got [1, 2]"]
    assert any("(failing)" in d["message"] for d in diagnostics if d["code"] == "hole")
    assert "Status: **failing**" in shown


BROKEN_REVERSE = """def reverse_list(xs: list[int]) -> list[int]:
    if len(xs) == 1:
        raise IndexError("one item")
    return xs[::-1]


def main(xs: list[int]) -> list[int]:
    return reverse_list(xs)
"""


def traced_candidate(run: Run) -> Candidate:
    """A candidate of `run` as the engine records it: results, and its trace from the sandbox."""
    examples = [TaskExample(([1, 2, 3],), [3, 2, 1], None, 0), TaskExample(([5],), [5], None, 1)]
    traced = trace_facts(run_program(BROKEN_REVERSE, "main", examples, trace=["reverse_list"]))
    error = {"status": "error", "call": "main([5])", "example": 1, "error": "IndexError: one item"}
    return Candidate.objects.create(
        run=run,
        index=0,
        status=Candidate.Status.FAILED,
        text=BROKEN_REVERSE,
        fills={"reverse_list": BROKEN_REVERSE.split("\n\n\n")[0]},
        results=[{"status": "pass", "call": "main([1, 2, 3])", "example": 0}, error],
        trace=traced,
    )


def test_a_run_ending_while_the_editor_is_open_pushes_its_trace(
    demo_sketch: Sketch, user: User, settings: Any
) -> None:
    settings.INLAY_FACTS_POLL_SECONDS = 0.05
    run = Run.objects.create(
        sketch=demo_sketch, revision=demo_sketch.head(), created_by=user, backend="local"
    )
    uri = f"file:///sketches/{demo_sketch.pk}/sketch.py"
    cookie, text = session_cookie(user), demo_sketch.head().text

    def run_ends() -> None:
        traced_candidate(run)
        Run.objects.filter(pk=run.pk).update(status=Run.Status.FINISHED)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
        editor = Editor(cookie)
        await editor.connect()
        await editor.open(uri, text)
        before = await editor.diagnostics(uri, wanted=2)  # the running run's facts: none yet
        await sync_to_async(run_ends)()
        after = await editor.diagnostics(uri, wanted=3)  # pushed when the watcher sees the end
        shown = await editor.hover(uri, *hole_position(text))
        await finish(editor)
        return before, after, shown

    before, after, shown = asyncio.run(scenario())

    assert not [d for d in before if d["severity"] == 2]
    warnings = [(d["message"], d["range"]["start"]["line"]) for d in after if d["severity"] == 2]
    # The example failed because the hole raised: the warning sits on the hole, not the entry.
    assert warnings == [("Example `main([5])` failed in `reverse_list`: IndexError: one item", 0)]
    assert "Status: **failing**" in shown
    assert "example 1: `(list [1, 2, 3])` → `list [3, 2, 1]`" in shown
    assert "example 2: `(list [5])` raised `IndexError: one item (line 3)`" in shown


async def fill_hole(cookie: str, uri: str, text: str) -> dict[str, Any]:
    """Open the sketch in an editor of this session and ask to fill `reverse_list`."""
    editor = Editor(cookie)
    await editor.connect()
    await editor.open(uri, text)
    answer = await editor.request(
        "workspace/executeCommand",
        {"command": "inlay.fillHole", "arguments": [uri, "reverse_list"]},
    )
    await finish(editor)
    return answer


def test_fill_hole_starts_a_run_of_the_editors_text(demo_sketch: Sketch, user: User) -> None:
    uri = f"file:///sketches/{demo_sketch.pk}/sketch.py"
    text = demo_sketch.head().text + "\n# edited in the editor\n"
    cookie = session_cookie(user)

    answer = asyncio.run(fill_hole(cookie, uri, text))

    run = Run.objects.get(pk=answer["result"]["run"])
    assert run.sketch == demo_sketch
    assert run.revision.text == text
    assert answer["result"]["hole"] == "reverse_list"


def test_fill_hole_refuses_someone_elses_sketch(demo_sketch: Sketch) -> None:
    stranger = User.objects.create_user("eve", password="another long password")
    uri = f"file:///sketches/{demo_sketch.pk}/sketch.py"
    cookie, text = session_cookie(stranger), demo_sketch.head().text

    answer = asyncio.run(fill_hole(cookie, uri, text))

    assert "error" in answer
    assert not Run.objects.filter(sketch=demo_sketch).exists()


def hole_position(text: str) -> tuple[int, int]:
    line = next(i for i, row in enumerate(text.splitlines()) if row.startswith("def reverse_list"))
    return line, 6
