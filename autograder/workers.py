"""Worker processes of :mod:`autograder.parallel`: how they start, talk and stop.

A worker is a forked copy of the parent or a fresh interpreter
(``python -m autograder.workers``); either way it reads ``(fn, initializer,
initargs)`` and then one payload at a time from a pipe, and sends back
``("done", value)``, where a job that raised becomes a :class:`JobError`.
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import traceback
import weakref
from dataclasses import dataclass

__all__ = ["JobError", "Stopped", "Worker"]

#: The parent's ends of every worker's pipes: a forked worker closes them, or it would
#: keep its siblings' pipes open and they would never see the parent go away.
_PARENT_ENDS: weakref.WeakSet = weakref.WeakSet()

class Stopped(BaseException):
    """Raised inside a worker when the parent asks it to stop (SIGTERM)."""


@dataclass(frozen=True)
class JobError:
    """What :func:`run_jobs` returns for a job that raised or whose worker died.

    Attributes
    ----------
    message : str
        One line: the exception, or how the worker process ended.
    details : str
        The formatted traceback, if any.
    """

    message: str
    details: str = ""


def _raise_stopped(signum, frame):
    raise Stopped(f"stopped by signal {signum}")


class _ForkedProcess:
    """The parts of :class:`subprocess.Popen` the pool uses, for a forked child."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            if self.returncode is None:
                self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
            return self.returncode
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Worker:
    """One worker process and its two pipes (task: parent -> worker, result: back)."""

    def __init__(self, setup: tuple, start: str):
        from multiprocessing.connection import Connection
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        if start == "fork":
            self.process = _fork(setup, task_r, result_w)
        else:
            self.process = _spawn(task_r, result_w)
        os.close(task_r)
        os.close(result_w)
        self.tasks = Connection(task_w, readable=False)
        self.results = Connection(result_r, writable=False)
        _PARENT_ENDS.update((self.tasks, self.results))
        if start == "spawn":
            self.tasks.send(setup)
        self.index: int | None = None  # the job it is running

    def give(self, index: int, payload) -> None:
        self.index = index
        self.tasks.send(payload)

    def exit_description(self) -> str:
        code = self.process.wait()
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.tasks.send(None)
        self.tasks.close()
        self.results.close()


def _spawn(task_r: int, result_w: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen(
        [sys.executable, "-m", "autograder.workers", str(task_r), str(result_w)],
        pass_fds=(task_r, result_w), env=env, stdin=subprocess.DEVNULL)


def _fork(setup: tuple, task_r: int, result_w: int) -> _ForkedProcess:
    """Fork a worker that serves jobs and never returns into the parent's code."""
    for stream in (sys.stdout, sys.stderr):  # or both processes would flush the same text
        with contextlib.suppress(Exception):
            stream.flush()
    pid = os.fork()
    if pid:
        return _ForkedProcess(pid)
    code = 1
    try:
        for connection in list(_PARENT_ENDS):
            connection.close()
        code = _serve(task_r, result_w, setup)
    except BaseException:  # never unwind into the parent's frames
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _worker_main(argv: list[str]) -> int:
    """Entry point of a spawned worker: read the set-up, then serve jobs."""
    return _serve(int(argv[1]), int(argv[2]), None)


def _serve(task_fd: int, result_fd: int, setup: tuple | None) -> int:
    """Run jobs from the parent until told to stop; ``setup`` is read first if ``None``."""
    from multiprocessing.connection import Connection
    # The parent coordinates Ctrl-C; a worker stops only when told (SIGTERM).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _raise_stopped)
    tasks = Connection(task_fd, writable=False)
    results = Connection(result_fd, readable=False)
    try:
        fn, initializer, initargs = tasks.recv() if setup is None else setup
        try:
            if initializer is not None:
                initializer(*initargs)
        except Exception as exc:
            results.send(("init-error", JobError(f"{type(exc).__name__}: {exc}",
                                                 traceback.format_exc())))
            return 1
        while True:
            try:
                payload = tasks.recv()
            except EOFError:  # the parent went away
                return 0
            if payload is None:
                results.close()
                # Skip interpreter teardown (closing zmq contexts and the like took
                # seconds); every result is already sent and every file written.
                os._exit(0)
            try:
                value = fn(payload)
            except Exception as exc:  # one job's bug must not end the run
                value = JobError(f"{type(exc).__name__}: {exc}", traceback.format_exc())
            results.send(("done", value))
    except Stopped:
        return 1


if __name__ == "__main__":
    from autograder.workers import _worker_main as _main  # pickles refer to this module
    sys.exit(_main(sys.argv))
