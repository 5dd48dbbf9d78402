"""run_examples end to end, through the default pool: results, limits, output, values.

Hostile candidates are in test_sandbox_hostile.py."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import numpy as np
import pytest

from inlay.sandbox import ExampleResult, Limits, Record, run_examples

QUICK = Limits(wall_seconds=2.0, cpu_seconds=2)


def run_one(
    source: str, args: tuple[object, ...] = (), expected: object = None, limits: Limits = QUICK
) -> ExampleResult:
    [result] = run_examples(textwrap.dedent(source), "solve", [(args, expected)], limits)
    return result


def test_a_correct_program_passes() -> None:
    result = run_one("def solve(a, b):\n    return a + b\n", (2, 3), 5)

    assert result.status == "pass"
    assert result.output == 5
    assert result.error is None
    assert result.duration > 0


def test_a_wrong_output_fails_and_records_both_values() -> None:
    [result] = run_examples("def solve(x):\n    return x * 3\n", "solve", [((2,), 4)], QUICK)

    assert result.status == "fail"
    assert result.output == 6
    assert result.expected == 4
    assert result.error is None


def test_each_example_gets_its_own_result() -> None:
    results = run_examples("def solve(x):\n    return x * 2\n", "solve", [((1,), 2), ((2,), 5)])

    assert [r.status for r in results] == ["pass", "fail"]


def test_an_exception_names_its_type_message_and_line() -> None:
    source = """\
        def solve(x):
            y = x - 1
            return 1 / y
        """
    result = run_one(source, (1,), 0)

    assert result.status == "error"
    assert result.error == "ZeroDivisionError: division by zero (line 3)"
    assert result.output is None


def test_an_exception_in_a_library_names_the_candidates_line() -> None:
    result = run_one("import json\ndef solve():\n    return json.loads('{')\n")

    assert result.status == "error"
    assert result.error is not None
    assert result.error.startswith("JSONDecodeError: Expecting property name")
    assert result.error.endswith("(line 3)")


def test_a_syntax_error_is_reported_for_every_example() -> None:
    results = run_examples(
        "def solve(x):\n    return x +\n", "solve", [((1,), 1), ((2,), 2)], QUICK
    )

    assert [r.status for r in results] == ["error", "error"]
    assert all(r.error == "SyntaxError: invalid syntax (line 2)" for r in results)


def test_a_missing_entry_function_is_named() -> None:
    result = run_one("def other():\n    return 1\n")

    assert result.error == "The program defines no function named 'solve'"


def test_an_infinite_loop_times_out_and_the_next_example_still_runs() -> None:
    source = "def solve(x):\n    while x:\n        pass\n    return 7\n"
    results = run_examples(source, "solve", [((True,), 7), ((False,), 7)], Limits(wall_seconds=1.0))

    assert [r.status for r in results] == ["timeout", "pass"]
    assert results[0].error == "Timed out after 1.0 s"


def test_a_sleeping_program_times_out_on_the_wall_clock() -> None:
    result = run_one(
        "import time\ndef solve():\n    time.sleep(60)\n", limits=replace(QUICK, wall_seconds=0.5)
    )

    assert result.status == "timeout"
    assert result.error == "Timed out after 0.5 s"


def test_cpu_time_runs_out_before_a_longer_wall_clock_limit() -> None:
    result = run_one(
        "def solve():\n    while True:\n        pass\n",
        limits=Limits(wall_seconds=10, cpu_seconds=1),
    )

    assert result.status == "timeout"
    assert result.error == "CPU time limit of 1 s exceeded"


def test_one_huge_allocation_is_a_memory_error() -> None:
    result = run_one("def solve():\n    x = bytearray(4 * 2**30)\n    return len(x)\n")

    assert result.status == "memory"
    assert result.error == "Memory limit of 512 MiB exceeded (line 2)"


def test_a_growing_list_is_a_memory_error() -> None:
    source = """\
        chunks = []
        def solve():
            while True:
                chunks.append(bytearray(2**20))
        """
    result = run_one(source, limits=replace(QUICK, memory_bytes=128 * 2**20))

    assert result.status == "memory"
    assert result.error == "Memory limit of 128 MiB exceeded (line 4)"


def test_the_program_runs_in_a_private_folder_emptied_before_the_next_job() -> None:
    source = """\
        import os
        def solve(name):
            before = sorted(os.listdir("."))
            with open(name, "w") as f:
                f.write("hello")
            return os.getcwd(), os.environ["HOME"], before
        """
    results = run_examples(textwrap.dedent(source), "solve", [(("a",), None), (("b",), None)])

    for result in results:
        cwd, home, before = result.output  # type: ignore[misc]
        assert cwd == home == "/tmp/job"
        assert before == []


def test_sys_exit_is_named_as_such() -> None:
    result = run_one("import sys\ndef solve():\n    sys.exit(3)\n")

    assert result.status == "error"
    assert result.error == "The program called sys.exit(3) (line 3)"


def test_os_exit_is_named_as_such() -> None:
    result = run_one("import os\ndef solve():\n    os._exit(0)\n")

    assert result.status == "error"
    assert result.error == "The program called os._exit(0) (line 3)"


def test_a_process_killed_by_a_signal_is_a_crash() -> None:
    result = run_one("import ctypes\ndef solve():\n    ctypes.string_at(0)\n")

    assert result.status == "crash"
    assert result.error == "The process was killed by SIGSEGV without returning a result"


def test_a_signal_without_a_name_is_a_crash_too() -> None:
    result = run_one("import signal\ndef solve():\n    signal.raise_signal(40)\n")

    assert result.status == "crash"
    assert result.error == "The process was killed by signal 40 without returning a result"


def test_printing_100_mb_keeps_only_the_limit_and_the_run_completes() -> None:
    source = """\
        def solve():
            for _ in range(100):
                print("x" * 2**20)
            return "done"
        """
    result = run_one(source, expected="done", limits=replace(QUICK, output_bytes=2**16))

    assert result.status == "pass"
    assert result.stdout.startswith("xxxx")
    assert result.stdout.endswith("\n[output cut at 64 KiB]")
    assert len(result.stdout) < 2**16 + 100


def test_writing_past_python_to_stdout_is_bounded_too() -> None:
    source = """\
        import os
        def solve():
            os.write(1, b"y" * 50 * 2**20)
            return "done"
        """
    result = run_one(source, expected="done")

    assert result.status == "pass"
    assert len(result.stdout) < 2**20 + 100


def test_prints_are_captured() -> None:
    result = run_one(
        "import sys\ndef solve():\n    print('hi')\n    print('oops', file=sys.stderr)\n"
    )

    assert result.stdout == "hi\noops\n"


def test_a_generator_cannot_be_returned() -> None:
    result = run_one("def solve():\n    return (i for i in range(3))\n")

    assert result.status == "error"
    assert result.error == "Result could not be encoded: generator"


def test_a_lambda_cannot_be_returned() -> None:
    result = run_one("def solve():\n    return [1, lambda: 2]\n")

    assert result.error == "Result could not be encoded: function"


def test_an_exception_while_encoding_the_result_is_the_programs_error() -> None:
    source = """\
        class Grid(list):
            def __iter__(self):
                raise ValueError("no iterating")
        def solve():
            return Grid([1])
        """
    result = run_one(source)

    assert result.status == "error"
    assert result.error == "ValueError: no iterating (line 3)"


def test_a_result_larger_than_the_output_limit_is_an_error() -> None:
    result = run_one(
        "def solve():\n    return 'x' * 100_000\n", limits=replace(QUICK, output_bytes=2**16)
    )

    assert result.status == "error"
    assert result.error == "Result too large: 97.7 KiB encoded, the limit is 64 KiB"


def test_an_arc_program_returning_an_array_matches_a_list_grid() -> None:
    source = """\
        import numpy as np
        def solve(grid):
            return np.rot90(np.array(grid))
        """
    grid = [[1, 2], [3, 4]]
    result = run_one(source, (grid,), [[2, 4], [1, 3]])

    assert result.status == "pass"
    assert isinstance(result.output, np.ndarray)
    assert result.output.tolist() == [[2, 4], [1, 3]]


def test_numpy_arguments_and_results_round_trip() -> None:
    source = """\
        import numpy as np
        def solve(a, scale):
            return a.astype(np.float32) * scale, a.dtype.str, type(scale).__name__
        """
    array = np.arange(6, dtype=np.int16).reshape(2, 3)
    result = run_one(source, (array, np.float32(0.5)))

    out, dtype, scale_type = result.output  # type: ignore[misc]
    assert (dtype, scale_type) == ("<i2", "float32")
    assert out.dtype == np.float32
    assert out.tolist() == [[0, 0.5, 1], [1.5, 2, 2.5]]


def test_a_dataclass_result_comes_back_as_a_record() -> None:
    source = """\
        from dataclasses import dataclass
        @dataclass
        class Point:
            x: int
            y: int
        def solve():
            return Point(1, 2)
        """
    result = run_one(source)

    assert isinstance(result.output, Record)
    assert repr(result.output) == "Point(x=1, y=2)"


def test_a_lying_eq_cannot_make_an_example_pass() -> None:
    source = """\
        class Anything(int):
            def __eq__(self, other):
                return True
            __hash__ = int.__hash__
        def solve():
            return Anything(1)
        """
    result = run_one(source, expected=2)

    assert result.status == "fail"
    assert type(result.output) is int


@pytest.mark.parametrize(
    "forged",
    [b'{"status": "pass", "error": ""}', b"[" * 100_000 + b"]" * 100_000, b'{"value": 1'],
)
def test_a_forged_response_is_a_crash_not_a_pass(forged: bytes) -> None:
    source = f"""\
        import os, posix
        def solve():
            os.write(3, {forged!r})  # the response file: see child.RESPONSE_FD
            posix._exit(0)
        """
    result = run_one(source, expected=1)

    assert result.status == "crash"
    assert result.error == "The process returned a malformed response"


def test_bad_arguments_are_a_programmer_error() -> None:
    with pytest.raises(ValueError, match="entry must be a function name"):
        run_examples("", "not a name", [])
    with pytest.raises(TypeError, match="cannot encode generator"):
        run_examples("", "solve", [(((i for i in [1]),), None)])
