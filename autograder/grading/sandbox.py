"""Run one notebook in a bubblewrap sandbox and read back what it did, as bounded data.

Each submission runs in its own sandbox, built with bubblewrap (``bwrap``,
Debian's ``bubblewrap``, the sandbox Flatpak uses):

* new PID, IPC, UTS, network and mount namespaces: no other process, no
  network (the kernel and its client talk over the sandbox's own loopback),
  nothing of the host's file system but what is listed here;
* an unprivileged uid (65534) even when the grader is root: as root through
  ``setpriv`` after the namespaces are built, otherwise through a user
  namespace;
* a read-only view of the system (``/usr``, ``/etc``, the libraries), the
  Python installation and the venv; the course code only as the runtime of
  :mod:`autograder.grading.runtime` (coursekit without the assignment's
  references, autograder's kernel side), mounted over the real packages;
* a private working directory (a size-capped tmpfs holding a copy of this
  submission's files), private ``/tmp`` and ``/dev/shm`` with size caps, a
  minimal ``/dev``; the sandbox dies with the grader and every process in it
  is killed when its notebook ends (its PID namespace ends, and its control
  group is emptied);
* limits that cover every process of the submission: a control group for
  memory and process count where the grader may create one
  (:mod:`autograder.grading.cgroup`), and always ``RLIMIT_AS`` (memory per
  process), ``RLIMIT_FSIZE``, ``RLIMIT_CPU`` and no core dumps; a wall-clock
  limit for the whole notebook; a cap on the bytes read back.

The solutions, the question modules, the gradebook, other submissions, the
course's configuration and its logs are not mounted: nothing of the course is
reachable from inside.  :func:`run` returns the runner's answer (each cell's
outputs) or says why there is none.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading import cgroup

__all__ = ["SANDBOX_UID", "Limits", "Outcome", "SandboxUnavailable", "check_available", "run",
           "WORKDIR"]

#: The uid and gid of every sandboxed process (``nobody`` on Debian).
SANDBOX_UID = 65534
#: The submission's working directory inside the sandbox.
WORKDIR = "/home/student"
_RUNTIME = "/run/autograder"
_INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; Fedora: "
                 "`dnf install bubblewrap`), or pass --unconfined to grade without a sandbox "
                 "(only for notebooks you trust)")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be built here; the message names what is missing and how to fix it."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use, all its processes together where the system allows.

    Attributes
    ----------
    memory_bytes : int or None
        Memory of the whole submission (control group) and of each process (``RLIMIT_AS``).
    processes : int
        Processes and threads together (control group), or per uid (``RLIMIT_NPROC``).
    disk_bytes : int
        Size of the working directory; also the largest file (``RLIMIT_FSIZE``).
    tmp_bytes : int
        Size of each of ``/tmp`` and ``/dev/shm``.
    cpu_seconds : int or None
        CPU time of each process (``RLIMIT_CPU``).
    wall_seconds : float
        Wall-clock time of the whole notebook, start-up included.
    output_bytes : int
        Largest answer read back from the sandbox.
    """

    memory_bytes: int | None = 2 * 2**30
    processes: int = 128
    disk_bytes: int = 256 * 2**20
    tmp_bytes: int = 64 * 2**20
    cpu_seconds: int | None = 600
    wall_seconds: float = 900.0
    output_bytes: int = 64 * 2**20


@dataclass
class Outcome:
    """What came back from one sandboxed notebook.

    Attributes
    ----------
    answer : dict or None
        The runner's JSON answer (``cells``, ``events``), or None if there is none.
    events : list of [kind, detail]
        Problems seen from outside (time limit, output too large, memory limit of the
        control group, a runner that failed), in order.
    confinement : str
        How the notebook ran, e.g. ``"bubblewrap as root, cgroup v1"`` or ``"unconfined"``.
    peak_memory : int or None
        Peak memory of the whole submission (bytes), where a control group measured it.
    """

    answer: dict | None
    events: list = field(default_factory=list)
    confinement: str = ""
    peak_memory: int | None = None


