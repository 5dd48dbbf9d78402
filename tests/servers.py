"""Real processes and servers the integration tests start: a Celery worker, the embedded stack,
and an OpenAI-compatible server that replies with scripted text.

The scripted server stands in for a model that writes hostile or garbled code on demand, which
no real model does reliably; it speaks the same HTTP and server-sent-events protocol that
`tests/backends` pins against llama-cpp-python's real server.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ScriptedModelServer(ThreadingHTTPServer):
    """Answers each chat completion with the next scripted reply, streamed in small chunks; or,
    given `by_hole`, with the reply for the hole the prompt asks for (the engine's prompts open
    with "... missing the function `name`"), the same every time. `chunk_seconds` slows the
    stream down, for a run that must still be running when a test looks."""

    def __init__(
        self,
        replies: list[str],
        by_hole: Mapping[str, str] | None = None,
        chunk_seconds: float = 0.0,
    ) -> None:
        super().__init__(("127.0.0.1", free_port()), _ScriptedHandler)
        self.replies = list(replies)
        self.by_hole = dict(by_hole or {})
        self.chunk_seconds = chunk_seconds
        self.requests: list[dict[str, object]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def next_reply(self, body: Mapping[str, object]) -> str:
        asked = json.dumps(body.get("messages", []))
        for hole, reply in self.by_hole.items():
            if f"missing the function `{hole}`" in asked:
                return reply
        return self.replies.pop(0) if self.replies else "I have nothing more to say."


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedModelServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._json({"object": "list", "data": [{"id": "scripted", "object": "model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        reply = self.server.next_reply(body)
        if not body.get("stream"):
            message = {"role": "assistant", "content": reply}
            self._json(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "model": "scripted",
                    "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                }
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for start in range(0, len(reply), 16):
            self._event({"content": reply[start : start + 16]}, None)
            time.sleep(self.server.chunk_seconds)
        self._event({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, delta: dict[str, str], finish: str | None) -> None:
        chunk = {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "scripted",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()

    def _json(self, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def scripted_model(
    replies: list[str], by_hole: Mapping[str, str] | None = None, chunk_seconds: float = 0.0
) -> Iterator[ScriptedModelServer]:
    server = ScriptedModelServer(replies, by_hole, chunk_seconds)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _environment(overrides: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


@contextmanager
def celery_worker(env: Mapping[str, str], timeout: float = 60) -> Iterator[subprocess.Popen[str]]:
    """A real Celery worker in its own process, ready to take tasks when this yields."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with _process(command, env) as (process, lines):
        _wait_for_line(process, lines, "ready.", timeout)
        yield process


@contextmanager
def _process(
    command: list[str], env: Mapping[str, str]
) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_environment(env),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stderr.write(f"[{Path(command[2]).name}] {line}")
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    try:
        yield process, lines
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_line(
    process: subprocess.Popen[str], lines: queue.Queue[str], marker: str, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args!r} exited with {process.returncode} before {marker!r}"
            )
        try:
            if marker in lines.get(timeout=0.5):
                return
        except queue.Empty:
            continue
    raise TimeoutError(f"{process.args!r} did not print {marker!r} within {timeout} s")


@contextmanager
def embedded_stack(env: Mapping[str, str], port: int) -> Iterator[str]:
    """Inlay as `make run` starts it (web server and worker), on a fresh data directory."""
    for command in (["migrate", "--noinput", "-v", "0"], ["ensure_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=_environment(env), check=True
        )
    serve = [sys.executable, "manage.py", "serve", "--port", str(port)]
    with _process(serve, env) as (process, lines):
        _wait_for_line(process, lines, "Inlay is running", 90)
        yield f"http://127.0.0.1:{port}"


@contextmanager
def llama_cpp_server(model_path: Path, api_key: str) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server on the local model; yields its base URL."""
    port = free_port()
    # The server loads the model as the local backend does on this CPU (no extra buffers where
    # the CPU has AMX: see inlay.synthesis.backends.local).
    start = (
        "import runpy, sys\n"
        "from inlay.synthesis.backends.local import loading_for_this_cpu\n"
        "sys.argv[0] = 'llama_cpp.server'\n"
        "with loading_for_this_cpu():\n"
        "    runpy.run_module('llama_cpp.server', run_name='__main__', alter_sys=True)\n"
    )
    command = [
        sys.executable,
        "-c",
        start,
        "--model",
        str(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--api_key",
        api_key,
    ]
    with _process(command, {}) as (process, _lines):
        base_url = f"http://127.0.0.1:{port}/v1"
        request = urllib.request.Request(
            f"{base_url}/models", headers={"Authorization": f"Bearer {api_key}"}
        )
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(request, timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("llama_cpp.server did not answer within 60 s") from None
                time.sleep(0.2)
        yield base_url


class PrivateRedis:
    """A redis-server of the test's own on a free port, with nothing saved to disk, which the
    test may stop and start again: faults are never made on the machine's shared Redis."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(directory)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


class WebSession:
    """A logged-in visitor of a running Inlay, over plain HTTP: it posts forms as the page's
    htmx does (with the CSRF token from its cookie) and reads the HTML answers."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> str:
        with self.opener.open(f"{self.url}{path}", timeout=60) as response:
            return str(response.read().decode())

    def post(self, path: str, form: Mapping[str, str]) -> str:
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        data = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": token or ""}).encode()
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, headers={"HX-Request": "true"}
        )
        with self.opener.open(request, timeout=60) as response:
            return str(response.read().decode())

    def cookie_header(self) -> str:
        """The session's cookies, as a websocket client sends them."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)

    def log_in(self, username: str = "demo", password: str = "demo") -> None:
        self.get("/accounts/login/")
        self.post("/accounts/login/", {"username": username, "password": password})
