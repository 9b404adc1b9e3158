"""Run independent jobs in worker processes, with a progress bar and a clean Ctrl-C.

The grader uses this to run one submission per job in ``N`` processes. The
pool is small and explicit rather than :mod:`concurrent.futures` because the
grader needs three things a generic pool does not give:

* **Ctrl-C stops everything cleanly.** Workers ignore SIGINT (a terminal sends
  it to the whole process group); the parent alone catches it and sends each
  of its workers SIGTERM, which a worker turns into :class:`Stopped` so that
  ``finally`` blocks run (kernels are shut down). Code that must not be cut
  in half (a gradebook write) runs inside :func:`uninterruptible`.
* **A crashed worker costs one job, not the run.** If a worker process dies
  (killed by the OOM killer, a segfault in an extension), its job is reported
  as failed and a fresh worker takes over the remaining jobs.
* **Progress on stderr** (:mod:`autograder.progress`): jobs done, failures, time left.

Workers talk to the parent over two pipes. How they start (``start``):

* ``"fork"``: a copy of the parent made with :func:`os.fork`. Whatever the
  parent has imported (nbgrader, nbformat: seconds of start-up per process)
  is there at once, so a run pays the imports once instead of once per
  worker. Forking is only safe from a process with a single thread.
* ``"spawn"``: a fresh interpreter (``python -m autograder.parallel``) that
  imports what its jobs need itself. It never runs the caller's ``__main__``
  and works from any process (a notebook, a threaded server).
* ``"auto"`` (default): ``"fork"`` when the platform has it and the parent
  has only its main thread, else ``"spawn"``.
"""
from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["START_METHODS", "JobError", "Stopped", "WorkerPool", "run_jobs", "start_method",
           "uninterruptible"]

