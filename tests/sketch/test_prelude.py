"""ARC's environment: a sketch that leans on `np`, the typing names and the colour names runs as
written, and a sketch that defines them itself is left alone."""

from __future__ import annotations

import json
from textwrap import dedent

import numpy as np

from inlay.run.program import build_program
from inlay.sandbox import run_examples
from inlay.sketch import parse_sketch
from inlay.sketch.materialize import materialize, read_fills
from inlay.sketch.prelude import prelude_needed, with_prelude
from tests.darc import darc_files
from tests.sandboxed import call_main

ARC_SKETCH = dedent(
    """\
    def main(input_grid: np.ndarray) -> np.ndarray:
        turned = "swap red for blue"(input_grid)
        return turned
    """
)
FILLS = "def swap_red_for_blue(input_grid: np.ndarray) -> np.ndarray:\n" + (
    "    return np.where(input_grid == red, blue, input_grid)\n"
)


def test_a_sketch_using_arc_names_it_never_defines_runs_once_filled() -> None:
    sketch = parse_sketch(ARC_SKETCH)
    program = materialize(sketch, read_fills(sketch, FILLS))
    assert program.startswith("import numpy as np\n")
    grid = np.array([[2, 0], [1, 2]])
    assert call_main(program, grid).tolist() == [[1, 0], [1, 1]]


def test_only_the_statements_a_program_needs_are_added() -> None:
    codes = [statement.code for statement in prelude_needed("x: List[int] = []\n")]
    assert codes == ["from typing import *"]
    assert prelude_needed("import numpy as np\nprint(np.pi)\n") == ()
    assert prelude_needed("print(len([]))\n") == ()


def test_a_name_the_sketch_defines_itself_wins() -> None:
    source = "red = 7\n\ndef main():\n    return red, blue\n"
    program = with_prelude(source)
    assert program.index("= range(10)") < program.index("red = 7")
    assert call_main(program) == (7, 1)


def test_future_imports_and_the_docstring_stay_first() -> None:
    source = '"""A module."""\nfrom __future__ import annotations\n\ndef main():\n    return teal\n'
    program = with_prelude(source)
    assert program.splitlines()[:2] == ['"""A module."""', "from __future__ import annotations"]
    assert call_main(program) == 8


def test_a_program_that_does_not_parse_is_left_for_the_run_to_report() -> None:
    assert with_prelude("def main(:\n    return red\n") == "def main(:\n    return red\n"


def test_every_darc_sketch_filled_by_its_own_functions_runs_without_its_header() -> None:
    """The DARC programs' header (imports, colours) left out of the fills: the prelude stands in
    for it, so each aligned program at least gets past the names its sketch leans on."""
    missing, ran = [], 0
    for path in darc_files()[::10]:
        data = json.loads(path.read_text())
        reference = "\n".join(
            line
            for line in data["python"].splitlines()
            if not line.startswith(("import numpy", "from typing", "black, blue"))
        )
        try:
            program = build_program(parse_sketch(data["anpl"]), reference, align=True)
        except ValueError:
            continue  # sketches whose shape differs from their program: tested elsewhere
        grid = np.array(data["train_io"]["inputs"][0])
        (result,) = run_examples(program.source, "main", [((grid,), None)])
        ran += 1
        if result.error and "NameError" in result.error:
            missing.append((path.name, result.error))
    assert ran >= 10
    assert not missing
