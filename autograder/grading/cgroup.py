"""One control group per submission: memory and process limits over all of its processes.

``RLIMIT_AS`` limits one process; three forked children each get their own.
A control group counts every process a submission starts, together.  The
grader makes one group per submission in each controller it can write
(cgroup v2's unified hierarchy, or v1's ``memory`` and ``pids``), moves the
sandbox into it before the sandbox starts, reads the peak memory and whether
the limit was hit afterwards, kills whatever is left and removes the group.

Creating groups needs write access to the hierarchy (root, or a delegated
subtree).  Where there is none, :func:`available` says so and the sandbox
falls back to per-process limits (see :mod:`autograder.grading.sandbox`).
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["Group", "available"]

_ROOT = Path("/sys/fs/cgroup")
_PARENT = "autograder"


def _v1_dirs() -> dict[str, Path]:
    return {c: _ROOT / c for c in ("memory", "pids") if (_ROOT / c / "cgroup.procs").is_file()}


def _v2_dir() -> Path | None:
    controllers = _ROOT / "cgroup.controllers"
    if controllers.is_file():
        names = controllers.read_text().split()
        if "memory" in names and "pids" in names:
            return _ROOT
    return None


def available() -> str | None:
    """Which hierarchy can hold per-submission groups ("v2" or "v1"), or None."""
    v2 = _v2_dir()
    if v2 is not None and os.access(v2, os.W_OK):
        return "v2"
    dirs = _v1_dirs()
    if len(dirs) == 2 and all(os.access(d, os.W_OK) for d in dirs.values()):
        return "v1"
    return None


class Group:
    """A control group for one submission (memory and process count of all its processes).

    Parameters
    ----------
    name : str
        Unique among running submissions (e.g. ``"<pid>-<student>"``).
    memory_bytes : int or None
        Memory of all processes together (``None``: no limit).
    processes : int
        Processes and threads of the submission together.
    """

    def __init__(self, name: str, memory_bytes: int | None, processes: int) -> None:
        self.version = available()
        if self.version is None:
            raise OSError("no writable cgroup hierarchy with the memory and pids controllers")
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        if self.version == "v2":
            parent = _ROOT / _PARENT
            parent.mkdir(exist_ok=True)
            self._enable_controllers(parent)
            self.dirs = {"memory": parent / safe}
            self.dirs["pids"] = self.dirs["memory"]
        else:
            self.dirs = {c: d / _PARENT / safe for c, d in _v1_dirs().items()}
        for directory in set(self.dirs.values()):
            directory.mkdir(parents=True, exist_ok=True)
        if self.version == "v2":
            if memory_bytes is not None:
                self._write("memory", "memory.max", memory_bytes)
                self._write("memory", "memory.swap.max", 0, optional=True)
            self._write("pids", "pids.max", processes)
        else:
            if memory_bytes is not None:
                self._write("memory", "memory.limit_in_bytes", memory_bytes)
                self._write("memory", "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
            self._write("pids", "pids.max", processes)

    @staticmethod
    def _enable_controllers(parent: Path) -> None:
        for directory in (_ROOT, parent):
            control = directory / "cgroup.subtree_control"
            try:
                control.write_text("+memory +pids")
            except OSError:
                pass  # already enabled, or delegated that way

    def _write(self, controller: str, name: str, value, optional: bool = False) -> None:
        try:
            (self.dirs[controller] / name).write_text(str(value))
        except OSError:
            if not optional:
                raise

    def join(self) -> None:
        """Move the calling process into the group (call it in the child before ``exec``)."""
        pid = str(os.getpid())
        for directory in set(self.dirs.values()):
            (directory / "cgroup.procs").write_text(pid)

    def pids(self) -> set[int]:
        """Processes still in the group."""
        found: set[int] = set()
        for directory in set(self.dirs.values()):
            try:
                found |= {int(p) for p in (directory / "cgroup.procs").read_text().split()}
            except OSError:
                continue
        return found

    def peak_memory(self) -> int | None:
        """The group's peak memory use in bytes, if the kernel reports it."""
        name = "memory.peak" if self.version == "v2" else "memory.max_usage_in_bytes"
        try:
            return int((self.dirs["memory"] / name).read_text())
        except (OSError, ValueError):
            return None

    def hit_memory_limit(self) -> bool:
        """Whether the memory limit made the kernel's OOM killer end a process of the group."""
        try:
            if self.version == "v2":
                events = (self.dirs["memory"] / "memory.events").read_text().split()
                counts = dict(zip(events[::2], map(int, events[1::2])))
                return counts.get("oom_kill", 0) > 0
            control = (self.dirs["memory"] / "memory.oom_control").read_text().split()
            kills = dict(zip(control[::2], control[1::2])).get("oom_kill", "0")
            return int(kills) > 0
        except (OSError, ValueError):
            return False

    def kill_and_remove(self, wait: float = 5.0) -> bool:
        """SIGKILL every process left in the group, then remove it; True if it was emptied."""
        deadline = time.monotonic() + wait
        while (left := self.pids()) and time.monotonic() < deadline:
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)
        empty = not self.pids()
        for directory in set(self.dirs.values()):
            try:
                directory.rmdir()
            except OSError:
                pass
        return empty
