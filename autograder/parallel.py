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
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from autograder.workers import JobError, Stopped, Worker

__all__ = ["START_METHODS", "JobError", "Stopped", "WorkerPool", "run_jobs", "start_method",
           "uninterruptible"]

#: Ways a worker process can start (see the module docstring).
START_METHODS = ("auto", "fork", "spawn")
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
        self.workers = [Worker(self.setup, self.start) for _ in range(jobs)]

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

    def _collect(self, worker: Worker, payloads, results, todo, on_result) -> None:
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
            worker = Worker(self.setup, self.start)
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


def _stop_workers(workers: list[Worker], grace: float) -> None:
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
