"""The seccomp filters on x86-64 and on arm64: libseccomp builds both here, from the same rules.

Nothing here runs on arm64: the filters are built for it and read back as libseccomp's text form
(PFC) and as the program an executor would install. How the native filters hold against real
candidates is in test_sandbox_hostile.py.
"""

from __future__ import annotations

import re
import struct
import tempfile
from collections.abc import Callable
from functools import partial

import pyseccomp
import pytest
from pyseccomp import Arch

from inlay.sandbox import seccomp

FILTERS: dict[str, Callable[..., pyseccomp.SyscallFilter]] = {
    "executor": seccomp.executor_filter,
    "job": partial(seccomp.job_filter, seccomp.NO_SUCH_PID),
}


def pfc(rules: pyseccomp.SyscallFilter) -> str:
    with tempfile.TemporaryFile("w+") as file:
        rules.export_pfc(file)
        file.seek(0)
        return file.read()


def rule_blocks(text: str) -> dict[str, tuple[int, list[str]]]:
    """Each system call with a rule in a PFC text: its number, and the lines of its checks and
    actions, the number written as NR in them."""
    blocks = {}
    for block in text.split("# filter for syscall ")[1:]:
        header, *body = block.split("\n")
        match = re.match(r'"(\w+)" \((\d+)\)', header)
        assert match is not None, header
        name, number = match.groups()
        lines = []
        for line in map(str.strip, body):
            if line == "# default action":
                break
            lines.append(line.replace(f"$syscall == {number}", "$syscall == NR"))
        blocks[name] = (int(number), [line for line in lines if line])
    return blocks


def constants(program: bytes) -> list[int]:
    """The 32-bit constant (k) of each instruction of a classic BPF program."""
    return [k for _, _, _, k in struct.iter_unpack("=HBBI", program)]


@pytest.mark.parametrize("build", FILTERS.values(), ids=FILTERS.keys())
def test_a_filter_holds_the_same_rules_on_x86_64_and_arm64(
    build: Callable[..., pyseccomp.SyscallFilter],
) -> None:
    texts = {arch: pfc(build(arch=arch)) for arch in (Arch.X86_64, Arch.AARCH64)}
    blocks = {arch: rule_blocks(text) for arch, text in texts.items()}

    x86_64, arm64 = ({name: body for name, (_, body) in found.items()} for found in blocks.values())
    assert x86_64 == arm64
    for arch, found in blocks.items():
        # Each call under the number it has on that architecture (a pseudo-number where it has
        # none); the filter is for that one architecture, and kills a call of any other ABI.
        assert {name: number for name, (number, _) in found.items()} == {
            name: pyseccomp.resolve_syscall(arch, name) % 2**32 for name in found
        }
        assert texts[arch].count("# filter for arch ") == 1
        assert f"if ($arch == {arch})" in texts[arch]
        assert "# invalid architecture action\naction KILL_PROCESS;\n" in texts[arch]


def test_the_executor_filter_refuses_every_call_named_and_lets_the_rest_through() -> None:
    text = pfc(seccomp.executor_filter(Arch.AARCH64))
    blocks = rule_blocks(text)

    assert set(blocks) == set(seccomp.REFUSED)
    assert {line for _, body in blocks.values() for line in body} == {
        "if ($syscall == NR)",
        "action ERRNO(1);",
    }
    assert "  # default action\n  action ALLOW;\n" in text


def test_calls_arm64_lacks_leave_no_comparison_in_its_program() -> None:
    lacking = {
        name for name in seccomp.REFUSED if pyseccomp.resolve_syscall(Arch.AARCH64, name) < 0
    }
    program = constants(seccomp.program(seccomp.executor_filter(Arch.AARCH64)))

    # arm64's C library forks with clone(), which the job's filter checks; it has no I/O ports.
    assert lacking == {"fork", "vfork", "iopl", "ioperm"}
    for name in lacking:
        assert pyseccomp.resolve_syscall(Arch.AARCH64, name) % 2**32 not in program
    assert pyseccomp.resolve_syscall(Arch.AARCH64, "socket") in program


@pytest.mark.parametrize("arch", [Arch.NATIVE, Arch.AARCH64], ids=["native", "arm64"])
def test_writing_a_pid_into_the_prepared_job_filter_is_compiling_it_for_that_pid(
    arch: int,
) -> None:
    # What seccomp_install.JobFilter does in each job's process, instead of compiling.
    prepared = bytearray(seccomp.program(seccomp.job_filter(seccomp.NO_SUCH_PID, arch)))
    offsets = seccomp.pid_offsets(bytes(prepared))
    for offset in offsets:
        struct.pack_into("=I", prepared, offset, 4242)

    assert offsets
    assert bytes(prepared) == seccomp.program(seccomp.job_filter(4242, arch))
