"""Grade every submission of an assignment: parallel, bounded, safe and resumable.

:func:`grade_assignment` runs nbgrader's own ``Autograde`` converter on each
submission in ``<course>/submitted/<student>/<assignment>/``, so everything the
course's ``nbgrader_config.py`` configures (the out-of-kernel scoring
preprocessor, ``LimitOutput``, late penalties...) applies exactly as with
``nbgrader autograde``. Around it this module adds what stock nbgrader lacks:

Workers
    ``jobs`` worker processes (:mod:`autograder.parallel`) each grade one
    submission at a time in its own kernel, with a progress bar on stderr.
    A worker lives for the whole run; it is forked from this process after
    nbgrader, nbconvert and nbclient are imported here once (seconds per
    process), or started as a fresh interpreter when this process has other
    threads. Each kernel gets one BLAS/OpenMP thread
    (:data:`KERNEL_ENV_DEFAULTS`; the ``jobs`` kernels already share the
    cores) unless the grader's environment sets another value.
    Each log's ``timings`` says where the submission's time went
    (:data:`PHASES`).
Limits
    A per-cell time limit (``Execute.timeout``); a memory limit per kernel
    (``RLIMIT_AS`` set in the kernel process just before it starts, so an
    allocation past it raises ``MemoryError`` in the student's cell); a kernel
    that dies or stops answering after a time-out interrupt ends that
    notebook: the cells it could not run get an error output and score 0.
Confinement
    Where Linux Landlock is available (:mod:`autograder.sandbox`), a kernel
    may write only beneath its notebook's directory, a scratch directory of
    its own (its ``TMPDIR`` and ``IPYTHONDIR``) and matplotlib's cache: the
    course, the gradebook, other submissions and the grader's code are out of
    its reach. Each log says whether its kernel was confined.
Validation
    Before any kernel starts, each expected notebook is checked (present,
    valid JSON, a notebook). A bad one is scored 0 with the reason written to
    the gradebook comments and the log; the rest are still graded.
One writer at a time
    SQLite must not see several writers at once. Workers run the kernel and
    the out-of-kernel scoring freely, but every step that opens the gradebook
    (nbgrader's ``init_assignment`` and each preprocessor whose module uses
    nbgrader's ``Gradebook``) runs under one inter-process file lock, with
    stop signals deferred until the step ends
    (:func:`autograder.parallel.uninterruptible`).
Resumable
    A submission is finished only when its log
    ``<course>/autograder_log/<assignment>/<student>.json`` has been written
    (atomically, after its grades are committed), holding a SHA-256 of the
    submitted files. A later run skips finished submissions whose files are
    unchanged (unless ``force``) and regrades the rest from scratch, which
    overwrites any grade a stopped run left behind: an interrupted run plus a
    resumed one ends with the grades of one uninterrupted run.
"""
from __future__ import annotations

import collections
import contextlib
import copy
import fcntl
import functools
import hashlib
import json
import logging
import math
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder import sandbox
from autograder.parallel import JobError, Progress, WorkerPool, start_method, uninterruptible

__all__ = ["KERNEL_ENV_DEFAULTS", "LOG_DIR", "PHASES", "STATUSES", "SubmissionResult",
           "course_directory", "grade_assignment", "gradebook_lock", "load_course_config",
           "read_logs", "require_gradebook", "validate_notebook"]

#: Directory (under the course root) holding one JSON log per graded submission.
LOG_DIR = "autograder_log"
#: Possible values of :attr:`SubmissionResult.status`.
STATUSES = ("graded", "failed", "timeout", "skipped")
#: Error names the grader writes into cells it stopped or could not run.
KERNEL_DIED, NOT_RUN = "KernelDied", "CellNotRun"
#: Environment for every kernel; a kernel's own settings take precedence.
#: One BLAS thread per kernel because ``jobs`` kernels already share the cores;
#: few malloc arenas so that threads do not eat the address-space limit.
KERNEL_ENV_DEFAULTS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                       "MKL_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
#: Phases of a submission's time in its log's ``timings`` (seconds). ``worker_start`` is
#: the worker's own start-up, charged to the first submission it grades; ``lock_wait``
#: is the part of ``setup`` and ``gradebook`` spent waiting for the gradebook lock.
PHASES = ("worker_start", "validate", "setup", "sanitize", "kernel_start", "execute",
          "kernel_stop", "scoring", "gradebook", "lock_wait")
