"""Before any kernel starts: the course, which submissions to grade, and which can be graded.

A submission is *finished* when its log holds the SHA-256 of the same files,
its autograded output still exists and the gradebook has it; a later run
skips finished submissions (unless forced) and regrades the rest from
scratch, so an interrupted run plus a resumed one ends with the grades of one
uninterrupted run.  Each expected notebook is checked (present, a regular
file, valid JSON, a notebook) before anything runs; a submission directory
holding links or special files is refused as a whole.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from autograder.grading.gradebook import assignment_notebooks, gradebook_lock, graded_students
from autograder.grading.logs import SubmissionResult, read_logs

__all__ = ["course_directory", "load_course_config", "plan", "submission_problem",
           "validate_notebook"]


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
        problem: missing file, a link or not a regular file, not UTF-8, not
        valid JSON (with line and column), valid JSON but not a notebook, or a
        notebook nbformat cannot read.
    """
    import nbformat

    path = Path(path)
    if path.is_symlink() or path.exists() and not path.is_file():
        return f"{path.name} is a link or a special file, not a notebook file"
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


def submission_problem(directory: Path) -> str | None:
    """Why a submission directory cannot be graded at all (links, special files), or None."""
    for root, dirs, names in os.walk(directory, followlinks=False):
        for name in dirs + names:
            mode = os.lstat(os.path.join(root, name)).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                rel = os.path.relpath(os.path.join(root, name), directory)
                return f"the submission holds {rel!r}, a link or special file; only plain " \
                       "files and folders are graded"
    return None


def fingerprint(directory: Path) -> str:
    """SHA-256 over the relative paths and bytes of every file in ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def plan(assignment: str, root: Path, students, force: bool, settings: dict):
    """Split the submissions into finished ones (their results) and jobs for the workers.

    Returns
    -------
    results : dict
        Student -> :class:`SubmissionResult` (``skipped``) of finished submissions.
    todo : list of dict
        One task per submission to grade (``assignment``, ``student``,
        ``notebooks``, ``fingerprint`` and ``settings``).
    """
    coursedir = course_directory(load_course_config(root))
    submitted = _submitted_students(coursedir, assignment, students)
    logs = {} if force else read_logs(assignment, root)
    fingerprints = {student: fingerprint(path) for student, path in submitted.items()}
    with gradebook_lock(root):
        notebooks = assignment_notebooks(coursedir, assignment)
        in_gradebook = graded_students(coursedir, assignment)
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


def _submitted_students(coursedir, assignment: str, students) -> dict[str, Path]:
    base = Path(coursedir.root) / coursedir.submitted_directory
    found = {path.parent.name: path for path in sorted(base.glob(f"*/{assignment}"))
             if path.is_dir() and not path.is_symlink()}
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
                            list(log.get("flags") or []), 0.0, str(log.get("confinement") or ""))
