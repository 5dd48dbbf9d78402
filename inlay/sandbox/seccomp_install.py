"""Installing the seccomp filters: in the executor once, in each job's process as it starts.

The programs come compiled by libseccomp in the worker (seccomp.py says what they refuse and why
they are not compiled here); this module only hands them to the kernel with prctl().
"""

from __future__ import annotations

import ctypes
import functools

# <linux/prctl.h>, <linux/seccomp.h>
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


class _Program(ctypes.Structure):  # struct sock_fprog
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class JobFilter:
    """The job's filter, made ready once in the executor, before it serves.

    A job's process then only writes its pid into the program and installs it: one system call.
    Building the program and setting up ctypes' call in every job's process cost it a third of a
    millisecond, most of it in copying the executor's memory pages it touched (copy-on-write).
    """

    def __init__(self, program: bytes, pid_offsets: list[int]) -> None:
        """`program` compiled for a placeholder pid, found at the byte offsets `pid_offsets`."""
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._own_pid = [ctypes.c_uint32.from_buffer(self._buffer, at) for at in pid_offsets]
        self._program = _Program(len(program) // 8, ctypes.addressof(self._buffer))
        self._address = ctypes.addressof(self._program)
        self._prctl = _libc().prctl

    def install(self, own_pid: int) -> None:
        """Apply the filter to this process, `own_pid`, for good. no_new_privs is already set:
        the executor's own filter set it (see `install`), and a fork keeps it."""
        for slot in self._own_pid:
            slot.value = own_pid
        if self._prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, self._address, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def install(program: bytes) -> None:
    """Apply `program` to this process and every process it starts, for good.

    no_new_privs comes first: the kernel requires it of a process without CAP_SYS_ADMIN, and it
    keeps a set-uid binary from ever gaining privileges here.
    """
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _Program(len(program) // 8, ctypes.addressof(buffer))
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong]
    libc.prctl.argtypes += [ctypes.c_ulong]
    return libc