_PROBE_SECONDS = 5.0
_MAX_LOG_MESSAGES = 40


@dataclass
class SubmissionResult:
    """The outcome of grading one student's submission.

    Attributes
    ----------
    student, assignment : str
        Whose submission, of what.
    status : {"graded", "failed", "timeout", "skipped"}
        ``graded``: every cell ran; ``timeout``: a cell hit the time limit
        (the other cells still count); ``failed``: something could not run
        (invalid or missing notebook, memory limit, kernel died, grading
        error); ``skipped``: already graded by an earlier run with the same
        files (score and reason are that run's).
    reason : str
        Why, for anything but a clean ``graded``; empty otherwise.
    score, max_score : float
        Points from the gradebook after grading (0 for what could not run).
    flags : list of dict
        ``nb.metadata["autograder"]["flags"]`` of the autograded notebooks.
    seconds : float
        Wall time spent grading this submission.
    """

    student: str
    assignment: str
    status: str
    reason: str = ""
    score: float = 0.0
    max_score: float = 0.0
    flags: list = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        """The result as a JSON-ready dict (the keys of the log file)."""
        return asdict(self)


# ----------------------------------------------------------------------------- course


def load_course_config(course_dir):
    """Load the course's ``nbgrader_config.py`` and pin the course root.

    Parameters
    ----------
    course_dir : str or path
        The course root (holds ``nbgrader_config.py``, ``source``/``submitted``
        directories and, by default, ``gradebook.db``).

    Returns
    -------
    traitlets.config.Config
        The configuration from ``<course_dir>/nbgrader_config.py`` (nbgrader's
        defaults if there is none) with ``CourseDirectory.root`` set to the
        absolute ``course_dir``.

    Raises
    ------
    FileNotFoundError
        If ``course_dir`` is not a directory.
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    root = Path(course_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"course_dir {str(course_dir)!r} is not a directory")
    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    config.CourseDirectory.root = str(root)
    return config


def course_directory(config):
    """nbgrader's ``CourseDirectory`` for a configuration from :func:`load_course_config`."""
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=config)


@contextlib.contextmanager
def gradebook_lock(root: Path):
    """Hold the course's gradebook lock, with stop signals deferred.

    Every process that opens the gradebook while grading takes this lock, so
    SQLite sees one writer at a time; the lock is released by the kernel even
    if the holder is killed.
    """
    lock_path = root / LOG_DIR / ".gradebook.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with uninterruptible(), open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def require_gradebook(coursedir, assignment: str) -> None:
    """Raise ``ValueError`` if the course's SQLite gradebook does not exist yet.

    Opening a missing SQLite gradebook would silently create an empty one.
    """
    if coursedir.db_url.startswith("sqlite:///"):
        database = Path(coursedir.db_url[len("sqlite:///"):])
        if not database.is_file():
            raise ValueError(f"no gradebook at {database}; build the assignment first "
                             f"(`autograder build {assignment}` or "
                             f"`nbgrader generate_assignment {assignment}`)")


def _assignment_notebooks(coursedir, assignment: str) -> list[str]:
    from nbgrader.api import Gradebook, MissingEntry
    require_gradebook(coursedir, assignment)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise ValueError(
                f"assignment {assignment!r} is not in the gradebook ({coursedir.db_url}); "
                f"build it first (`autograder build {assignment}` or "
                f"`nbgrader generate_assignment {assignment}`)") from None
        return sorted(notebook.name for notebook in record.notebooks)


def _graded_students(coursedir, assignment: str) -> set[str]:
    from nbgrader.api import Gradebook
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        return {s.student.id for s in gb.assignment_submissions(assignment)}


# ------------------------------------------------------------------------- validation


def validate_notebook(path) -> str | None:
    """Return why ``path`` cannot be graded as a notebook, or ``None`` if it can.

    Parameters
    ----------
    path : str or path
        A submitted ``.ipynb`` file.

    Returns
    -------
    str or None
        ``None`` for a readable notebook; otherwise one sentence naming the
        problem: missing file, not UTF-8, not valid JSON (with line and
        column), valid JSON but not a notebook, or a notebook nbformat cannot
        read.
    """
    import nbformat

    path = Path(path)
    if not path.is_file():
        return f"{path.name} is missing"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return f"{path.name} is not a text file (not UTF-8: {exc.reason} at byte {exc.start})"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return (f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, "
                f"column {exc.colno})")
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data \
            or not isinstance(data.get("nbformat"), int):
        return f"{path.name} is valid JSON but not a Jupyter notebook (no 'nbformat' and 'cells')"
    try:
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises a zoo of types for broken notebooks
        return f"{path.name} is not a readable notebook ({type(exc).__name__}: {exc})"
    return None


