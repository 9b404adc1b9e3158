"""Grade every submission of an assignment: nbgrader's Autograde in parallel workers.

:func:`grade_assignment` plans the run (:mod:`~autograder.grading.plan`),
then grades one submission per job in ``jobs`` worker processes
(:mod:`autograder.parallel`) with nbgrader's own ``Autograde`` converter, so
everything the course's ``nbgrader_config.py`` configures applies exactly as
with ``nbgrader autograde``.  Each notebook executes in its own sandbox
(:class:`~autograder.grading.execute.SandboxedExecute`); the worker judges
the outputs, writes grades under the gradebook lock
(:mod:`~autograder.grading.gradebook`) and the submission's log
(:mod:`~autograder.grading.logs`).

Workers are forked from this process after nbgrader is imported here once
(seconds per process), or started as fresh interpreters when this process
has other threads.  Each log's ``timings`` says where the submission's time
went (:data:`PHASES`).
"""
from __future__ import annotations

import collections
import copy
import functools
import logging
import os
import sys
import time
import warnings
from pathlib import Path

from autograder.grading import sandbox
from autograder.grading.gradebook import (
    gradebook_lock,
    record_unrunnable,
    submission_score,
    zero_failed,
    zero_notebooks,
)
from autograder.grading.logs import SubmissionResult, log_path, write_json_atomic
from autograder.grading.plan import (
    course_directory,
    load_course_config,
    plan,
    submission_problem,
    validate_notebook,
)
from autograder.parallel import JobError, WorkerPool, start_method
from autograder.progress import Progress

__all__ = ["PHASES", "grade_assignment"]

#: Phases of a submission's time in its log's ``timings`` (seconds). ``worker_start`` is
#: the worker's own start-up, charged to the first submission it grades; ``execute`` is
#: the sandbox (start-up, kernel, every cell); ``lock_wait`` is the part of ``setup`` and
#: ``gradebook`` spent waiting for the gradebook lock.
PHASES = ("worker_start", "validate", "setup", "sanitize", "execute", "scoring", "gradebook",
          "lock_wait")
_MAX_LOG_MESSAGES = 40
#: Preprocessors known never to open the gradebook; every other one runs under the lock.
_GRADEBOOK_FREE = {"ClearOutput", "DeduplicateIds", "CheckCellMetadata",
                   "ClearMarkScheme", "LimitOutput", "ClearHiddenTests", "HideHiddenTests",
                   "StudentEnvironment", "ScoreRecordedAnswers", "SandboxedExecute",
                   "ClearAlwaysHiddenTests"}