#: Ways a worker process can start (see the module docstring).
START_METHODS = ("auto", "fork", "spawn")
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


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Defer SIGTERM and SIGINT until the block has finished.

    A stop request arriving inside the block is recorded and delivered to
    the previous handler when the block ends, so a gradebook write is either
    fully done or not started when a worker stops. Only a SIGKILL can still
    cut the block short; callers make their writes idempotent for that case.

    Notes
    -----
    Handlers are swapped rather than the signal mask changed: a process-wide
    signal may be delivered to any thread whose mask lets it through, but
    Python runs every handler in the main thread. Outside the main thread
    (where handlers cannot be set) the block runs unprotected.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []
    previous = {signum: signal.signal(signum, lambda number, frame: pending.append(number))
                for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(pending):
            signal.raise_signal(signum)


def _raise_stopped(signum, frame):
    raise Stopped(f"stopped by signal {signum}")


def start_method(start: str = "auto") -> str:
    """Resolve ``start`` to ``"fork"`` or ``"spawn"`` for this process.

    Parameters
    ----------
    start : {"auto", "fork", "spawn"}
        ``"auto"`` forks when :func:`os.fork` exists and only the main thread
        runs (forking a threaded process can copy a lock another thread
        holds); an explicit ``"fork"`` that is not safe falls back to
        ``"spawn"`` too.

    Raises
    ------
    ValueError
        If ``start`` is not one of :data:`START_METHODS`.
    """
    if start not in START_METHODS:
        raise ValueError(f"start must be one of {START_METHODS}, got {start!r}")
    if start == "spawn":
        return "spawn"
    safe = hasattr(os, "fork") and threading.active_count() == 1 \
        and threading.current_thread() is threading.main_thread()
    return "fork" if safe else "spawn"


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


class _Worker:
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
        [sys.executable, "-m", "autograder.parallel", str(task_r), str(result_w)],
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


class WorkerPool:
    """``jobs`` worker processes that start at once and run jobs later.

    Spawned workers start booting when the pool is made, so their imports can
    overlap the caller's own preparation; forked workers start with what the
    parent has already imported.

    Parameters
    ----------
    fn : callable
        A module-level function of an importable module (it is pickled by
        reference to the workers); every job is ``fn(payload)``.
    jobs : int
        Number of worker processes.
    initializer, initargs : callable, tuple, optional
        Run once in each worker before its first job.
    stop_grace : float
        Seconds workers get to shut down after Ctrl-C before they are killed.
    start : {"auto", "fork", "spawn"}
        How worker processes start (see :func:`start_method`); the resolved
        method is :attr:`start`.

    Raises
    ------
    ValueError
        If ``jobs`` is not a positive integer or ``start`` is unknown.

    Examples
    --------
    >>> with WorkerPool(abs, jobs=2) as pool:  # doctest: +SKIP
    ...     pool.run([-1, 2, -3])
    [1, 2, 3]
    """

    def __init__(self, fn: Callable[[Any], Any], jobs: int = 1, *,
                 initializer: Callable | None = None, initargs: tuple = (),
                 stop_grace: float = 20.0, start: str = "auto"):
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
        self.start = start_method(start)
        self.setup = (fn, initializer, initargs)
        self.stop_grace = stop_grace
        self.workers = [_Worker(self.setup, self.start) for _ in range(jobs)]

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.stop()

    def close(self) -> None:
        """Let every worker finish its set-up and exit."""
        for worker in self.workers:
            worker.close()
        for worker in self.workers:
            worker.process.wait()

    def stop(self) -> None:
        """Stop every worker now: SIGTERM (each shuts its kernel down), then SIGKILL."""
        _stop_workers(self.workers, self.stop_grace)
        self.workers = []

    def run(self, payloads: Sequence,
            on_result: Callable[[int, Any], None] | None = None) -> list:
        """Run ``fn(payload)`` for every payload; see :func:`run_jobs`."""
        from multiprocessing.connection import wait

        results: list = [None] * len(payloads)
        todo = collections.deque(range(len(payloads)))
        # Workers beyond the number of jobs would only finish their set-up to exit.
        _stop_workers(self.workers[len(todo):], self.stop_grace)
        self.workers = self.workers[:len(todo)]
        try:
            for worker in self.workers:
                index = todo.popleft()
                worker.give(index, payloads[index])
            while any(worker.index is not None for worker in self.workers):
                busy = {w.results: w for w in self.workers if w.index is not None}
                for connection in wait(list(busy)):
                    self._collect(busy[connection], payloads, results, todo, on_result)
        except BaseException:
            self.stop()
            raise
        return results

    def _collect(self, worker: _Worker, payloads, results, todo, on_result) -> None:
        index, worker.index = worker.index, None
        try:
            kind, value = worker.results.recv()
        except EOFError:
            kind, value = "died", JobError(f"worker process died ({worker.exit_description()})")
        if kind == "init-error":
            raise RuntimeError(f"worker set-up failed: {value.message}\n{value.details}")
        results[index] = value
        if on_result is not None:
            on_result(index, value)
        if kind == "died":
            worker.close()
            self.workers.remove(worker)
            if not todo:
                return
            worker = _Worker(self.setup, self.start)
            self.workers.append(worker)
        if todo:
            next_index = todo.popleft()
            worker.give(next_index, payloads[next_index])


def run_jobs(fn: Callable[[Any], Any], payloads: Sequence, jobs: int = 1, *,
             initializer: Callable | None = None, initargs: tuple = (),
             on_result: Callable[[int, Any], None] | None = None,
             stop_grace: float = 20.0, start: str = "auto") -> list:
    """Call ``fn(payload)`` for every payload in ``jobs`` worker processes.

    Parameters
    ----------
    fn : callable
        A module-level function of an importable module (it is pickled by
        reference to the workers).
    payloads : sequence
        Picklable arguments, one per job.
    jobs : int
        Number of worker processes (at most ``len(payloads)`` are started).
    initializer, initargs : callable, tuple, optional
        Run once in each worker before its first job.
    on_result : callable, optional
        ``on_result(index, value)`` in the parent as each job finishes, in
        completion order (e.g. to update a :class:`Progress`).
    stop_grace : float
        Seconds workers get to shut down after Ctrl-C before they are killed.
    start : {"auto", "fork", "spawn"}
        How worker processes start (see :func:`start_method`).

    Returns
    -------
    list
        ``fn(payloads[i])`` at index ``i``, or a :class:`JobError` if it raised
        or its worker process died while running it (a fresh worker then
        takes over the remaining jobs).

    Raises
    ------
    ValueError
        If ``jobs`` is not a positive integer or ``start`` is unknown.
    RuntimeError
        If ``initializer`` fails in a worker (nothing can run).
    KeyboardInterrupt
        Re-raised after every worker has stopped, when the parent got Ctrl-C.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if not payloads:
        return []
    with WorkerPool(fn, min(jobs, len(payloads)), initializer=initializer, initargs=initargs,
                    stop_grace=stop_grace, start=start) as pool:
        return pool.run(payloads, on_result)


def _stop_workers(workers: list[_Worker], grace: float) -> None:
    """SIGTERM every live worker (each shuts its kernel down), SIGKILL stragglers."""
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for worker in workers:
        try:
            worker.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
        with contextlib.suppress(OSError):
            worker.tasks.close()
            worker.results.close()


if __name__ == "__main__":
    from autograder.parallel import _worker_main as _main  # pickles refer to this module
    sys.exit(_main(sys.argv))
