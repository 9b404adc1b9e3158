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
* **Progress on stderr:** jobs done, failures and the time left.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = ["JobError", "Progress", "Stopped", "run_jobs", "uninterruptible"]

_STOP_SIGNALS = (signal.SIGTERM,)


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

    A stop request arriving inside the block is delivered when it ends, so a
    gradebook write is either fully done or not started when a worker stops.
    Only a SIGKILL can still cut the block short; callers make their writes
    idempotent for that case.
    """
    blocked = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class Progress:
    """A one-line progress bar: jobs done, failures, time left.

    Parameters
    ----------
    total : int
        Number of jobs.
    jobs : int
        Number of workers (only shown).
    stream : file, optional
        Where to write; default ``sys.stderr``. On a terminal the line is
        redrawn in place; otherwise one line is printed per finished job, so
        logs stay readable.
    label : str
        Word for the things being processed, e.g. ``"submissions"``.

    Notes
    -----
    The time left is ``elapsed / done * (total - done)``: each worker's mean
    job time is assumed to hold for the rest.
    """

    def __init__(self, total: int, jobs: int = 1, stream: TextIO | None = None,
                 label: str = "jobs", width: int = 24):
        self.total, self.jobs, self.label, self.width = total, jobs, label, width
        self.stream = sys.stderr if stream is None else stream
        self.done = self.failures = 0
        self.started = time.monotonic()
        self.is_tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def time_left(self) -> float | None:
        """Estimated seconds left, or ``None`` before the first job finishes."""
        if self.done == 0:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed / self.done * (self.total - self.done)

    def line(self) -> str:
        """The progress line, e.g. ``[######......] 3/12 submissions, 1 failed, ~0:41 left``."""
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        left = self.time_left()
        eta = "?" if left is None else _clock(left)
        return (f"[{bar}] {self.done}/{self.total} {self.label}, {self.failures} failed, "
                f"~{eta} left ({self.jobs} workers)")

    def update(self, failed: bool, note: str = "") -> None:
        """Count one finished job and redraw."""
        self.done += 1
        self.failures += bool(failed)
        if self.is_tty:
            self.stream.write("\r\x1b[K" + self.line())
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.line()}  {note}".rstrip() + "\n")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _raise_stopped(signum, frame):
    raise Stopped(f"stopped by signal {signum}")


def _worker_main(fn, initializer, initargs, tasks, results) -> None:
    # The parent coordinates Ctrl-C; a worker stops only when told (SIGTERM).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        if initializer is not None:
            initializer(*initargs)
        while True:
            item = tasks.get()
            if item is None:
                return
            index, payload = item
            results.put(("start", index, os.getpid()))
            try:
                value = fn(payload)
            except Exception as exc:  # one job's bug must not end the run
                value = JobError(f"{type(exc).__name__}: {exc}", traceback.format_exc())
            results.put(("done", index, value))
    except Stopped:
        return


def run_jobs(fn: Callable[[Any], Any], payloads: Sequence, jobs: int = 1, *,
             initializer: Callable | None = None, initargs: tuple = (),
             on_result: Callable[[int, Any], None] | None = None,
             stop_grace: float = 20.0) -> list:
    """Call ``fn(payload)`` for every payload in ``jobs`` worker processes.

    Parameters
    ----------
    fn : callable
        A module-level function (it is pickled to the workers).
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

    Returns
    -------
    list
        ``fn(payloads[i])`` at index ``i``, or a :class:`JobError` if it raised
        or its worker process died.

    Raises
    ------
    ValueError
        If ``jobs`` is less than 1.
    KeyboardInterrupt
        Re-raised after every worker has stopped, when the parent got Ctrl-C.
    """
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    results_by_index: list = [None] * len(payloads)
    if not payloads:
        return results_by_index
    context = multiprocessing.get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    for index, payload in enumerate(payloads):
        tasks.put((index, payload))
    workers: list = []

    def start_worker():
        process = context.Process(target=_worker_main, daemon=True,
                                  args=(fn, initializer, initargs, tasks, results))
        process.start()
        workers.append(process)
        tasks.put(None)  # one sentinel per worker, queued after the jobs

    for _ in range(min(jobs, len(payloads))):
        start_worker()
    running: dict[int, int] = {}  # worker pid -> job index
    pending = set(range(len(payloads)))
    try:
        while pending:
            try:
                kind, index, value = results.get(timeout=0.5)
            except queue.Empty:
                _replace_dead_workers(workers, running, pending, results_by_index,
                                      on_result, start_worker)
                continue
            if kind == "start":
                running[value] = index
                continue
            running = {pid: i for pid, i in running.items() if i != index}
            if index in pending:
                pending.discard(index)
                results_by_index[index] = value
                if on_result is not None:
                    on_result(index, value)
        for process in workers:
            process.join(timeout=stop_grace)
    except BaseException:
        _stop_workers(workers, stop_grace)
        raise
    return results_by_index


def _replace_dead_workers(workers, running, pending, results_by_index, on_result, start_worker):
    """Report the job of any worker that died mid-job, and start a replacement."""
    for process in list(workers):
        if process.is_alive() or process.exitcode == 0:
            continue
        workers.remove(process)
        index = running.pop(process.pid, None)
        if index is not None and index in pending:
            pending.discard(index)
            value = JobError(f"worker process died (exit code {process.exitcode})")
            results_by_index[index] = value
            if on_result is not None:
                on_result(index, value)
        if pending:
            start_worker()


def _stop_workers(workers, grace: float) -> None:
    for process in workers:
        if process.is_alive():
            os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in workers:
        process.join(timeout=max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()