@functools.cache
def check_available() -> str:
    """Check that bubblewrap can build the sandbox here; return how it will run.

    Returns
    -------
    str
        For logs: ``"bubblewrap 0.8.0 as root, cgroup v1"`` or similar.

    Raises
    ------
    SandboxUnavailable
        If ``bwrap`` is missing or cannot create the namespaces (the message
        quotes its error and says how to install it or grade unconfined).
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (`bwrap`) is not installed: {_INSTALL_HINT}")
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the sandbox needs Linux: {_INSTALL_HINT}")
    probe = subprocess.run([*_namespace_args(), "--ro-bind", "/", "/", "--proc", "/proc",
                            "--dev", "/dev", *_drop_privileges(), "true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        raise SandboxUnavailable(
            f"bubblewrap cannot create a sandbox here ({probe.stderr.strip()[:300]}); on a "
            "system that restricts user namespaces, run the grader as root or allow them "
            "(sysctl kernel.unprivileged_userns_clone=1, or the AppArmor profile for bwrap); "
            "or pass --unconfined")
    version = subprocess.run([bwrap, "--version"], capture_output=True, text=True).stdout.strip()
    groups = cgroup.available()
    who = "as root" if os.geteuid() == 0 else "as an ordinary user"
    return f"{version or 'bubblewrap'} {who}, " + (
        f"cgroup {groups} (memory and processes counted over the whole submission)" if groups
        else "no writable cgroup (memory and processes limited per process)")


def _namespace_args() -> list[str]:
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if os.geteuid() != 0:  # an ordinary user gets the other uid through a user namespace
        args += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    return args


def _drop_privileges() -> list[str]:
    """As root (no user namespace), become uid 65534 inside, with no capabilities left."""
    if os.geteuid() != 0:
        return []
    return [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={SANDBOX_UID}",
            f"--regid={SANDBOX_UID}", "--clear-groups", "--inh-caps=-all", "--"]


def _system_mounts() -> list[str]:
    args = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    return args


def _python_mounts(runtime: Path) -> list[str]:
    """The interpreter, the venv and the runtime mounted over the real course packages."""
    from autograder.grading.runtime import package_dirs

    trees: list[str] = []
    for path in sorted((os.path.realpath(p) for p in (
            sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable)))),
            key=len):
        if not path.startswith(("/usr/", "/etc/")) and not any(
                path == t or path.startswith(t + "/") for t in trees):
            trees.append(path)
    binds = [(tree, tree) for tree in trees] + [(str(runtime), _RUNTIME)]
    # the real packages are hidden wherever they are (an editable checkout, site-packages)
    binds += [(str(runtime / name), str(real)) for name, real in package_dirs().items()]
    args = []
    for parent in sorted({a for _, dest in binds for a in _ancestors(dest)}, key=len):
        args += ["--perms", "0755", "--dir", parent]  # traversable by the sandbox's uid
    for source, dest in binds:
        args += ["--ro-bind", source, dest]
    return args


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def command(runtime: Path, limits: Limits, name: str = "") -> list[str]:
    """The full bwrap command line that runs the runner for one notebook (``name``: the run's)."""
    size = lambda n: ["--size", str(n)]  # noqa: E731 - a tiny local helper
    return [
        *_namespace_args(), *_system_mounts(),
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", *size(limits.tmp_bytes), "--tmpfs", "/tmp",
        "--perms", "1777", *size(limits.tmp_bytes), "--tmpfs", "/dev/shm",
        "--perms", "1777", *size(limits.disk_bytes), "--tmpfs", WORKDIR,
        # after the private /tmp, so that a venv or checkout kept under /tmp stays visible
        *_python_mounts(runtime),
        "--chdir", WORKDIR, "--clearenv",
        *_setenv({**runner_environment(), "AUTOGRADER_SUBMISSION": name}),
        *_drop_privileges(), sys.executable, "-I", f"{_RUNTIME}/runner.py",
    ]


def _setenv(env: dict) -> list[str]:
    return [arg for name, value in env.items() for arg in ("--setenv", name, value)]


def runner_environment(runtime: str = _RUNTIME, home: str = WORKDIR) -> dict[str, str]:
    """The environment of the runner and the base of its kernel's (no variable of the grader's)."""
    return {"PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
            "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": runtime, "MPLBACKEND": "agg", "MPLCONFIGDIR": "/tmp/matplotlib",
            "IPYTHONDIR": "/tmp/ipython", "JUPYTER_RUNTIME_DIR": "/tmp/jupyter",
            "JUPYTER_PLATFORM_DIRS": "1"}


def run(runtime: Path, request: dict, limits: Limits, name: str,
        confine: bool = True) -> Outcome:
    """Execute one notebook in a fresh sandbox (or, with ``confine=False``, unconfined).

    Parameters
    ----------
    runtime : pathlib.Path
        From :func:`autograder.grading.runtime.build_runtime`.
    request : dict
        The runner's request (see :mod:`autograder.grading.runner`).
    limits : Limits
    name : str
        Unique name of this run (its control group's name).
    confine : bool
        False runs the runner as a plain child process with the grader's rights
        (the instructor's explicit choice; every log says so).

    Returns
    -------
    Outcome
    """
    group = None
    events: list = []
    if confine:
        confinement = check_available()
        with contextlib.suppress(OSError):
            if cgroup.available():
                group = cgroup.Group(name, limits.memory_bytes, limits.processes)
        cmd, cwd = command(runtime, limits, name), None
    else:
        confinement = "unconfined"
        cwd = tempfile.mkdtemp(prefix="autograder-unconfined-")
        cmd = [sys.executable, "-I", str(runtime / "runner.py")]
        request = {**request, "env": {**request["env"], "PYTHONPATH": str(runtime),
                                      "HOME": cwd, "TMPDIR": cwd}}
    try:
        with tempfile.TemporaryFile() as stderr:
            process = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd,
                env=runner_environment(str(runtime), cwd) | {"TMPDIR": cwd} if cwd else None,
                start_new_session=True,
                preexec_fn=functools.partial(_limit_child, limits, group,
                                             None if group is not None else _process_limit(limits)))
            data, late = _exchange(process, request, limits, events)
            _stop(process)
            if group is not None:
                peak, hit = group.peak_memory(), group.hit_memory_limit()
                group.kill_and_remove()
                if hit:
                    events.append(["memory", "a process was killed: the submission's processes "
                                             "together reached the memory limit of "
                                             f"{limits.memory_bytes / 2**20:g} MB"])
            else:
                peak = None
            answer = _parse(data, events, process.returncode, stderr, late)
    finally:
        if cwd:
            shutil.rmtree(cwd, ignore_errors=True)
    return Outcome(answer, events, confinement, peak)


