"""The seccomp filters of the sandbox, written as classic BPF by hand.

They are small enough not to need libseccomp. The executor's (`executor_filter`, installed once)
checks the architecture, then answers EPERM to the system calls a candidate never needs and that
would let it leave its sandbox or reach past it: exec, sockets, mounts and namespaces, ptrace and
reading other processes' memory, io_uring (which would bypass the filter), kernel keys, modules,
clocks and the like. Each job's process adds its own (`job_filter`, prepared once by the executor
as a `JobFilter`): no new process (threads stay allowed) and no signal to any process but itself.
Everything else is allowed: the namespaces, the unprivileged uid and the rlimits (see confine.py)
do the rest.

Only x86-64 is described here; elsewhere `available()` says why not, and the sandbox refuses to run.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import platform
import struct

# <linux/audit.h>, <linux/seccomp.h>, <linux/filter.h>
_AUDIT_ARCH_X86_64 = 0xC000003E
_X32_SYSCALL_BIT = 0x40000000
_RET_KILL_PROCESS = 0x80000000
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (the low half of args[0])
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_CLONE_THREAD = 0x00010000

# x86-64 system call numbers (<asm/unistd_64.h>).
_DENIED = {
    "socket": 41,
    "fork": 57,
    "vfork": 58,
    "execve": 59,
    "ptrace": 101,
    "syslog": 103,
    "personality": 135,
    "pivot_root": 155,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "sethostname": 170,
    "setdomainname": 171,
    "iopl": 172,
    "ioperm": 173,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "fanotify_init": 300,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "execveat": 322,
    "userfaultfd": 323,
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_open": 434,
    "pidfd_getfd": 438,
    "mount_setattr": 442,
}
_CLONE = 56
_CLONE3 = 435
# Signals go only to the process itself (their first argument is the target pid or tgid).
_SIGNALS = {"kill": 62, "rt_sigqueueinfo": 129, "tkill": 200, "tgkill": 234}
_SIGNALS["rt_tgsigqueueinfo"] = 297


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def available() -> str | None:
    """Why this machine cannot use the filter, or None if it can."""
    machine = platform.machine()
    if machine != "x86_64":
        return f"the seccomp filter describes x86-64 only, and this machine is {machine}"
    return None


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


_DENY = _op(_RET_K, _RET_ERRNO | errno.EPERM)
_ALLOW = _op(_RET_K, _RET_ALLOW)


def executor_filter() -> bytes:
    """The filter the executor installs on itself once it is set up, inherited by every job.

    It leaves the executor what it still needs: clone() to fork each job, signals to end it,
    pidfd_open() to wait for it. `job_filter` takes those from the job's process.
    """
    _libc()
    program = [
        _op(_LD_W_ABS, _ARCH),
        _op(_JEQ_K, _AUDIT_ARCH_X86_64, jt=1),
        _op(_RET_K, _RET_KILL_PROCESS),  # another ABI's numbers would mean other calls
        _op(_LD_W_ABS, _NR),
        _op(_JGE_K, _X32_SYSCALL_BIT, jf=1),
        _op(_RET_K, _RET_KILL_PROCESS),
    ]
    for name, number in sorted(_DENIED.items(), key=lambda item: item[1]):
        if name != "pidfd_open":
            program += [_op(_JEQ_K, number, jf=1), _DENY]
    program.append(_ALLOW)
    return b"".join(program)


def job_filter(own_pid: int) -> bytes:
    """The filter added in the job's process `own_pid`: no new process, no signal to another.

    Kept short: the kernel checks a program each time one is installed, once per job. `own_pid`
    is compared in the third instruction from the end, where JobFilter writes it.
    """
    program = [_op(_LD_W_ABS, _NR)]
    # clone() that makes a thread is allowed; one that makes a process is not. clone3() passes its
    # flags in memory a filter cannot read: ENOSYS makes the C library fall back to clone().
    program += [
        _op(_JEQ_K, _CLONE, jf=4),
        _op(_LD_W_ABS, _ARG0),
        _op(_JSET_K, _CLONE_THREAD, jf=1),
        _ALLOW,
        _DENY,
        _op(_JEQ_K, _CLONE3, jf=1),
        _op(_RET_K, _RET_ERRNO | errno.ENOSYS),
        _op(_JEQ_K, _DENIED["pidfd_open"], jf=1),
        _DENY,
    ]
    # Every signalling call jumps to one check of its target, past the rest of them and the ALLOW.
    signals = sorted(_SIGNALS.values())
    program += [_op(_JEQ_K, number, jt=len(signals) - i) for i, number in enumerate(signals)]
    program += [
        _ALLOW,
        _op(_LD_W_ABS, _ARG0),
        _op(_JEQ_K, own_pid, jf=1),
        _ALLOW,
        _DENY,
    ]
    return b"".join(program)


_OWN_PID_OFFSET = -3 * 8 + 4  # of the k field of job_filter's third instruction from the end
_NO_SUCH_PID = 2**22 + 1  # above the kernel's largest pid_max: until a job writes its own


class JobFilter:
    """The job's filter, made ready once in the executor, before it serves.

    A job's process then only writes its pid into the program and installs it: one system call.
    Building the program and setting up ctypes' call in every job's process cost it a third of a
    millisecond, most of it in copying the executor's memory pages it touched (copy-on-write).
    """

    def __init__(self) -> None:
        program = job_filter(_NO_SUCH_PID)
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._own_pid = ctypes.c_uint32.from_buffer(self._buffer, len(program) + _OWN_PID_OFFSET)
        self._program = _Program(len(program) // 8, ctypes.addressof(self._buffer))
        self._address = ctypes.addressof(self._program)
        self._prctl = _libc().prctl

    def install(self, own_pid: int) -> None:
        """Apply the filter to this process, `own_pid`, for good. no_new_privs is already set:
        the executor's own filter set it (see `install`), and a fork keeps it."""
        self._own_pid.value = own_pid
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
