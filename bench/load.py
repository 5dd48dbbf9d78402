"""Load on a running Inlay: N accounts post M fills at once and K sockets watch the runs, with a
scripted model (tests/servers.py) so that the figures measure Inlay, not the model.

    .venv/bin/python bench/load.py [--accounts 3] [--fills 30] [--watchers 50] [--production]

Embedded (the default) is Inlay as `make run` starts it, on a fresh data directory: SQLite, the
filesystem broker, one worker. `--production` runs it on PostgreSQL (a fresh database on the
server of DATABASE_URL, default the development machines') and a private redis-server.

Each account has enough sketches for its share of the fills (one run at a time per sketch); the
fills are posted at once, from a thread each. Each run's page socket is opened K/M times over
(round robin), and each socket counts the panels pushed to it until its run has ended. Printed,
and written as JSON with --out: fills posted and refused, distinct runs in the responses (each
response must show the run it created), runs that ended and how, panels delivered, sockets that
saw their run's end, errors, seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import websockets
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.sketches.demo import DEMO_SKETCH  # noqa: E402
from tests.clarify_scenario import scripted_stack_env  # noqa: E402
from tests.servers import (  # noqa: E402
    WebSession,
    embedded_stack,
    free_port,
    private_redis,
    scripted_model,
)

REPLY = "```python\ndef reverse_list(xs):\n    return xs[::-1]\n```"
RUN = re.compile(r'<div id="run-(\d+)" class="run" data-status="(\w+)"')
ENDED = {"succeeded", "finished", "failed", "cancelled"}
PASSWORD = "load-bench"

_ACCOUNTS = Template("""
import json
from django.contrib.auth.models import User
from apps.sketches.demo import DEMO_EXAMPLES, DEMO_SKETCH
from apps.sketches.models import Example, Sketch
ids = {}
for number in range($accounts):
    user = User.objects.create_user(f"load{number}", password="$password")
    for each in range($sketches):
        sketch = Sketch.objects.create(owner=user, name=f"Load {each}")
        sketch.commit(DEMO_SKETCH, "Created")
        for args, output in DEMO_EXAMPLES:
            Example.objects.create(sketch=sketch, args=args, output=output)
        ids.setdefault(user.username, []).append(sketch.pk)
print("SKETCHES", json.dumps(ids))
""")


def make_accounts(env: Mapping[str, str], accounts: int, sketches: int) -> dict[str, list[int]]:
    """`accounts` accounts with `sketches` copies of the demo sketch each: their ids by name."""
    code = _ACCOUNTS.substitute(accounts=accounts, sketches=sketches, password=PASSWORD)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=_env(env),
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("SKETCHES "))
    ids: dict[str, list[int]] = json.loads(line.removeprefix("SKETCHES "))
    return ids


def _env(overrides: Mapping[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env | dict(overrides)


def post_fills(
    url: str, sketches: dict[str, list[int]], fills: int
) -> tuple[list[tuple[str, int]], dict[str, WebSession], list[str]]:
    """Every fill posted at once; the runs the responses show, with their accounts."""
    sessions = {name: WebSession(url) for name in sketches}
    for name, session in sessions.items():
        session.log_in(name, PASSWORD)
    jobs = [(name, sketch) for name, ids in sketches.items() for sketch in ids][:fills]
    shown: list[tuple[str, int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def post(name: str, sketch: int) -> None:
        session = sessions[name]
        form = {"text": DEMO_SKETCH, "filler": "model"}
        start.wait()
        try:
            page = session.post(f"/sketches/{sketch}/fill/", form)
        except urllib.error.HTTPError as error:
            with lock:
                errors.append(f"fill of sketch {sketch}: HTTP {error.code}")
            return
        found = RUN.search(page)
        with lock:
            if found is None:
                errors.append(f"fill of sketch {sketch}: no run in the response")
            else:
                shown.append((name, int(found.group(1))))

    threads = [threading.Thread(target=post, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return shown, sessions, errors


async def watch(
    url: str, cookie: str, run: int, seconds: float
) -> tuple[int, str | None, str | None]:
    """Panels pushed to one socket of the run's page until the run ends: (count, last status,
    error)."""
    parts = urlsplit(url)
    address = urlunsplit(("ws", parts.netloc, f"/ws/runs/{run}/", "", ""))
    headers = {"Cookie": cookie, "Origin": url}
    count, status = 0, None
    try:
        async with websockets.connect(address, additional_headers=headers) as socket:
            deadline = time.monotonic() + seconds
            while status not in ENDED:
                message = await asyncio.wait_for(socket.recv(), deadline - time.monotonic())
                count += 1
                found = RUN.search(str(message))
                status = found.group(2) if found else status
    except (OSError, TimeoutError, websockets.WebSocketException) as error:
        return count, status, f"socket of run {run}: {error!r}"
    return count, status, None


async def watch_all(
    url: str, runs: list[tuple[str, int]], sessions: dict[str, WebSession], watchers: int
) -> list[tuple[int, str | None, str | None]]:
    cookies = {name: session.cookie_header() for name, session in sessions.items()}
    tasks = [
        watch(url, cookies[runs[n % len(runs)][0]], runs[n % len(runs)][1], 600)
        for n in range(watchers)
    ]
    return await asyncio.gather(*tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=3)
    parser.add_argument("--fills", type=int, default=30)
    parser.add_argument("--watchers", type=int, default=50)
    parser.add_argument("--chunk-seconds", type=float, default=0.05)
    parser.add_argument("--production", action="store_true")
    parser.add_argument(
        "--database-server", default="postgres://postgres@127.0.0.1:5432", help="--production"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    per_account = -(-args.fills // args.accounts)
    with (
        tempfile.TemporaryDirectory() as data,
        scripted_model([], {"reverse_list": REPLY}, args.chunk_seconds) as model,
    ):
        env = scripted_stack_env(data, model)
        if args.production:
            with (
                private_redis(Path(data)) as redis,
                fresh_database(args.database_server) as database,
            ):
                env |= {"DATABASE_URL": database, "REDIS_URL": redis.url}
                report = _measure(env, args, per_account)
        else:
            report = _measure(env, args, per_account)
    report["mode"] = "production" if args.production else "embedded"
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new PostgreSQL database on `server` for the run, dropped after it."""
    name = f"inlay_load_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            connection.execute(drop.format(sql.Identifier(name)))


def _measure(env: dict[str, str], args: argparse.Namespace, per_account: int) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_env(env),
        check=True,
    )
    sketches = make_accounts(env, args.accounts, per_account)
    with embedded_stack(env, free_port()) as url:
        began = time.monotonic()
        runs, sessions, errors = post_fills(url, sketches, args.fills)
        posted = time.monotonic() - began
        watched = asyncio.run(watch_all(url, runs, sessions, args.watchers)) if runs else []
        seconds = time.monotonic() - began
    ended = Counter(status for _, status, _ in watched if status in ENDED)
    errors += [error for _, _, error in watched if error]
    return {
        "accounts": args.accounts,
        "fills": args.fills,
        "watchers": args.watchers,
        "runs_shown": len(runs),
        "distinct_runs_shown": len({run for _, run in runs}),
        "sockets_that_saw_the_end": sum(1 for _, status, _ in watched if status in ENDED),
        "ended_as": dict(ended),
        "panels_delivered": sum(count for count, _, _ in watched),
        "errors": errors,
        "seconds_to_post": round(posted, 1),
        "seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    main()
