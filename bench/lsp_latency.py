"""Language server latency on a 2,000-line sketch, warm, after one-character edits.

    .venv/bin/python bench/lsp_latency.py [--lines 2000] [--edits 200] [--no-pyright]

The sketch is DARC's human-written sketches (`INLAY_DARC`, by default ../shared/darc beside the
repository) concatenated with their functions renamed apart, behind `import numpy as np`, until it
has `--lines` lines.
Inlay's server (`python -m lsp --stdio`) and, as a reference in the same run, pyright's
(`bench/node_modules/.bin/pyright-langserver --stdio`, from `npm ci` in bench/) are driven over
stdio as an editor drives them. After `--edits // 10` warm-up edits, each edit changes one
character of a comment in the middle of the file (so every cache keyed on the text is invalid),
then the script measures:

- diagnostics: from sending `didChange` to receiving the `publishDiagnostics` for that version;
- holeContext: `inlay/holeContext` on an inline hole, sent once those diagnostics are in (the
  context is computed afresh for the new text: its cache is per text);
- hover: `textDocument/hover` on the same hole, sent right after another edit, timed from the
  edit to the answer, for both servers (pyright answers about the string literal there, which
  is all it can).

With `--valid-python`, only the DARC sketches that are valid Python are used (no description
written across lines), which keeps the sketch parser on its fast path, to show what the
recovery of multi-line descriptions costs.

It prints the median and p95 of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inlay.sketch import parse_sketch  # noqa: E402

DARC = Path(os.environ.get("INLAY_DARC", ROOT.parent / "shared" / "darc"))
PYRIGHT = ROOT / "bench" / "node_modules" / ".bin" / "pyright-langserver"
URI = "file:///bench/sketch.py"
MARKER = "# edit here: 0"


def sketch_of(lines: int, valid_python: bool = False) -> str:
    """DARC sketches, renamed apart, until the text has `lines` lines; the edited comment in the
    middle."""
    files = sorted(DARC.glob("*.json"), key=lambda path: int(path.stem))
    if valid_python:
        files = [path for path in files if _parses(json.loads(path.read_text())["anpl"])]
    if not files:
        raise SystemExit(f"No DARC sketches in {DARC}; set INLAY_DARC.")
    parts, count, copy = ["import numpy as np", "from typing import List, Tuple", ""], 3, 0
    while count < lines:
        for path in files:
            source = json.loads(path.read_text())["anpl"]
            names = re.findall(r"^def (\w+)", source, flags=re.MULTILINE)
            for name in names:
                source = re.sub(rf"\b{name}\b", f"{name}_{path.stem}_{copy}", source)
            parts += [source.rstrip("\n"), "", ""]
            count += source.count("\n") + 3
            if count >= lines // 2 and MARKER not in parts:
                parts.append(MARKER)
            if count >= lines:
                break
        copy += 1
    return "\n".join(parts) + "\n"


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except SyntaxError:
        return False
    return True


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(name: str, seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (
        f"{name:<34} n={len(ms):<4} median {statistics.median(ms):7.1f} ms"
        f"   p95 {percentile(ms, 0.95):7.1f} ms"
    )


class Editor:
    """One language server process and the document open in it."""

    def __init__(self, command: list[str], text: str) -> None:
        self.command = command
        self.text = text
        self.version = 1
        self.client = LanguageClient("inlay-bench", "1")
        self.published: dict[int, asyncio.Future[None]] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]  # pygls: untyped
        def diagnostics(params: types.PublishDiagnosticsParams) -> None:
            waiting = self.published.get(params.version or -1)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)

        @self.client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]  # pygls: untyped
        def log(params: types.LogMessageParams) -> None:
            pass  # pyright's progress chatter

        @self.client.feature(types.WORKSPACE_CONFIGURATION)  # type: ignore[untyped-decorator]  # pygls: untyped
        def configuration(params: types.ConfigurationParams) -> list[Any]:
            return [{} for _ in params.items]  # pyright asks; defaults are what we want

    async def start(self) -> None:
        await self.client.start_io(*self.command)
        capabilities = types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                    version_support=True
                ),
                hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            )
        )
        await self.client.initialize_async(
            types.InitializeParams(capabilities=capabilities, root_uri="file:///bench")
        )
        self.client.initialized(types.InitializedParams())
        item = types.TextDocumentItem(uri=URI, language_id="python", version=1, text=self.text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))

    async def edit(self) -> asyncio.Future[None]:
        """Change one digit of the marker comment; returns the future of its diagnostics."""
        start = self.text.index(MARKER[:-1])
        line = self.text[:start].count("\n")
        column = len(MARKER) - 1
        offset = start + column
        digit = str((int(self.text[offset]) + 1) % 10)
        self.text = self.text[:offset] + digit + self.text[offset + 1 :]
        self.version += 1
        published = self.published[self.version] = asyncio.get_running_loop().create_future()
        where = types.Range(types.Position(line, column), types.Position(line, column + 1))
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(version=self.version, uri=URI),
                content_changes=[types.TextDocumentContentChangePartial(range=where, text=digit)],
            )
        )
        return published

    async def hover(self, line: int, character: int) -> Any:
        params = types.HoverParams(
            types.TextDocumentIdentifier(URI), types.Position(line, character)
        )
        return await self.client.text_document_hover_async(params)

    async def hole_context(self, line: int, character: int) -> Any:
        params = {"textDocument": {"uri": URI}, "position": {"line": line, "character": character}}
        return await self.client.protocol.send_request_async("inlay/holeContext", params)

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()  # type: ignore[no-untyped-call]  # pygls leaves it untyped


async def timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    await action()
    return time.perf_counter() - started


async def bench_inlay(text: str, hole: tuple[int, int], edits: int) -> dict[str, list[float]]:
    editor = Editor([sys.executable, "-m", "lsp", "--stdio"], text)
    await editor.start()
    found: dict[str, list[float]] = {"diagnostics": [], "holeContext": [], "hover": []}
    for index in range(edits + edits // 10):
        started = time.perf_counter()
        await asyncio.wait_for(await editor.edit(), 30)
        diagnostics = time.perf_counter() - started
        context = await timed(lambda: editor.hole_context(*hole))
        started = time.perf_counter()
        published = await editor.edit()
        answer = await editor.hover(*hole)
        hover = time.perf_counter() - started
        await asyncio.wait_for(published, 30)
        assert answer is not None, "Inlay's server did not answer the hover on the hole"
        if index >= edits // 10:  # the first tenth warms caches up
            found["diagnostics"].append(diagnostics)
            found["holeContext"].append(context)
            found["hover"].append(hover)
    await editor.stop()
    return found


async def bench_pyright(text: str, hole: tuple[int, int], edits: int) -> list[float]:
    editor = Editor([str(PYRIGHT), "--stdio"], text)
    await editor.start()
    found = []
    for index in range(edits + edits // 10):
        await editor.edit()
        started = time.perf_counter()
        await editor.hover(*hole)
        if index >= edits // 10:
            found.append(time.perf_counter() - started)
    await editor.stop()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--no-pyright", action="store_true")
    parser.add_argument("--valid-python", action="store_true")
    options = parser.parse_args()

    text = sketch_of(options.lines, options.valid_python)
    sketch = parse_sketch(text)
    middle = text[: text.index(MARKER)].count("\n")
    # The first inline hole after the edited comment with an argument jedi has to type.
    hole = next(
        h
        for h in sketch.holes
        if h.kind == "inline"
        and h.span.start_line > middle
        and any(p.annotation is None for p in h.params)
    )
    where = (hole.span.start_line, hole.span.start_column + 1)
    print(
        f"{len(text.splitlines())} lines, {len(sketch.holes)} holes; "
        f"hole `{hole.name}` at line {where[0] + 1}; {options.edits} edits"
    )
    for name, seconds in asyncio.run(bench_inlay(text, where, options.edits)).items():
        print(summary(f"inlay {name}", seconds))
    if not options.no_pyright:
        if not PYRIGHT.exists():
            raise SystemExit("pyright is not installed: run `npm ci` in bench/ first.")
        print(summary("pyright hover", asyncio.run(bench_pyright(text, where, options.edits))))


if __name__ == "__main__":
    main()
