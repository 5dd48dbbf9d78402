"""The seccomp filters of the sandbox, as rules for libseccomp (through pyseccomp).

The executor's filter (`executor_filter`, installed once, inherited by every job) refuses with
EPERM the system calls a candidate never needs and that would let it leave its sandbox or reach
past it: exec, sockets, mounts and namespaces, ptrace and other processes' memory, io_uring (which
would bypass the filter), kernel keys, modules, clocks and the like. It leaves the executor what
it still needs: clone() to fork each job, signals to end it, pidfd_open() to wait for it. Each
job's process adds its own (`job_filter`): no new process (threads stay allowed), no signal to
any process but itself, no pidfd_open(). Everything else is allowed: the namespaces, the
unprivileged uid and the rlimits (see confine.py) do the rest. Both kill the process that makes a
system call of another ABI than the machine's own (x32 on x86-64, 32-bit ARM on arm64), whose
numbers would mean other calls.

The rules name system calls, and libseccomp resolves the names for the architecture it builds
for: the same rules hold on x86-64 and arm64. A call an architecture lacks (fork() on arm64,
where the C library forks with clone()) has no rule there, and needs none.

The pool compiles the filters once per process (`for_executor`) and hands the programs to its
executors, which install them with seccomp_install.py: pyseccomp imports threading, subprocess,
random and shutil, whose fork handlers and memory mappings every job's process would pay for if
an executor loaded it.
"""

from __future__ import annotations

import base64
import errno
import os
import struct
from typing import Any

import pyseccomp as sc

# The calls the executor's filter refuses, by what they would give a candidate.
REFUSED = (
    # another program; fork() and vfork() too, as processes come only from clone(), which the
    # job's filter checks
    *("execve", "execveat", "fork", "vfork"),
    # the network, behind the network namespace's own wall
    "socket",
    # undoing the mounts and namespaces, or opening files past them
    *("mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "mount_setattr"),
    *("open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick"),
    *("name_to_handle_at", "open_by_handle_at"),
    # other processes
    *("ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd"),
    "pidfd_send_signal",
    # around the filter, or deep into the kernel
    *("io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open"),
    *("userfaultfd", "personality", "lookup_dcookie", "fanotify_init"),
    *("add_key", "request_key", "keyctl"),
    # the machine itself
    *("syslog", "adjtimex", "settimeofday", "clock_settime", "clock_adjtime", "acct"),
    *("swapon", "swapoff", "reboot", "sethostname", "setdomainname", "quotactl", "iopl"),
    *("ioperm", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load"),
)
# The calls that send a signal; their first argument is the target (a pid or a thread group id).
SIGNALS = ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
_CLONE_THREAD = 0x00010000  # <linux/sched.h>; clone()'s flags are its first argument here
NO_SUCH_PID = 2**22 + 1  # above the kernel's largest pid_max: a job's filter before its pid


def executor_filter(arch: int = sc.Arch.NATIVE) -> sc.SyscallFilter:
    """The filter the executor installs on itself once it is set up, for `arch` (this
    machine's by default)."""
    rules = _filter(arch)
    for name in REFUSED:
        rules.add_rule(sc.ERRNO(errno.EPERM), name)
    return rules


def job_filter(own_pid: int, arch: int = sc.Arch.NATIVE) -> sc.SyscallFilter:
    """The filter added in the job's process `own_pid`: no new process, no signal to another."""
    rules = _filter(arch)
    # clone() that makes a thread is allowed; one that makes a process is not. clone3() passes its
    # flags in memory a filter cannot read: ENOSYS makes the C library fall back to clone().
    rules.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, _CLONE_THREAD, 0))
    rules.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    rules.add_rule(sc.ERRNO(errno.EPERM), "pidfd_open")
    for name in SIGNALS:
        rules.add_rule(sc.ERRNO(errno.EPERM), name, sc.Arg(0, sc.NE, own_pid))
    return rules


def _filter(arch: int) -> sc.SyscallFilter:
    """An empty filter for `arch` that allows what no rule refuses."""
    rules = sc.SyscallFilter(sc.ALLOW)
    rules.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)
    if arch not in (sc.Arch.NATIVE, sc.system_arch()):
        rules.add_arch(arch)
        rules.remove_arch(sc.Arch.NATIVE)
    return rules


def program(rules: sc.SyscallFilter) -> bytes:
    """The classic BPF program libseccomp compiles `rules` to, as the kernel takes it."""
    with os.fdopen(os.memfd_create("seccomp"), "w+b") as file:
        rules.export_bpf(file)
        file.seek(0)
        return file.read()


def pid_offsets(job_program: bytes) -> list[int]:
    """Where `job_filter(NO_SUCH_PID)`'s program holds the pid: the byte offsets of the 32-bit
    constants (the k of each struct sock_filter) equal to it. libseccomp 2.5 compiles one check
    that every signalling call jumps to; the executor writes the pid at every offset found."""
    constants = [k for _, _, _, k in struct.iter_unpack("=HBBI", job_program)]
    return [8 * index + 4 for index, k in enumerate(constants) if k == NO_SUCH_PID]


def for_executor() -> dict[str, Any]:
    """What an executor needs of libseccomp, as JSON: the two programs for this machine, where
    its pid goes in the job's, and the number of pivot_root() (which confine.py calls directly:
    the C library has no wrapper). Or, if libseccomp cannot build them here, why not."""
    try:
        job = program(job_filter(NO_SUCH_PID))
        executor = program(executor_filter())
    except OSError as exc:
        return {"unavailable": f"libseccomp could not build the seccomp filters: {exc}"}
    offsets = pid_offsets(job)
    if not offsets:  # then every job would be refused signals to itself too
        return {"unavailable": "libseccomp's program for the job's filter holds no pid"}
    return {
        "executor_filter": base64.b64encode(executor).decode("ascii"),
        "job_filter": base64.b64encode(job).decode("ascii"),
        "job_pid_offsets": offsets,
        "pivot_root": sc.resolve_syscall(sc.Arch.NATIVE, "pivot_root"),
    }
