"""The examples in docs/sketch-language.md and docs/cli.md are what `inlay` does.

A fenced block after `<!-- file: NAME -->` is written to NAME; the block after
`<!-- inlay ARGS -->` is what `inlay ARGS` prints (stdout, then stderr), and its exit status is 0
unless the comment ends with `(exit N)`.
"""

import re
import shlex

import pytest

from inlay.cli import main as inlay
from tests.servers import ROOT

DOCS = [ROOT / "docs" / "sketch-language.md", ROOT / "docs" / "cli.md"]
STEP = re.compile(r"<!-- (file:|inlay) ([^\n]+?) -->\n+```[\w-]*\n(.*?)```", re.DOTALL)
EXIT = re.compile(r"\s*\(exit (\d+)\)$")


def _steps(doc):
    return [match.groups() for match in STEP.finditer(doc.read_text())]


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_the_docs_examples_are_what_inlay_does(doc, tmp_path, monkeypatch, capsys):
    steps = _steps(doc)
    assert any(kind == "inlay" for kind, _, _ in steps), f"{doc.name} runs no example"
    monkeypatch.chdir(tmp_path)
    for kind, argument, block in steps:
        if kind == "file:":
            (tmp_path / argument).write_text(block)
            continue
        status = EXIT.search(argument)
        args = shlex.split(EXIT.sub("", argument))
        assert inlay(args) == (int(status.group(1)) if status else 0), argument
        printed = capsys.readouterr()
        assert printed.out + printed.err == block, argument
