"""Run everything embedded Inlay needs: the ASGI server (pages, run sockets, language server)
and a Celery worker, as child processes stopped together."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Start the web server and a worker; stop both on Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        if _port_taken(host, port):
            raise CommandError(f"Port {port} on {host} is in use: stop what runs there or --port.")
        web = [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            host,
            "-p",
            str(port),
            "config.asgi:application",
        ]
        # One worker process, so the local model is loaded once and candidates are made in turn.
        worker = [sys.executable, "-m", "celery", "--quiet", "-A", "config", "worker"]
        worker += ["--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
        children = [subprocess.Popen(web), subprocess.Popen(worker)]
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            _wait_until_listening(host, port, children)
            self.stdout.write(
                f"\nInlay is running at http://{host}:{port}/\n"
                f"Log in as {settings.INLAY_DEMO_USERNAME!r} with password "
                f"{settings.INLAY_DEMO_PASSWORD!r}. Press Ctrl-C to stop.\n"
            )
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            raise CommandError("A part of Inlay stopped; see its output above.")
        except KeyboardInterrupt:
            pass
        finally:
            _stop(children)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _port_taken(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) == 0


def _wait_until_listening(host: str, port: int, children: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while not _port_taken(host, port):
        if time.monotonic() > deadline or any(child.poll() is not None for child in children):
            raise CommandError("The web server did not start; see its output above.")
        time.sleep(0.2)


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
