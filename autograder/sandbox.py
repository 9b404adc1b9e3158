"""Confine a student's kernel: it may write only where its notebook runs, through Linux Landlock.

A submission's kernel runs as the grader's user, so without this it could rewrite the course
(other students' notebooks, the gradebook, the solutions) or the grader's own code. Landlock,
in Linux since 5.13, lets an unprivileged process give up rights for itself and every process
it starts: :func:`confine_writes` runs in the kernel process just before it starts Python and
keeps the right to create, change, rename or delete files only beneath the directories it is
given. Reading and executing stay allowed everywhere, so imports and data files work as before.

Where Landlock is missing (another OS, an old kernel, a container that filters the system
calls) nothing is confined, :func:`available` says so, and the grader's tamper detection (code
fingerprints, expectations computed before the kernel starts) still flags what changed.
"""
from __future__ import annotations

import ctypes
import os
from typing import Sequence

__all__ = ["available", "confine_writes"]

# System call numbers (the same on x86-64 and arm64) and the constants of <linux/landlock.h>.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights that change something: the ones taken away outside the writable places.
_WRITE_FILE, _REMOVE_DIR, _REMOVE_FILE = 1 << 1, 1 << 4, 1 << 5
_MAKE = sum(1 << bit for bit in range(6, 13))  # char, dir, reg, sock, fifo, block, sym
_REFER, _TRUNCATE = 1 << 13, 1 << 14  # ABI 2 and ABI 3


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _abi() -> int:
    """The kernel's Landlock ABI version, or 0 without Landlock."""
    try:
        version = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                                  ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def available() -> bool:
    """Whether this system can confine a kernel's writes (Linux with Landlock enabled)."""
    return os.name == "posix" and _abi() >= 1


def _write_rights(abi: int) -> int:
    rights = _WRITE_FILE | _REMOVE_DIR | _REMOVE_FILE | _MAKE
    if abi >= 2:
        rights |= _REFER
    if abi >= 3:
        rights |= _TRUNCATE
    return rights


def confine_writes(writable: Sequence[str], devices: str = "/dev") -> bool:
    """Take away, for this process and its children, every right to write outside ``writable``.

    Parameters
    ----------
    writable : sequence of str
        Existing directories beneath which files may still be created, written, renamed and
        deleted. Missing ones are skipped.
    devices : str, default "/dev"
        Where existing files (``/dev/null``, terminals) may still be written, but nothing
        created or deleted.

    Returns
    -------
    bool
        True when the confinement is in place, False when Landlock is unavailable (nothing
        changed then).

    Raises
    ------
    OSError
        If Landlock is available but refuses the rules (the process is then unchanged, unless
        the last step failed).

    Examples
    --------
    >>> confine_writes([os.getcwd(), "/tmp"])  # doctest: +SKIP
    True
    """
    abi = _abi()
    if abi < 1:
        return False
    libc = _libc()
    rights = _write_rights(abi)
    attr = _RulesetAttr(rights)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        file_rights = _WRITE_FILE | (_TRUNCATE if abi >= 3 else 0)
        for path, allowed in [*((p, rights) for p in writable), (devices, file_rights)]:
            _allow_beneath(libc, ruleset, path, allowed)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return True


def _allow_beneath(libc, ruleset: int, path: str, allowed: int) -> None:
    """Add the rule "``allowed`` beneath ``path``" (skipped when the path does not exist)."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        rule = _PathBeneathAttr(allowed, fd)
        if libc.syscall(_SYS_ADD_RULE, ruleset, ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule),
                        ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)
