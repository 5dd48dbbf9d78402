"""The language server behind the web app's websocket route, `/ws/lsp/`, driven as the browser
drives it: one JSON-RPC message per frame, a logged-in session, the page's origin."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from apps.ide import consumers
from apps.ide.consumers import MAX_OPEN_SKETCHES
from apps.sketches.models import Sketch
from apps.synthesis.models import Candidate, Run
from config.asgi import application
from inlay.context.facts import trace_facts
from inlay.run.trace import run_program
from inlay.sketch.tasks import TaskExample
from lsp.messages import MAX_MESSAGE_BYTES

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


# Reported (finding 1): every document named like a sketch started a watcher, whoever's sketch it
# named, with no limit, and the watchers outlived the connection.

WATCHER = "LanguageServerConsumer._watch"
OPENING = "_after_open"


def sketch_uri(sketch_id: int | str) -> str:
    return f"file:///sketches/{sketch_id}/sketch.py"


def running(*names: str) -> list[asyncio.Task[Any]]:
    """The tasks of this event loop, not yet done, that run one of the coroutines `names`."""
    return [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", None) in names
    ]


async def open_all(editor: Editor, uris: list[str]) -> dict[str, str]:
    """Open every document, and wait until each has its run facts (a second publication of its
    diagnostics) or a warning; the warning each one got, by URI."""
    await editor.request("initialize", {"capabilities": {}})
    await editor.notify("initialized", {})
    for uri in uris:
        item = {"uri": uri, "languageId": "python", "version": 1, "text": REVERSE}
        await editor.notify("textDocument/didOpen", {"textDocument": item})
    published: dict[str, int] = {}
    warnings: dict[str, str] = {}
    pending = set(uris)
    while pending:
        message = json.loads(await editor.socket.receive_from(timeout=TIMEOUT))
        editor.notifications.append(message)
        params = message.get("params", {})
        if message.get("method") == "textDocument/publishDiagnostics":
            published[params["uri"]] = published.get(params["uri"], 0) + 1
            if published[params["uri"]] == 2:
                pending.discard(params["uri"])
        elif message.get("method") == "window/showMessage":
            uri = params["message"].split(" ", 1)[0]
            warnings[uri] = params["message"]
            pending.discard(uri)
    return warnings


def test_a_thousand_sketch_documents_on_one_socket_watch_only_the_users_own_up_to_the_cap(
    user: User,
) -> None:
    stranger = User.objects.create_user("eve", password="another long password")
    own = [
        Sketch.objects.create(owner=user, name=f"mine {i}") for i in range(MAX_OPEN_SKETCHES + 8)
    ]
    theirs = Sketch.objects.create(owner=stranger, name="theirs")
    missing = range(theirs.pk + 1, theirs.pk + 1000 - len(own))
    uris = (
        [sketch_uri(s.pk) for s in own] + [sketch_uri(theirs.pk)] + [sketch_uri(i) for i in missing]
    )
    cookie = session_cookie(user)

    async def scenario() -> tuple[dict[str, str], int, list[asyncio.Task[Any]]]:
        editor = Editor(cookie)
        await editor.connect()
        warnings = await open_all(editor, uris)
        watching = len(running(WATCHER))
        await finish(editor)
        return warnings, watching, running(WATCHER, OPENING)

    warnings, watching, left = asyncio.run(scenario())

    assert len(uris) == 1000
    assert watching == MAX_OPEN_SKETCHES
    refused = [sketch_uri(theirs.pk)] + [sketch_uri(i) for i in missing]
    assert {warnings[uri] for uri in refused} == {
        f"{uri} is not one of your sketches: it gets no facts from runs." for uri in refused
    }
    over = [uri for uri in warnings if uri not in refused]
    assert len(over) == 8
    assert all(uri in {sketch_uri(s.pk) for s in own} for uri in over)
    assert all(f"already watches {MAX_OPEN_SKETCHES} sketches" in warnings[uri] for uri in over)
    assert left == []  # disconnecting cancelled every watcher and every open still under way


def test_a_consumer_killed_before_its_disconnect_ran_leaves_no_watcher_behind(user: User) -> None:
    # What the report saw: Channels runs a query (closing old connections) on the one database
    # thread before each handler, disconnect included. With that thread backed up, disconnect
    # never ran before daphne killed the consumer (application_close_timeout), and every
    # watcher lived on.
    own = [Sketch.objects.create(owner=user, name=f"mine {i}") for i in range(MAX_OPEN_SKETCHES)]
    cookie = session_cookie(user)

    async def scenario() -> tuple[int, list[asyncio.Task[Any]]]:
        editor = Editor(cookie)
        await editor.connect()
        await open_all(editor, [sketch_uri(sketch.pk) for sketch in own])
        watching = len(running(WATCHER))
        await editor.socket.send_input({"type": "websocket.disconnect", "code": 1000})
        editor.socket.stop()  # killed at once, as daphne kills a consumer that outlives its socket
        with contextlib.suppress(asyncio.CancelledError):
            await editor.socket.future
        left = running(WATCHER)
        await sync_to_async(connections.close_all)()
        return watching, left

    watching, left = asyncio.run(scenario())

    assert watching == MAX_OPEN_SKETCHES
    assert left == []


def test_closing_a_sketch_document_frees_its_place_for_another(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "MAX_OPEN_SKETCHES", 1)
    first, second = (Sketch.objects.create(owner=user, name=name) for name in ("one", "two"))
    cookie = session_cookie(user)

    async def scenario() -> tuple[dict[str, str], int]:
        editor = Editor(cookie)
        await editor.connect()
        refused = await open_all(editor, [sketch_uri(first.pk), sketch_uri(second.pk)])
        await editor.notify(
            "textDocument/didClose", {"textDocument": {"uri": sketch_uri(first.pk)}}
        )
        item = {"uri": sketch_uri(second.pk), "languageId": "python", "version": 1, "text": SORT}
        await editor.notify("textDocument/didOpen", {"textDocument": item})
        # Opened again, it gets its facts: a second publication for this opening.
        await editor.diagnostics(sketch_uri(second.pk), wanted=3)
        watching = len(running(WATCHER))
        await finish(editor)
        return refused, watching

    refused, watching = asyncio.run(scenario())

    assert list(refused) == [sketch_uri(second.pk)]
    assert watching == 1


# Reported (finding 6): frames that closed the socket with 1011, or raised in the background.

OVERSIZE = json.dumps(
    {
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": "file:///big.py", "text": "#" * MAX_MESSAGE_BYTES}},
    }
)
BAD_FRAMES: dict[str, tuple[str | bytes, int | None, int, str]] = {
    "a number": ("42", None, -32600, "Invalid Request: a message must be a JSON object, not int."),
    "an array": ("[]", None, -32600, "Invalid Request: a message must be a JSON object, not list."),
    "broken JSON": ('{"jsonrpc": "2.0"', None, -32700, "Parse error: the message is not JSON."),
    "JSON nested 100,000 deep": (
        "[" * 100_000 + "]" * 100_000,
        None,
        -32700,
        "Parse error: the message nests too deeply to be read.",
    ),
    "neither a method nor an id": (
        '{"jsonrpc": "2.0"}',
        None,
        -32600,
        "Invalid Request: a message must have a `method`, an `id`, or both.",
    ),
    "a method that is not a string": (
        '{"jsonrpc": "2.0", "id": 5, "method": 7}',
        5,
        -32600,
        "Invalid Request: `method` must be a string.",
    ),
    "a binary frame that is not UTF-8": (
        b"\xff\xfe{",
        None,
        -32700,
        "Parse error: the message is not JSON.",
    ),
    "a frame over the size limit": (
        OVERSIZE,
        None,
        -32600,
        f"Invalid Request: a message may have at most {MAX_MESSAGE_BYTES:,} bytes; "
        f"this one has {len(OVERSIZE):,}.",
    ),
}


@pytest.mark.parametrize(
    ("frame", "answer_id", "code", "message"), BAD_FRAMES.values(), ids=BAD_FRAMES
)
def test_a_bad_frame_is_answered_with_an_error_and_the_socket_goes_on_serving(
    user: User, frame: str | bytes, answer_id: int | None, code: int, message: str
) -> None:
    cookie = session_cookie(user)

    async def scenario() -> tuple[dict[str, Any], str]:
        editor = Editor(cookie)
        await editor.connect()
        await editor.open("file:///a.py", REVERSE)
        if isinstance(frame, bytes):
            await editor.socket.send_to(bytes_data=frame)
        else:
            await editor.socket.send_to(text_data=frame)
        while "error" not in (answer := json.loads(await editor.socket.receive_from(TIMEOUT))):
            editor.notifications.append(answer)
        shown = await editor.hover("file:///a.py", 1, 15)
        await finish(editor)
        return answer, shown

    answer, shown = asyncio.run(scenario())

    assert answer == {
        "jsonrpc": "2.0",
        "id": answer_id,
        "error": {"code": code, "message": message},
    }
    assert "reverse the list" in shown


def test_a_sketch_id_of_five_thousand_digits_is_a_plain_document(
    user: User, caplog: pytest.LogCaptureFixture
) -> None:
    uri = sketch_uri("7" * 5000)
    cookie = session_cookie(user)

    async def scenario() -> str:
        editor = Editor(cookie)
        await editor.connect()
        await editor.open(uri, REVERSE)
        await editor.diagnostics(uri, wanted=2)  # published again once the facts were looked for
        shown = await editor.hover(uri, 1, 15)
        await finish(editor)
        return shown

    shown = asyncio.run(scenario())

    assert "reverse the list" in shown
    assert [
        record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR
    ] == []
