"""How an executor isolates itself once, before it runs any candidate (see executor.py).

In order:

1. `enter_namespaces`: new mount, network, PID, IPC and UTS namespaces (and, for a user other than
   root, a user namespace that maps it to root inside, which is what allows the rest). The network
   namespace has only a loopback that is down: no connection leaves it, to 127.0.0.1 included.
2. `build_root` (in the first process of the new PID namespace): a new root filesystem made of a
   small tmpfs with only what a Python process needs bind-mounted into it, read-only: /usr, /etc,
   the interpreter's prefix and the virtualenv, a few devices, a fresh /proc that shows only the
   sandbox's processes, and a private /tmp holding the job folder, the only writable place. The
   repository, the data directory, /root, /home, /run (PostgreSQL's socket), the host's /tmp are
   not there: at most the folders leading to the interpreter and the virtualenv, holding nothing
   else.
3. `drop_privileges`: as root, setgroups/setgid/setuid to nobody (65534), so that file permissions
   hide /etc/shadow and RLIMIT_NPROC binds. A user who is not root is already powerless outside
   its user namespace; the seccomp filter keeps it from undoing the mounts inside.

Each step raises OSError (ConfinementError for a system call) naming what failed; the executor
reports that as the reason the sandbox is unavailable.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import sys
from collections.abc import Iterable
from pathlib import Path

NOBODY = 65534
JOB_DIR = "/tmp/job"  # the one writable folder, emptied after every job
JOB_DIR_BYTES = 64 * 2**20  # the size of the private /tmp

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_MNT_DETACH = 2
_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_SIGKILL = 9

# Top-level names that are symbolic links on a merged-/usr system (/bin -> usr/bin, ...).
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")
_DEVICES = ("null", "zero", "full", "random", "urandom")


class ConfinementError(OSError):
    """A step of the confinement failed; the message says which step and why."""

    def __str__(self) -> str:
        return str(self.strerror)


def enter_namespaces() -> None:
    """Move this process into new namespaces; its next child is PID 1 of the new PID namespace."""
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    kinds = "mount, network, PID, IPC and UTS"
    uid, gid = os.getuid(), os.getgid()
    if uid != 0:
        flags |= CLONE_NEWUSER
        kinds = "user, " + kinds
    _check(_libc().unshare(flags), f"unshare() of {kinds} namespaces")
    if uid != 0:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")


def die_with_parent() -> None:
    _check(_libc().prctl(_PR_SET_PDEATHSIG, _SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")


def build_root(python_dirs: Iterable[str], pivot_root: int) -> None:
    """Replace the filesystem this process sees by a minimal, read-only one (see the module doc).
    `pivot_root` is that system call's number on this machine, which libseccomp knows (the C
    library has no wrapper for it; see seccomp.for_executor)."""
    python_dirs = _outermost(python_dirs)
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing done here propagates to the host
    root = _mount_point(python_dirs)
    _mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
    # The private /tmp first: a virtualenv under the host's /tmp is then bound inside it. The job
    # folder is a tmpfs of its own, the only mount left writable.
    os.makedirs(root + "/tmp")
    _mount("tmpfs", root + "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
    os.makedirs(root + JOB_DIR)
    options = f"mode=0700,size={JOB_DIR_BYTES}"
    _mount("tmpfs", root + JOB_DIR, "tmpfs", _MS_NOSUID | _MS_NODEV, options)
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            os.symlink(os.readlink(path), root + path)
        elif os.path.isdir(path):
            _bind_read_only(path, root + path)
    for path in python_dirs:
        _bind_read_only(path, root + path)
    os.makedirs(root + "/dev")
    for device in _DEVICES:
        Path(root, "dev", device).touch()
        _mount(f"/dev/{device}", f"{root}/dev/{device}", None, _MS_BIND)
    os.makedirs(root + "/proc")
    # A proc of this PID namespace: /proc lists only the sandbox's own processes.
    _mount("proc", root + "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    _pivot_root(root, pivot_root)
    for path in ("/", "/tmp"):
        _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)


def python_dirs() -> list[str]:
    """What the interpreter reads: its installation and the virtualenv (not the repository)."""
    dirs = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    dirs |= {os.path.realpath(path) for path in dirs}
    return sorted(dirs)


def drop_privileges() -> bool:
    """Become nobody if this is the host's root; whether it did. Either way, make this process
    impossible to trace or read through /proc by another process of the same user."""
    nobody = os.getuid() == 0 and _is_real_root()
    if nobody:
        os.chown(JOB_DIR, NOBODY, NOBODY)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    _check(_libc().prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)")
    return nobody


def limit_processes(count: int) -> None:
    # Counts every process and thread of the (real) user: it binds once that user is not root.
    resource.setrlimit(resource.RLIMIT_NPROC, (count, count))


def _is_real_root() -> bool:
    """Whether uid 0 here is the host's root, not a user mapped to root in a user namespace."""
    uid_map = Path("/proc/self/uid_map").read_text().split()
    return uid_map[:2] == ["0", "0"]


def _outermost(paths: Iterable[str]) -> list[str]:
    """The paths not already inside another of them, or inside a system directory."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        covered = [*_SYSTEM_DIRS, *kept]
        if not any(path == top or path.startswith(top + "/") for top in covered):
            kept.append(path)
    return kept


def _mount_point(keep: list[str]) -> str:
    """An existing directory to build the new root on, that hides none of the paths to keep (a
    virtualenv may live under /tmp). The host's directory is untouched: only this namespace sees
    the mount."""
    for path in ("/mnt", "/media", "/srv", "/tmp", "/var/tmp"):
        if os.path.isdir(path) and not any(k.startswith(path + "/") for k in keep):
            return path
    raise OSError(f"no directory to build the sandbox's root on: {keep} cover them all")


def _bind_read_only(source: str, target: str) -> None:
    os.makedirs(target, exist_ok=True)
    _mount(source, target, None, _MS_BIND | _MS_REC)
    flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV
    _mount(None, target, None, flags)


def _pivot_root(root: str, number: int) -> None:
    old = root + "/.old"
    os.makedirs(old)
    _check(_libc().syscall(number, root.encode(), old.encode()), "pivot_root")
    os.chdir("/")
    _check(_libc().umount2(b"/.old", _MNT_DETACH), "umount of the old root")
    os.rmdir("/.old")


def _mount(
    source: str | None, target: str, kind: str | None, flags: int, options: str | None = None
) -> None:
    def arg(text: str | None) -> bytes | None:
        return None if text is None else text.encode()

    result = _libc().mount(arg(source), arg(target), arg(kind), flags, arg(options))
    _check(result, f"mount of {source or kind or 'flags'} on {target}")


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise ConfinementError(code, f"{what} failed: {os.strerror(code)}")


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    return libc