def grade_assignment(assignment: str, course_dir=".", jobs: int | None = None,
                     timeout: float | None = None, memory_limit_mb: float | None = 2048,
                     students=None, force: bool = False, progress: bool = True,
                     confine: bool = True) -> list[SubmissionResult]:
    """Autograde every submission of ``assignment`` in parallel worker processes.

    Parameters
    ----------
    assignment : str
        Assignment name, as in ``submitted/<student>/<assignment>/``; it must
        already be in the gradebook (``generate_assignment`` puts it there).
    course_dir : str or path
        Course root holding ``nbgrader_config.py``; default the current directory.
    jobs : int, optional
        Number of worker processes, each grading one submission at a time;
        default ``os.cpu_count()``.
    timeout : float or None
        Per-cell time limit in seconds; ``None`` keeps the course
        configuration's ``Execute.timeout``.
    memory_limit_mb : float or None
        Memory of each submission's processes together, in MiB; ``None`` for no limit.
    students : iterable of str, optional
        Only grade these students (default: everyone who submitted).
    force : bool
        Regrade submissions that an earlier run already finished.
    progress : bool
        Draw a progress bar (done, failed, time left) on stderr.
    confine : bool
        Run every kernel in a sandbox (default).  ``False`` runs kernels with
        the grader's rights, for notebooks the instructor trusts; every log
        then says ``"unconfined"``.

    Returns
    -------
    list of SubmissionResult
        One per submission, sorted by student.

    Raises
    ------
    autograder.grading.sandbox.SandboxUnavailable
        If ``confine`` is set and the sandbox cannot be built here (nothing is graded).
    ValueError
        If an argument is out of range, the assignment is not in the
        gradebook, or a requested student has no submission.
    FileNotFoundError
        If ``course_dir`` is not a directory.
    KeyboardInterrupt
        On Ctrl-C, after every worker and sandbox has stopped; finished
        submissions keep their grades and logs, and running again finishes the rest.

    Examples
    --------
    >>> results = grade_assignment("02_gradient_descent", "course", jobs=2)  # doctest: +SKIP
    >>> [(r.student, r.status, r.score) for r in results]  # doctest: +SKIP
    [('alice', 'graded', 5.0), ('bob', 'timeout', 3.0)]
    """
    if jobs is None:
        jobs = os.cpu_count() or 1
    settings = {**_check_settings(jobs, timeout, memory_limit_mb), "confine": bool(confine)}
    if not isinstance(assignment, str) or not assignment or "/" in assignment:
        raise ValueError(f"assignment must be a non-empty name without '/', got {assignment!r}")
    root = Path(course_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"course_dir {str(course_dir)!r} is not a directory")
    if confine:
        sandbox.check_available()  # fail closed, before anything is graded
    from autograder.grading.runtime import build_runtime
    build_runtime(assignment)  # once, before workers fork
    start = start_method()
    pool = WorkerPool(_grade_submission, jobs, initializer=_init_worker,
                      initargs=(str(root), time.time()), start=start) if start == "spawn" else None
    try:
        results, todo = plan(assignment, root, students, force, settings)
        if pool is None and todo:
            _make_converter()
            pool = WorkerPool(_grade_submission, min(jobs, len(todo)), initializer=_init_worker,
                              initargs=(str(root), time.time()), start=start)
        bar = Progress(len(todo), jobs=min(jobs, len(todo)), label="submissions") \
            if progress and todo else None

        def on_result(index, value):
            result = _as_result(todo[index], value, root)
            results[result.student] = result
            if bar is not None:
                bar.update(failed=result.status == "failed", note=_describe(result))

        if pool is not None:
            pool.run(todo, on_result)
    except BaseException as exc:
        if pool is not None:
            pool.stop()
        if isinstance(exc, KeyboardInterrupt):
            print(f"Interrupted: finished submissions keep their grades; run again to grade "
                  f"the rest of {assignment!r}.", file=sys.stderr)
        raise
    if pool is not None:
        pool.close()
    return [results[student] for student in sorted(results)]