def _fingerprint(directory: Path) -> str:
    """SHA-256 over the relative paths and bytes of every file in ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# ------------------------------------------------------------------------------ logs


def _log_path(root: Path, assignment: str, student: str) -> Path:
    return root / LOG_DIR / assignment / f"{student}.json"


def _write_json_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def read_logs(assignment: str, course_dir=".") -> dict[str, dict]:
    """Read every submission log of ``assignment``.

    Parameters
    ----------
    assignment : str
        Assignment name.
    course_dir : str or path
        Course root.

    Returns
    -------
    dict
        Student id -> the log's dict (``student``, ``assignment``, ``status``,
        ``reason``, ``score``, ``max_score``, ``flags``, ``seconds`` and the
        grader's extras: ``fingerprint``, ``timings``, ``messages``). Unreadable
        logs are left out.
    """
    directory = Path(course_dir).resolve() / LOG_DIR / assignment
    logs = {}
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "status" in data:
            logs[data.get("student", path.stem)] = data
    return logs


# ------------------------------------------------------------------ the public entry


def grade_assignment(assignment: str, course_dir=".", jobs: int | None = None,
                     timeout: float | None = 30.0, memory_limit_mb: float | None = 2048,
                     students=None, force: bool = False,
                     progress: bool = True, confine: bool = True) -> list[SubmissionResult]:
    """Autograde every submission of ``assignment`` in parallel worker processes.

    Parameters
    ----------
    assignment : str
        Assignment name, as in ``submitted/<student>/<assignment>/``; it must
        already be in the gradebook (``generate_assignment`` puts it there).
    course_dir : str or path
        Course root holding ``nbgrader_config.py``; default the current
        directory.
    jobs : int, optional
        Number of worker processes, each running one kernel at a time;
        default ``os.cpu_count()``.
    timeout : float or None
        Per-cell time limit in seconds (rounded up to whole seconds, as
        ``Execute.timeout``); ``None`` keeps the course configuration's.
    memory_limit_mb : float or None
        Address-space limit of each kernel in MiB; ``None`` for no limit.
    students : iterable of str, optional
        Only grade these students (default: everyone who submitted).
    force : bool
        Regrade submissions that an earlier run already finished.
    progress : bool
        Draw a progress bar (done, failed, time left) on stderr.
    confine : bool
        Let each kernel write only beneath its notebook's directory and a scratch directory
        (:mod:`autograder.sandbox`), where Linux Landlock allows it; elsewhere kernels run
        unconfined either way. Each log's ``confined`` says which happened.

    Returns
    -------
    list of SubmissionResult
        One per submission, sorted by student.

    Raises
    ------
    ValueError
        If an argument is out of range, the assignment is not in the
        gradebook, or a requested student has no submission.
    FileNotFoundError
        If ``course_dir`` is not a directory.
    KeyboardInterrupt
        On Ctrl-C, after every worker and kernel has stopped; finished
        submissions keep their grades and logs, and running again finishes the
        rest.

    Notes
    -----
    Submissions are independent, so with ``jobs`` workers and ``n``
    submissions of similar cost the wall time is about ``ceil(n / jobs)``
    times one submission, plus the short serialised gradebook writes.

    Examples
    --------
    >>> results = grade_assignment("02_gradient_descent", "course", jobs=2)  # doctest: +SKIP
    >>> [(r.student, r.status, r.score) for r in results]  # doctest: +SKIP
    [('alice', 'graded', 5.0), ('bob', 'timeout', 3.0)]
    """
    if jobs is None:
        jobs = os.cpu_count() or 1
    settings = {**_check_settings(jobs, timeout, memory_limit_mb),
                "confine": bool(confine) and sandbox.available()}
    if not isinstance(assignment, str) or not assignment or "/" in assignment:
        raise ValueError(f"assignment must be a non-empty name without '/', got {assignment!r}")
    root = Path(course_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"course_dir {str(course_dir)!r} is not a directory")
    # Forked workers inherit the parent's imports (nbgrader, nbformat, nbclient: seconds
    # per process), so the parent imports them once, then forks. Spawned workers
    # (threaded parent) instead start first, so that their imports overlap the
    # parent's planning; those left without a submission are stopped later.
    start = start_method()
    pool = WorkerPool(_grade_submission, jobs, initializer=_init_worker,
                      initargs=(str(root), time.time()), start=start) if start == "spawn" else None
    try:
        results, todo = _plan(assignment, root, students, force, settings)
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


def _plan(assignment: str, root: Path, students, force: bool, settings: dict):
    """Split the submissions into finished ones (their results) and jobs for the workers.

    A submission is finished if its log holds the SHA-256 of the same files,
    its autograded output still exists and the gradebook has it.
    """
    coursedir = course_directory(load_course_config(root))
    submitted = _submitted_students(coursedir, assignment, students)
    logs = {} if force else read_logs(assignment, root)
    fingerprints = {student: _fingerprint(path) for student, path in submitted.items()}
    with gradebook_lock(root):
        notebooks = _assignment_notebooks(coursedir, assignment)
        in_gradebook = _graded_students(coursedir, assignment)
    results: dict[str, SubmissionResult] = {}
    todo = []
    for student in submitted:
        log = logs.get(student)
        if log is not None and student in in_gradebook \
                and _log_matches(log, fingerprints[student], coursedir, assignment):
            results[student] = _skipped(log, assignment)
        else:
            todo.append({"assignment": assignment, "student": student, "notebooks": notebooks,
                         "fingerprint": fingerprints[student], **settings})
    return results, todo


def _check_settings(jobs, timeout, memory_limit_mb) -> dict:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    if memory_limit_mb is not None and not (isinstance(memory_limit_mb, (int, float))
                                            and memory_limit_mb >= 256):
        raise ValueError("memory_limit_mb must be at least 256 (a Python kernel needs about "
                         f"that much address space) or None, got {memory_limit_mb!r}")
    return {"timeout": None if timeout is None else math.ceil(timeout),
            "memory_limit_bytes": None if memory_limit_mb is None
            else int(memory_limit_mb * 2**20)}


def _submitted_students(coursedir, assignment: str, students) -> dict[str, Path]:
    base = Path(coursedir.root) / coursedir.submitted_directory
    found = {path.parent.name: path
             for path in sorted(base.glob(f"*/{assignment}")) if path.is_dir()}
    if students is None:
        return found
    if isinstance(students, str):
        students = [students]
    missing = sorted(set(students) - set(found))
    if missing:
        raise ValueError(f"no submission of {assignment!r} in {base} for students {missing}")
    return {student: found[student] for student in sorted(set(students))}


def _log_matches(log: dict, fingerprint: str, coursedir, assignment: str) -> bool:
    """Whether an earlier run finished this exact submission and its output is intact."""
    if log.get("retry") or log.get("fingerprint") != fingerprint:
        return False
    if log.get("autograded"):
        autograded = Path(coursedir.format_path(coursedir.autograded_directory,
                                                log["student"], assignment))
        return autograded.is_dir()
    return True


def _skipped(log: dict, assignment: str) -> SubmissionResult:
    reason = f"already graded ({log['status']}" + (f": {log['reason']})" if log.get("reason")
                                                    else ")")
    return SubmissionResult(log["student"], assignment, "skipped", reason,
                            float(log.get("score") or 0.0), float(log.get("max_score") or 0.0),
                            list(log.get("flags") or []), 0.0)


def _as_result(task: dict, value, root: Path) -> SubmissionResult:
    if isinstance(value, JobError):
        # A grader bug or a dead worker: report it, and let the next run retry.
        result = SubmissionResult(task["student"], task["assignment"], "failed",
                                  f"grading error: {value.message}")
        _write_json_atomic(_log_path(root, task["assignment"], task["student"]),
                           {**result.as_dict(), "retry": True, "fingerprint": task["fingerprint"],
                            "messages": value.details.splitlines()[-_MAX_LOG_MESSAGES:]})
        return result
    return SubmissionResult(**{key: value[key] for key in SubmissionResult.__dataclass_fields__})


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
    _make_converter()  # import nbgrader's converters and nbclient now, not in the first job
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
    problems = {name: reason for name in task["notebooks"]
                if (reason := validate_notebook(directory / f"{name}.ipynb")) is not None}
    timings["validate"] = time.perf_counter() - started
    logger, messages = _worker_logger(student)
    events: list[tuple[str, str]] = []
    if len(problems) == len(task["notebooks"]):
        with gradebook_lock(root):
            _record_unrunnable(coursedir, assignment, student, problems)
    else:
        events = _run_autograde(task, problems, logger, messages, timings)
    tick = time.perf_counter()
    with gradebook_lock(root):
        timings["lock_wait"] += time.perf_counter() - tick
        score, max_score = _submission_score(coursedir, assignment, student)
    timings["gradebook"] += time.perf_counter() - tick
    tick = time.perf_counter()
    flags = _autograded_flags(coursedir, assignment, student, task["notebooks"], problems)
    status, reason = _status(problems, events)
    result = SubmissionResult(student, assignment, status, reason, score, max_score, flags)
    timings["scoring"] += time.perf_counter() - tick
    result.seconds = round(time.perf_counter() - started, 3)
    log = {**result.as_dict(), "fingerprint": task["fingerprint"],
           "autograded": Path(coursedir.format_path(coursedir.autograded_directory, student,
                                                    assignment)).is_dir(),
           "confined": bool(task.get("confine")) and all(kind != "unconfined" for kind, _ in events),
           "timings": {key: round(value, 4) for key, value in timings.items()},
           "messages": messages[-_MAX_LOG_MESSAGES:]}
    _write_json_atomic(_log_path(root, assignment, student), log)
    return log


def _status(problems: dict, events: list) -> tuple[str, str]:
    reasons = list(problems.values())
    failing = [detail for kind, detail in events if kind in ("died", "memory", "error", "hung")]
    timeouts = [detail for kind, detail in events if kind == "timeout"]
    if reasons or failing:
        return "failed", "; ".join(reasons + [detail for _, detail in events])  # in order
    if timeouts:
        return "timeout", "; ".join(timeouts)
    return "graded", ""


def _record_unrunnable(coursedir, assignment: str, student: str, problems: dict) -> None:
    """Create the submission in the gradebook and score every notebook in ``problems`` 0."""
    from nbgrader.api import Gradebook
    source = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    timestamp = coursedir.get_existing_timestamp(source)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        gb.update_or_create_student(student)
        kwargs = {"timestamp": timestamp} if timestamp else {}
        gb.update_or_create_submission(assignment, student, **kwargs)
        _zero_notebooks(gb, assignment, student, problems)
    stale = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
    if stale.exists():
        shutil.rmtree(stale)


def _zero_notebooks(gb, assignment: str, student: str, problems: dict) -> None:
    """Score the notebooks in ``problems`` 0, with the reason as the auto comment, in one commit."""
    for name, reason in problems.items():
        submission = gb.find_submission_notebook(name, assignment, student)
        for grade in submission.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        for comment in submission.comments:
            comment.auto_comment = f"Not graded: {reason}"
    gb.db.commit()


def _submission_score(coursedir, assignment: str, student: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        submission = gb.find_submission(assignment, student)
        return float(submission.score), float(submission.max_score)


def _autograded_flags(coursedir, assignment, student, notebooks, problems) -> list:
    # nbgrader has just written and validated these notebooks: plain JSON is enough
    # (validating each one again cost ~0.1 s per submission).
    flags = []
    for name in notebooks:
        path = Path(coursedir.format_path(coursedir.autograded_directory, student, assignment),
                    f"{name}.ipynb")
        if name in problems or not path.is_file():
            continue
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        for flag in (metadata.get("autograder") or {}).get("flags") or []:
            flags.append({"notebook": name, **dict(flag)})
    return flags


# ------------------------------------------------------------- nbgrader integration


def _run_autograde(task: dict, problems: dict, logger, messages, timings) -> list[tuple[str, str]]:
    """Run nbgrader's Autograde on one submission; return the kernel events seen."""
    from nbgrader.converters import NbGraderException

    coursedir = _WORKER["coursedir"]
    coursedir.assignment_id, coursedir.student_id = task["assignment"], task["student"]
    converter = _make_converter()(coursedir=coursedir, config=_WORKER["config"], log=logger,
                                  problems=problems, task=task, timings=timings)
    converter.force = True  # this run decided to grade it: replace any partial output
    try:
        converter.start()
    except NbGraderException:
        if not converter.failures:
            errors = [m for m in messages if m.startswith(("ERROR", "CRITICAL"))] or ["no detail"]
            converter.failures["*"] = f"nbgrader could not grade it ({errors[0]})"
        with gradebook_lock(_WORKER["root"]):
            _zero_failed(coursedir, task, converter.failures)
    return list(converter.events) + [("error", reason) for reason in converter.failures.values()]