def _process_limit(limits: Limits) -> int | None:
    """``RLIMIT_NPROC`` when no control group counts processes: it counts every process of the
    grader's user, so the submission's share comes on top of what that user already runs."""
    if os.geteuid() == 0:  # the sandboxes run as uid 65534, which the ones running at once share
        return limits.processes * (os.cpu_count() or 1)
    mine = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                mine += os.stat(entry.path).st_uid == os.getuid()
    return mine + limits.processes


def _limit_child(limits: Limits, group, nproc: int | None) -> None:
    """In the child before exec: join the control group, set the per-process limits."""
    if group is not None:
        group.join()
    if limits.memory_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.disk_bytes, limits.disk_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.cpu_seconds is not None:
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
    if nproc is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    # Workers ignore SIGINT; the kernel must not, or interrupting a cell cannot work.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def _exchange(process, request: dict, limits: Limits, events: list) -> tuple[bytes, bool]:
    """Send the request, read at most ``output_bytes`` back before the wall-clock deadline."""
    deadline = time.monotonic() + limits.wall_seconds
    try:
        process.stdin.write(json.dumps(request).encode())
        process.stdin.close()
    except BrokenPipeError:
        pass  # the sandbox failed to start; its stderr says why
    chunks, size = [], 0
    out = process.stdout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            events.append(["timeout", f"the notebook did not finish within its total limit of "
                                      f"{limits.wall_seconds:g} s"])
            return b"", True
        ready, _, _ = select.select([out], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(out.fileno(), 1 << 20)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size > limits.output_bytes:
            events.append(["output", f"the notebook's outputs exceed {limits.output_bytes // 2**20}"
                                     " MB"])
            return b"", True
        chunks.append(chunk)


def _stop(process) -> None:
    """Kill the sandbox and everything in its session; its PID namespace dies with it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    process.wait()
    process.stdout.close()


def _parse(data: bytes, events: list, returncode: int, stderr, cut: bool) -> dict | None:
    if cut:
        return None
    try:
        answer = json.loads(data) if data else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("cells"), list):
        return answer
    stderr.seek(0, os.SEEK_END)
    stderr.seek(max(0, stderr.tell() - 2000))
    tail = stderr.read().decode(errors="replace").strip()
    events.append(["error", "the sandboxed runner gave no answer (exit status "
                            f"{returncode}){': ' + tail[-500:] if tail else ''}"])
    return None