def _check_settings(jobs, timeout, memory_limit_mb) -> dict:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    if memory_limit_mb is not None and not (isinstance(memory_limit_mb, (int, float))
                                            and memory_limit_mb >= 256):
        raise ValueError("memory_limit_mb must be at least 256 (a Python kernel needs about "
                         f"that much) or None, got {memory_limit_mb!r}")
    return {"timeout": None if timeout is None else int(-(-timeout // 1)),
            "memory_limit_mb": memory_limit_mb}


def _as_result(task: dict, value, root: Path) -> SubmissionResult:
    if isinstance(value, JobError):
        # A grader bug or a dead worker: report it, and let the next run retry.
        result = SubmissionResult(task["student"], task["assignment"], "failed",
                                  f"grading error: {value.message}")
        write_json_atomic(log_path(root, task["assignment"], task["student"]),
                          {**result.as_dict(), "retry": True, "fingerprint": task["fingerprint"],
                           "messages": value.details.splitlines()[-_MAX_LOG_MESSAGES:]})
        return result
    return SubmissionResult(**{key: value.get(key, "") if key == "confinement" else value[key]
                               for key in SubmissionResult.__dataclass_fields__})


def _describe(result: SubmissionResult) -> str:
    text = f"{result.student}: {result.status} {result.score:g}/{result.max_score:g}"
    return text + (f" ({result.reason})" if result.reason else "")


# --------------------------------------------------------------------------- workers

_WORKER: dict = {}  # per-process cache: the course configuration, loaded once


def _init_worker(root: str, requested_at: float) -> None:
    # nbgrader's own SQLAlchemy warnings say nothing to an instructor; keep stderr for progress.
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")
    config = load_course_config(root)
    _WORKER.update(root=Path(root), config=config, coursedir=course_directory(config))
    _make_converter()  # import nbgrader's converters now, not in the first job
    _WORKER["start_seconds"] = max(0.0, time.time() - requested_at)


def _worker_logger(student: str) -> tuple[logging.Logger, list]:
    """A logger that keeps nbgrader's warnings for the submission's log file."""
    messages: list[str] = []

    class _Keep(logging.Handler):
        def emit(self, record):
            messages.append(f"{record.levelname}: {record.getMessage()}")

    logger = logging.getLogger(f"autograder.grading.{student}")
    logger.handlers[:] = [_Keep(level=logging.WARNING)]
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    return logger, messages


def _grade_submission(task: dict) -> dict:
    """Grade one submission in this worker; return its log dict (also written to disk)."""
    started = time.perf_counter()
    root, coursedir = _WORKER["root"], _WORKER["coursedir"]
    assignment, student = task["assignment"], task["student"]
    directory = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
    timings: collections.Counter = collections.Counter()
    timings["worker_start"] = _WORKER.pop("start_seconds", 0.0)  # only its first submission
    refused = submission_problem(directory)
    problems = {name: refused or reason for name in task["notebooks"]
                if refused or (reason := validate_notebook(directory / f"{name}.ipynb"))}
    timings["validate"] = time.perf_counter() - started
    logger, messages = _worker_logger(student)
    run: dict = {"events": [], "confinement": "", "flags": []}
    if len(problems) == len(task["notebooks"]):
        with gradebook_lock(root):
            record_unrunnable(coursedir, assignment, student, problems)
    else:
        _run_autograde(task, problems, logger, messages, timings, run)
    tick = time.perf_counter()
    with gradebook_lock(root):
        timings["lock_wait"] += time.perf_counter() - tick
        score, max_score = submission_score(coursedir, assignment, student)
    timings["gradebook"] += time.perf_counter() - tick
    status, reason = _status(problems, run["events"])
    confinement = run["confinement"] or ("not run" if problems else "")
    result = SubmissionResult(student, assignment, status, reason, score, max_score,
                              run["flags"], round(time.perf_counter() - started, 3), confinement)
    autograded = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    log = {**result.as_dict(), "fingerprint": task["fingerprint"],
           "autograded": autograded.is_dir(), "confined": confinement != "unconfined",
           "timings": {key: round(value, 4) for key, value in timings.items()},
           "messages": messages[-_MAX_LOG_MESSAGES:]}
    write_json_atomic(log_path(root, assignment, student), log)
    return log


def _status(problems: dict, events: list) -> tuple[str, str]:
    reasons = list(problems.values())
    failing = [d for kind, d in events if kind in ("died", "memory", "error", "hung", "output")]
    timeouts = [detail for kind, detail in events if kind == "timeout"]
    if reasons or failing:
        return "failed", "; ".join(reasons + [detail for _, detail in events])  # in order
    if timeouts:
        return "timeout", "; ".join(timeouts)
    return "graded", ""


def _run_autograde(task: dict, problems: dict, logger, messages, timings, run: dict) -> None:
    """Run nbgrader's Autograde on one submission; collect events, flags and confinement."""
    from nbgrader.converters import NbGraderException

    coursedir = _WORKER["coursedir"]
    coursedir.assignment_id, coursedir.student_id = task["assignment"], task["student"]
    converter = _make_converter()(coursedir=coursedir, config=_WORKER["config"], log=logger,
                                  problems=problems, task=task, timings=timings, run=run)
    converter.force = True  # this run decided to grade it: replace any partial output
    try:
        converter.start()
    except NbGraderException:
        if not converter.failures:
            errors = [m for m in messages if m.startswith(("ERROR", "CRITICAL"))] or ["no detail"]
            converter.failures["*"] = f"nbgrader could not grade it ({errors[0]})"
        with gradebook_lock(_WORKER["root"]):
            zero_failed(coursedir, task["assignment"], task["student"], task["notebooks"],
                        converter.failures)
    run["events"] += [("error", reason) for reason in converter.failures.values()]


@functools.cache
def _make_converter():
    """Build the Autograde subclass (nbgrader is imported only when grading)."""
    from nbconvert.preprocessors import ExecutePreprocessor
    from nbgrader.converters import Autograde
    from traitlets import Any, Dict


    class ParallelAutograde(Autograde):
        """nbgrader's Autograde with gradebook access serialised and this run's limits."""

        problems = Dict()   # notebook name -> why it cannot be graded
        task = Dict()
        timings = Any()
        run = Dict()        # events, flags and confinement of this submission
        failures = Dict()   # notebook name -> exception text

        def init_assignment(self, assignment_id, student_id):
            tick = time.perf_counter()
            with gradebook_lock(_WORKER["root"]):
                locked = time.perf_counter()
                super().init_assignment(assignment_id, student_id)
                if self.problems:
                    from nbgrader.api import Gradebook
                    with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                        zero_notebooks(gb, assignment_id, student_id, self.problems)
            self.timings["lock_wait"] += locked - tick
            self.timings["setup"] += time.perf_counter() - tick
            self.notebooks = [path for path in self.notebooks
                              if Path(path).stem not in self.problems]

        def convert_single_notebook(self, notebook_filename):
            try:
                super().convert_single_notebook(notebook_filename)
            except Exception as exc:
                name = Path(notebook_filename).stem
                self.failures[name] = (f"{name}.ipynb could not be graded "
                                       f"({type(exc).__name__}: {exc})")
                raise

        def _init_preprocessors(self):
            super()._init_preprocessors()
            pps = self.exporter._preprocessors
            for index, pp in enumerate(pps):
                if isinstance(pp, ExecutePreprocessor):  # every kernel runs sandboxed, whatever
                    pp = _configured(pp, self.exporter, self.task)  # the course configures
                pps[index] = _Timed(pp, self.timings, self._sanitizing, self.run)

    return ParallelAutograde


def _configured(pp, exporter, task: dict):
    """A sandboxed executor in place of ``pp`` (any executor), with this run's limits."""
    from traitlets.config import Config

    from autograder.grading.execute import SandboxedExecute

    cls = type(pp) if isinstance(pp, SandboxedExecute) else SandboxedExecute
    overrides = {"confine": task["confine"], "memory_limit_mb": task["memory_limit_mb"]}
    if task["timeout"] is not None:
        overrides["timeout"] = task["timeout"]
    config = copy.deepcopy(exporter.config)
    config.merge(Config({cls.__name__: overrides}))
    configured = cls(parent=exporter, config=config)
    configured.enabled = pp.enabled
    return configured


class _Timed:
    """Run one preprocessor, timed, under the gradebook lock unless it is known not to need it."""

    def __init__(self, preprocessor, timings, before_kernel: bool, run: dict):
        name = type(preprocessor).__name__
        self.preprocessor, self.timings, self.run = preprocessor, timings, run
        self.locked = name not in _GRADEBOOK_FREE
        self.phase = ("sanitize" if before_kernel else "execute" if name == "SandboxedExecute"
                      else "gradebook" if self.locked else "scoring")

    def __call__(self, nb, resources):
        tick = time.perf_counter()
        if self.locked:
            with gradebook_lock(_WORKER["root"]):
                self.timings["lock_wait"] += time.perf_counter() - tick
                result = self.preprocessor(nb, resources)
        else:
            result = self.preprocessor(nb, resources)
        self.timings[self.phase] += time.perf_counter() - tick
        self._collect(*result)
        return result

    def _collect(self, nb, resources) -> None:
        prepared = resources.get("autograder") or {}
        if type(self.preprocessor).__name__ == "SandboxedExecute":
            self.run["events"] += list(prepared.get("events") or [])
            self.run["confinement"] = prepared.get("confinement") or self.run["confinement"]
        elif type(self.preprocessor).__name__ == "ScoreRecordedAnswers":
            name = (resources.get("unique_key") or "").rsplit("/", 1)[-1]
            flags = (nb.metadata.get("autograder") or {}).get("flags") or []
            self.run["flags"] += [{"notebook": name, **dict(flag)} for flag in flags]

    def __str__(self):
        return str(self.preprocessor)