def _zero_failed(coursedir, task: dict, failures: dict) -> None:
    """Score 0 every notebook nbgrader failed on (all of them if it is not known which).

    Grades an earlier run saved for that notebook are replaced too: a run's
    grades depend only on the submission, never on what the gradebook held.
    """
    from nbgrader.api import Gradebook, MissingEntry
    failed = {name: reason for name, reason in failures.items() if name in task["notebooks"]}
    if not failed:
        reason = failures.get("*", "grading error")
        failed = {name: reason for name in task["notebooks"]}
    with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
        try:
            _zero_notebooks(gb, task["assignment"], task["student"], failed)
            return
        except MissingEntry:  # failed before the submission existed: create it first
            pass
    _record_unrunnable(coursedir, task["assignment"], task["student"], failed)


@functools.cache
def _make_converter():
    """Build the Autograde subclass (nbgrader is imported only inside workers)."""
    from nbconvert.preprocessors import ExecutePreprocessor
    from nbgrader.converters import Autograde
    from traitlets import Any, Dict, List
    from traitlets.config import Config

    class ParallelAutograde(Autograde):
        """nbgrader's Autograde with gradebook access serialised and kernels guarded."""

        problems = Dict()   # notebook name -> why it cannot be graded
        task = Dict()
        timings = Any()
        events = List()
        failures = Dict()   # notebook name -> exception text

        def init_assignment(self, assignment_id, student_id):
            tick = time.perf_counter()
            with gradebook_lock(_WORKER["root"]):
                timings_lock = time.perf_counter()
                super().init_assignment(assignment_id, student_id)
                if self.problems:
                    from nbgrader.api import Gradebook
                    with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
                        _zero_notebooks(gb, assignment_id, student_id, self.problems)
            self.timings["lock_wait"] += timings_lock - tick
            self.timings["setup"] += time.perf_counter() - tick
            self.notebooks = [path for path in self.notebooks
                              if Path(path).stem not in self.problems]

        def convert_single_notebook(self, notebook_filename):
            try:
                super().convert_single_notebook(notebook_filename)
            except Exception as exc:
                name = Path(notebook_filename).stem
                self.failures[name] = f"{name}.ipynb could not be graded ({type(exc).__name__}: {exc})"
                raise

        def _init_preprocessors(self):
            super()._init_preprocessors()
            pps = self.exporter._preprocessors
            for index, pp in enumerate(pps):
                if isinstance(pp, ExecutePreprocessor):
                    guarded_class = _guarded_class(type(pp))
                    # Through config, not attributes: nbclient re-reads its configuration
                    # at the start of every notebook. The kernel is killed once the
                    # notebook has run: nothing in it needs a graceful exit, and waiting
                    # for one cost ~0.7 s per submission.
                    overrides = {"shutdown_kernel": "immediate"}
                    if self.task["timeout"] is not None:
                        overrides["timeout"] = self.task["timeout"]
                    config = copy.deepcopy(self.exporter.config)
                    config.merge(Config({guarded_class.__name__: overrides}))
                    guarded = guarded_class(parent=self.exporter, config=config)
                    guarded.enabled = pp.enabled
                    guarded._memory_limit = self.task["memory_limit_bytes"]
                    guarded._confine = self.task.get("confine", False)
                    guarded._guard_events, guarded._guard_timings = self.events, self.timings
                    pps[index] = guarded
                else:
                    pps[index] = _Timed(pp, self.timings, self._sanitizing,
                                        locked=_uses_gradebook(pp))

    return ParallelAutograde


def _uses_gradebook(preprocessor) -> bool:
    """Whether a preprocessor may open the gradebook, so must run under the lock.

    A preprocessor can only reach the gradebook through nbgrader's ``Gradebook``
    (or the ``NbGraderAPI`` built on it); nbgrader's own gradebook users import
    it into their module. Callables that are not classes' instances from an
    inspectable module are treated as gradebook users, to be safe.
    """
    import nbgrader.api
    import nbgrader.apps.api

    module = sys.modules.get(type(preprocessor).__module__)
    if module is None:
        return True
    return any(value is nbgrader.api.Gradebook or value is nbgrader.apps.api.NbGraderAPI
               or value is nbgrader.api or value is nbgrader.apps.api
               for value in vars(module).values())


class _Timed:
    """Run one preprocessor, timed, and under the gradebook lock if it may open the gradebook."""

    def __init__(self, preprocessor, timings, before_kernel: bool, locked: bool):
        self.preprocessor, self.timings, self.locked = preprocessor, timings, locked
        self.phase = "sanitize" if before_kernel else "gradebook" if locked else "scoring"

    def __call__(self, nb, resources):
        tick = time.perf_counter()
        if self.locked:
            with gradebook_lock(_WORKER["root"]):
                self.timings["lock_wait"] += time.perf_counter() - tick
                result = self.preprocessor(nb, resources)
        else:
            result = self.preprocessor(nb, resources)
        self.timings[self.phase] += time.perf_counter() - tick
        return result

    def __str__(self):
        return str(self.preprocessor)


def _limit_kernel(memory_limit_bytes: int | None, writable: tuple[str, ...] | None = None) -> None:
    """Run in the kernel process between fork and exec: set its limits and confine its writes."""
    if memory_limit_bytes is not None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    # Workers ignore SIGINT; a kernel must not, or interrupting a cell cannot work.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    if writable is not None:
        try:
            sandbox.confine_writes(writable)
        except OSError as error:  # grade unconfined (tamper detection still runs) and say why
            os.write(2, f"{_UNCONFINED}: {error}\n".encode())


_UNCONFINED = "autograder: kernel writes not confined"


def _kernel_scratch() -> str:
    """A fresh directory for one kernel's temporary files and IPython profile."""
    return tempfile.mkdtemp(prefix="autograder-kernel-")


def _writable_for_kernel(workdir: str | None, scratch: str) -> tuple[str, ...]:
    """Where a confined kernel may write: its notebook's directory, its scratch, shared caches."""
    cache = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    with contextlib.suppress(OSError):
        os.makedirs(cache, exist_ok=True)  # a rule needs an existing directory
    return tuple(p for p in (workdir, scratch, cache, "/dev/shm") if p)


@functools.cache
def _guarded_class(execute_class):
    """Subclass the configured executor (keeping its configuration) with kernel guards."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from nbformat.v4 import new_output

    class KernelGuard(execute_class):
        """Executor that limits its kernel and stops cleanly when the kernel is lost.

        * The kernel starts with ``COURSEKIT_STUDENT_ID`` = the submission's
          student and an address-space limit (``RLIMIT_AS``).
        * A dead kernel (``DeadKernelError``) or one that ignores the interrupt
          after a time-out ends execution: that cell and every later code cell
          get an error output, so their tests score 0 and earlier ones count.
        """

        _memory_limit: int | None = None   # set by the converter for each submission
        _confine: bool = False             # confine the kernel's writes (Landlock)
        _guard_events: list
        _guard_timings: collections.Counter

        def preprocess(self, nb, resources=None, km=None):
            self._student = resources["nbgrader"]["student"]
            self._stopped = None
            with tempfile.TemporaryFile("w+") as self._kernel_stderr:
                try:
                    return super().preprocess(nb, resources, km)
                finally:
                    self._report_kernel_stderr()

        def _report_kernel_stderr(self):
            # Only a stopped kernel's last words help; routine warnings stay out of the log.
            if self._stopped is None:
                return
            self._kernel_stderr.seek(0)
            tail = self._kernel_stderr.read()[-2000:].strip()
            if tail:
                self.log.warning("kernel stderr: %s", tail)

        @contextlib.contextmanager
        def setup_kernel(self, **kwargs):
            env = {**KERNEL_ENV_DEFAULTS, **os.environ, "COURSEKIT_STUDENT_ID": self._student}
            scratch = writable = None
            if self._confine:
                scratch = _kernel_scratch()
                workdir = kwargs.get("cwd") or (self.resources or {}).get("metadata", {}).get("path")
                writable = _writable_for_kernel(workdir, scratch)
                env.update(TMPDIR=scratch, IPYTHONDIR=os.path.join(scratch, "ipython"))
            kwargs.setdefault("env", env)
            kwargs.setdefault("stdout", subprocess.DEVNULL)
            kwargs.setdefault("stderr", self._kernel_stderr)
            kwargs.setdefault("preexec_fn", functools.partial(_limit_kernel, self._memory_limit,
                                                              writable))
            timings, tick = self._guard_timings, time.perf_counter()
            try:
                with super().setup_kernel(**kwargs):
                    timings["kernel_start"] += time.perf_counter() - tick
                    if writable is not None:
                        self._check_confined()
                    tick = time.perf_counter()
                    try:
                        yield
                    finally:
                        timings["execute"] += time.perf_counter() - tick
                        tick = time.perf_counter()
                timings["kernel_stop"] += time.perf_counter() - tick
            finally:
                if scratch is not None:
                    shutil.rmtree(scratch, ignore_errors=True)

        def _check_confined(self):
            # The kernel process wrote why before it started Python, if confining failed.
            start = os.pread(self._kernel_stderr.fileno(), 4096, 0).decode(errors="replace")
            if _UNCONFINED in start:
                line = next(line for line in start.splitlines() if _UNCONFINED in line)
                self._guard_events.append(("unconfined", line.removeprefix("autograder: ")))

        def preprocess_cell(self, cell, resources, index):
            if cell.cell_type != "code":
                return cell, resources
            name = _cell_name(cell, index)
            if self._stopped is not None:
                cell.outputs = [_error_output(new_output, NOT_RUN, self._stopped)]
                return cell, resources
            try:
                cell, resources = super().preprocess_cell(cell, resources, index)
            except DeadKernelError:
                detail = f"the kernel died while running cell {name}{self._exit_detail()}"
                cell.outputs.append(_error_output(new_output, KERNEL_DIED, detail))
                self._stop("died", detail)
                return cell, resources
            except CellTimeoutError:
                # Still busy after the time-out interrupt (nbclient gave up waiting for
                # the cell's last output): the kernel ignores interrupts.
                ename = (self.error_on_timeout or {}).get("ename", "CellTimeoutError")
                cell.outputs.append(_error_output(
                    new_output, ename, f"no reply within the {self.timeout} s time limit"))
                self._guard_events.append(("timeout", f"cell {name} exceeded the {self.timeout} s "
                                                      "time limit"))
                self._stop("hung", f"the kernel did not respond after cell {name} was "
                                   "interrupted")
                return cell, resources
            errors = {out.get("ename") for out in cell.get("outputs", [])
                      if out.get("output_type") == "error"}
            if "MemoryError" in errors:
                limit = self._memory_limit
                self._guard_events.append(("memory", f"cell {name} ran out of memory"
                                    + (f" (limit {limit / 2**20:g} MB)" if limit else "")))
            if self.error_on_timeout and self.error_on_timeout.get("ename") in errors:
                self._guard_events.append(("timeout", f"cell {name} exceeded the {self.timeout} s "
                                               "time limit"))
                if not self._kernel_responds():
                    self._stop("hung", f"the kernel did not respond after cell {name} was "
                                       "interrupted")
            return cell, resources

        def _stop(self, kind, detail):
            self._guard_events.append((kind, detail))
            self._stopped = f"Not run: {detail}."
            self.shutdown_kernel = "immediate"

        def _exit_detail(self):
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            code = process.poll() if process is not None else None
            if code is None:
                return ""
            if code < 0:
                return f" (killed by signal {-code})"
            return f" (exit code {code})"

        def _kernel_responds(self) -> bool:
            from jupyter_core.utils import run_sync
            return run_sync(self._async_kernel_responds)()

        async def _async_kernel_responds(self) -> bool:
            from queue import Empty
            msg_id = self.kc.execute("", silent=True, store_history=False)
            deadline = time.monotonic() + _PROBE_SECONDS
            while (left := deadline - time.monotonic()) > 0:
                try:
                    reply = await self.kc.get_shell_msg(timeout=left)
                except (Empty, TimeoutError):
                    return False
                if reply.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
            return False

    KernelGuard.__name__ = KernelGuard.__qualname__ = f"Guarded{execute_class.__name__}"
    return KernelGuard


def _cell_name(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return repr(grade_id) if grade_id else f"#{index + 1}"


def _error_output(new_output, ename: str, evalue: str):
    return new_output("error", ename=ename, evalue=evalue,
                      traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])
